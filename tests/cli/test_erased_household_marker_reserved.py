"""No household may have the id "erased household": it is what the audit trail writes in
place of an erased household's id in its visitors' exclusion events, so a real household
of that id could not be told from an erased one there. Every way an id comes in refuses it
(in any case, with spaces around it), naming where and why; `household export|erase` still
reach a household of that id stored before this was refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from doorstep.cli.main import app
from tests.cli.conftest import Invoke
from tests.factories.db import rejected
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

#: The marker, as migration 0012 wrote it (:data:`doorstep.domain.ids.ERASED_HOUSEHOLD`).
ERASED_HOUSEHOLD = "erased household"
#: The reason every refusal gives (:data:`doorstep.domain.ids.RESERVED_REASON`).
RESERVED_REASON = (
    '"erased household" is what the audit trail writes in place of an erased '
    "household's id, so no household may have it; give the household another id"
)
#: Ways of writing the marker that are the same id to a reader: another case, spaces around.
SPELLINGS = ("erased household", "Erased Household", " ERASED HOUSEHOLD ")


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("spelt", SPELLINGS)
def test_an_import_refuses_a_household_of_that_id_by_row_and_column(
    with_areas: Engine, tmp_path: Path, spelt: str
) -> None:
    rows = [household(household_id="H1"), household(household_id=spelt)]
    errors = rejected(
        with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    )
    assert len(errors) == 1, errors
    assert errors[0].startswith("row 3, column household_id")
    assert RESERVED_REASON in errors[0]


@pytest.mark.parametrize(
    "args",
    [
        ("pair", "explain", ERASED_HOUSEHOLD),
        ("pair", "exclude", "Erased Household", "V1"),
        ("pair", "unexclude", ERASED_HOUSEHOLD, "V1"),
        ("visits", "record", ERASED_HOUSEHOLD, "--visitor", "V1", "--start", "2027-01-04"),
        ("visits", "missed", ERASED_HOUSEHOLD, "--visitor", "V1", "--start", "2027-01-04"),
    ],
)
def test_a_command_naming_a_household_so_is_refused_in_one_line(
    cli: Invoke, args: tuple[str, ...]
) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert RESERVED_REASON in _one_line(result.output)


def test_household_export_still_looks_the_id_up(cli: Invoke) -> None:
    result = cli("household", "export", ERASED_HOUSEHOLD)
    assert result.exit_code == 1, result.output
    assert RESERVED_REASON not in _one_line(result.output)  # not found, as any unknown id


def test_pair_file_mode_refuses_it_by_row_and_column(tmp_path: Path) -> None:
    h, v, out = tmp_path / "h.csv", tmp_path / "v.csv", tmp_path / "pairs.csv"
    h.write_text(
        "household_id,lat,lon,languages\nh1,27.0,107.0,zh\nErased household,27.001,107.0,zh\n"
    )
    v.write_text("visitor_id,lat,lon,languages,capacity\nv1,27.0,107.0,zh,2\n")
    args = ["pair", "--households", str(h), "--visitors", str(v), "--out", str(out), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    said = _one_line(result.output)
    assert "row 3, column household_id" in said and RESERVED_REASON in said
    assert not out.exists()


def test_plan_file_mode_refuses_it_in_a_pairings_file(tmp_path: Path) -> None:
    pairs, out = tmp_path / "pairs.csv", tmp_path / "visits.csv"
    pairs.write_text(
        "household_id,visitor_id,distance_m,reason\nh1,v1,1000,\nerased household,v1,900,\n"
    )
    args = ["plan", "--pairings", str(pairs), "--start", "2027-01-01", "--out", str(out), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    said = _one_line(result.output)
    assert "row 3, column household_id" in said and RESERVED_REASON in said
    assert not out.exists()


def test_the_marker_refused_is_the_one_erasures_and_migration_0012_write() -> None:
    from doorstep.domain import ids

    assert ids.ERASED_HOUSEHOLD == ERASED_HOUSEHOLD
    assert ids.RESERVED_REASON == RESERVED_REASON
