"""`GET /api/v1/outcomes`: the households' outcomes as `doorstep outcomes` gives them,
within the account's area, read as one audited event naming no one."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.services import outcomes
from doorstep.storage.session import unit_of_work
from tests.api.conftest import Headers
from tests.factories.audit import events_about
from tests.factories.outcomes import indicators_programme

FIELDS = (
    "code",
    "year",
    "households",
    "reported",
    "with_income",
    "below_line",
    "work_reported",
    "in_work",
    "with_services",
)


def _rows(figures: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [tuple(f[k] for k in FIELDS) for f in figures]


def test_the_outcomes_are_the_command_line_s_within_the_account_s_area(
    client: TestClient, programme: Engine, auth: Headers, tmp_path: Path
) -> None:
    indicators_programme(programme, tmp_path)
    asked = {"area": "R", "level": "village", "year": 2025, "poverty_line": 4000}
    got = client.get("/api/v1/outcomes", params=asked, headers=auth("boss"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["year"] == 2025 and body["area"]["code"] == "R"
    with unit_of_work(programme) as session:
        same = outcomes.household_outcomes(
            session, actor="test", area="R", level="village", year=2025, poverty_line=4000
        )
    assert _rows(body["by_area"]) == [
        tuple(dataclasses.asdict(f)[k] for k in FIELDS) for f in same.by_area
    ]
    assert _rows(body["by_year"]) == [
        tuple(dataclasses.asdict(f)[k] for k in FIELDS) for f in same.by_year
    ]
    whole = body["by_area"][-1]
    assert whole["total"] and whole["below_line_share"] == same.by_area[-1].below_line_share
    # Counted by hand (tests/factories/outcomes.py): H3 and H4 of R-C-V2 in 2025.
    assert ("R-C-V2", 2025, 2, 2, 1, 1, 1, 1, 1) in _rows(body["by_area"])
    assert events_about(programme, "report")[0] == (
        "read",
        None,
        {
            "outcomes": True,
            "area": "R",
            "level": "village",
            "year": 2025,
            "poverty_line": 4000.0,
            "areas": 2,
        },
    )
    # A coordinator's figures are its own area's; another area is refused before any read.
    own = client.get("/api/v1/outcomes", headers=auth("v2-coord")).json()
    assert own["area"]["code"] == "R-C-V2"
    assert (
        client.get("/api/v1/outcomes", params={"area": "R"}, headers=auth("v2-coord")).status_code
        == 403
    )
    assert client.get("/api/v1/outcomes", headers=auth("v1")).status_code == 403


def test_a_poverty_line_or_a_year_out_of_bounds_is_refused_naming_it(
    client: TestClient, auth: Headers
) -> None:
    for params, field in (
        ({"poverty_line": 0}, "poverty_line"),
        # Times a household's members, past 1.8e308: PostgreSQL's overflow, once a 500.
        ({"poverty_line": 1.2e308}, "poverty_line"),
        ({"poverty_line": 1e12 + 1}, "poverty_line"),
        ({"year": 1800}, "year"),
    ):
        refused = client.get("/api/v1/outcomes", params=params, headers=auth("boss"))
        assert refused.status_code == 422
        assert f"query.{field}" in refused.json()["detail"]
