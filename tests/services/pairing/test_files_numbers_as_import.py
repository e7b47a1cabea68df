"""File mode refuses a visitor's capacity, lat and lon in the words ``doorstep import``
uses for the same cells (both read the same texts as numbers: a float parser's, so ``+3``,
``3.0`` and ``1e3`` are numbers in both)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.factories.db import rejected
from tests.factories.files import visitor, write_csv
from tests.factories.pair_files import refused

HOUSEHOLDS = "household_id,lat,lon,languages\nh1,26.6,107.95,zh\n"


def _files(tmp_path: Path, column: str, value: str) -> tuple[Path, Path, Path]:
    """The households file, the visitors file of one visitor with ``column`` at ``value``,
    and the same visitor as an import's visitors file."""
    h = tmp_path / "h.csv"
    h.write_text(HOUSEHOLDS)
    row = visitor(**{column: value})
    imported = write_csv(tmp_path / "visitors.csv", list(row), [row])
    paired = {k: row[k] for k in ("visitor_id", "lat", "lon", "languages", "capacity")}
    return h, write_csv(tmp_path / "v.csv", list(paired), [paired]), imported


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("capacity", "-1"),
        ("capacity", "3000000000"),
        ("capacity", "1e30"),
    ],
)
def test_a_capacity_out_of_range_is_refused_in_the_imports_words(
    with_areas: Engine, tmp_path: Path, column: str, value: str
) -> None:
    h, v, imported = _files(tmp_path, column, value)
    [line] = rejected(with_areas, "visitors", imported)
    assert refused(h, v) == f"{v}: {line}"


def test_a_latitude_beside_one_in_the_longitude_column_is_said_to_look_swapped(
    with_areas: Engine, tmp_path: Path
) -> None:
    h, v, imported = _files(tmp_path, "lat", "107.95")
    v.write_text("visitor_id,lat,lon,languages,capacity\nV1,107.95,26.6,zh,2\n")
    imported.write_text(imported.read_text().replace("107.95,107.95", "107.95,26.6"))
    [line] = rejected(with_areas, "visitors", imported)
    assert line.endswith("latitude and longitude look swapped")
    assert refused(h, v) == f"{v}: {line}"
