"""A generated demo programme: five frames in the import file schemas, and ways to write them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from doorstep.demo.files import write_frames, write_pairing

Preset = Literal["village", "county", "region"]
FileFormat = Literal["csv", "xlsx", "parquet"]

# Import order: each file refers only to codes defined by the files before it.
FRAME_NAMES = ("areas", "organisations", "teams", "visitors", "households")

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "areas": {
        "code": pl.String(),
        "name": pl.String(),
        "parent_code": pl.String(),
        "level": pl.String(),
    },
    "organisations": {
        "code": pl.String(),
        "name": pl.String(),
        "kind": pl.String(),
        "area_code": pl.String(),
    },
    "teams": {
        "code": pl.String(),
        "name": pl.String(),
        "area_code": pl.String(),
        "organisation_code": pl.String(),
        "starts_on": pl.Date(),
        "ends_on": pl.Date(),
    },
    "visitors": {
        "visitor_id": pl.String(),
        "name": pl.String(),
        "organisation_code": pl.String(),
        "home_area_code": pl.String(),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "languages": pl.String(),
        "capacity": pl.Int64(),
        "active_from": pl.Date(),
        "active_to": pl.Date(),
        "team_code": pl.String(),
        "is_team_lead": pl.Boolean(),
        "service_area_code": pl.String(),
    },
    "households": {
        "household_id": pl.String(),
        "head_name": pl.String(),
        "address": pl.String(),
        "area_code": pl.String(),
        "lat": pl.Float64(),
        "lon": pl.Float64(),
        "members": pl.Int64(),
        "languages": pl.String(),
        "consent": pl.String(),
        "consent_date": pl.Date(),
        "annual_income": pl.Float64(),
        "income_year": pl.Int64(),
        "members_in_work": pl.Int64(),
        "services_enrolled": pl.String(),
    },
}


@dataclass(frozen=True)
class DemoProgramme:
    """A demo programme as five frames in the import file schemas (see :data:`SCHEMAS`).

    Attributes
    ----------
    areas, organisations, teams, visitors, households : polars.DataFrame
        One frame per import file, columns exactly as in :data:`SCHEMAS`.
    preset : str
        The preset it was built from.
    seed : int
        The seed: the same arguments always give the same frames.
    region_name : str
        Name of the region, e.g. ``"Guizhou Sheng"``.
    reference_date : datetime.date
        The day the programme is "now" in the data (consent dates and activity periods lie
        around it). Fixed, not today's date, so that a seed always gives the same data.
    poverty_line : float
        Yearly income per head (local currency) under which a household counts as poor.
    """

    areas: pl.DataFrame
    organisations: pl.DataFrame
    teams: pl.DataFrame
    visitors: pl.DataFrame
    households: pl.DataFrame
    preset: Preset
    seed: int
    region_name: str
    reference_date: date
    poverty_line: float

    def __post_init__(self) -> None:
        for name, frame in self.frames().items():
            if frame.schema != pl.Schema(SCHEMAS[name]):
                raise ValueError(f"{name}: columns {frame.schema} differ from {SCHEMAS[name]}")

    def frames(self) -> dict[str, pl.DataFrame]:
        """The five frames by file name, in import order."""
        return {name: getattr(self, name) for name in FRAME_NAMES}

    def write_files(self, directory: str | Path, fmt: FileFormat = "csv") -> list[Path]:
        """Write the five frames as ``<name>.<fmt>``; returns their paths in import order.

        The files hold the columns of :data:`SCHEMAS`. The household import takes incomes as
        a separate ``indicators`` file; ``doorstep.services.demo.write_import_files`` splits
        them out for ``doorstep import``.

        Raises
        ------
        ValueError
            For an unknown format, or ``xlsx`` when a frame has more rows than a sheet holds.
        """
        return write_frames(self.frames(), Path(directory), fmt)

    def write_pairing_files(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``pair_households.csv`` and ``pair_visitors.csv`` for the pairing file mode.

        Only households with consent given, and visitors active on :attr:`reference_date`.
        """
        return write_pairing(self.households, self.visitors, Path(directory), self.reference_date)
