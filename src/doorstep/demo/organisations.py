"""Organisations that send visitors: provincial departments, county bureaus, sponsors and NGOs.

Sponsor and NGO names are made up (no real company is implied); department names follow the
usual Chinese government structure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from doorstep.demo.places import RegionPlaces
from doorstep.demo.tree import AreaTree

DEPARTMENTS = (
    ("AGR", "Agriculture and Rural Affairs"),
    ("RUR", "Rural Revitalisation"),
    ("HRS", "Human Resources and Social Security"),
    ("EDU", "Education"),
    ("HLT", "Health"),
    ("CIV", "Civil Affairs"),
)
SPONSORS = (
    ("SP01", "Qianling Tea Company", "sponsor"),
    ("SP02", "Wujiang Hydropower Co.", "sponsor"),
    ("SP03", "Yunwu Pharmaceutical Group", "sponsor"),
    ("SP04", "Karst Mountain Construction Co.", "sponsor"),
    ("NG01", "Southwest Mountain Children's Foundation", "ngo"),
    ("NG02", "Red Cedar Rural Education Fund", "ngo"),
    ("NG03", "Clear Spring Elderly Care Association", "ngo"),
    ("OT01", "University Student Volunteer Association", "other"),
)


@dataclass(frozen=True)
class Organisations:
    """The ``organisations`` frame and, for drawing members, which codes belong where.

    Attributes
    ----------
    frame : polars.DataFrame
        ``code, name, kind, area_code``.
    provincial : tuple of str
        Codes of the provincial departments.
    county_bureaus : dict of int to tuple of str
        County index -> codes of that county's bureaus.
    independent : tuple of str
        Codes of sponsors, NGOs and other organisations.
    """

    frame: pl.DataFrame
    provincial: tuple[str, ...]
    county_bureaus: dict[int, tuple[str, ...]]
    independent: tuple[str, ...]

    def bureau_table(self, n_counties: int) -> npt.NDArray[np.str_]:
        """Array ``[county, k]`` of bureau codes ("" for counties outside the programme)."""
        table = np.full((n_counties, len(DEPARTMENTS)), "", dtype=object)
        for county, codes in self.county_bureaus.items():
            table[county, :] = codes
        return table.astype(str)


def _short_name(region_name: str) -> str:
    for suffix in (" Sheng", " Shi", " Zizhiqu"):
        if region_name.endswith(suffix):
            return region_name[: -len(suffix)]
    return region_name


def organisations(
    places: RegionPlaces, tree: AreaTree, scope: npt.NDArray[np.int64]
) -> Organisations:
    """Provincial departments, the bureaus of every county in ``scope``, sponsors and NGOs."""
    root = tree.root_code
    region = _short_name(places.name)
    rows: list[tuple[str, str, str, str | None]] = []
    provincial = []
    for key, title in DEPARTMENTS:
        code = f"{root}-P-{key}"
        provincial.append(code)
        rows.append((code, f"{region} Provincial Department of {title}", "department", root))
    bureaus: dict[int, tuple[str, ...]] = {}
    for county in np.unique(tree.county[scope]).tolist():
        seat_name = places.names[tree.county_seat[county]]
        codes = []
        for key, title in DEPARTMENTS:
            code = f"{tree.county_code[county]}-{key}"
            codes.append(code)
            rows.append(
                (code, f"{seat_name} County {title} Bureau", "department", tree.county_code[county])
            )
        bureaus[int(county)] = tuple(codes)
    independent = []
    for key, name, kind in SPONSORS:
        code = f"{root}-{key}"
        independent.append(code)
        rows.append((code, name, kind, root if kind != "other" else None))
    frame = pl.DataFrame(
        rows,
        schema={"code": pl.String, "name": pl.String, "kind": pl.String, "area_code": pl.String},
        orient="row",
    )
    return Organisations(frame, tuple(provincial), bureaus, tuple(independent))
