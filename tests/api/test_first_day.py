"""A day typed with a digit missing (0148-05-03) is refused by every route that writes a day a
person gives, with the field, the day and the earliest day a record may hold; nothing is
written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import Headers
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

EARLY = "0148-05-03"
CAMP = {"code": "CAMP", "kind": "summer_camp", "title": "Camp", "area": "R-C-V1"}
WELL = {"code": "WELL", "title": "Well", "sponsor": "S1", "area": "R-C-V1", "status": "planned"}
REFERRAL = {"household": "H0", "organisation": "S1", "service": "employment"}

#: Each route, what it is sent, the field its refusal names, and the table nothing is added to.
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("/api/v1/activities", CAMP | {"starts_on": EARLY}, "the first day", "activities"),
    (
        "/api/v1/activities",
        CAMP | {"starts_on": "2027-02-01", "ends_on": EARLY},
        "the last day",
        "activities",
    ),
    ("/api/v1/projects", WELL | {"starts_on": EARLY}, "the first day", "projects"),
    (
        "/api/v1/projects",
        WELL | {"starts_on": "2027-02-01", "ends_on": EARLY},
        "the last day",
        "projects",
    ),
    ("/api/v1/referrals", REFERRAL | {"made_on": EARLY}, "the referral's day", "referrals"),
    (
        "/api/v1/referrals/{referral}/status",
        {"status": "accepted", "on": EARLY},
        "the status's day",
        "referrals",
    ),
    (
        "/api/v1/households/H0/consent",
        {"state": "withdrawn", "evidence": "a letter", "on": EARLY},
        "the act's day",
        "consent_records",
    ),
    (
        "/api/v1/visits",
        {"household": "H0", "visitor": "V1", "start": EARLY},
        "its first day",
        "visits",
    ),
]


@pytest.fixture
def sponsor(programme: Engine, tmp_path: Path) -> Engine:
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["S1", "Trust", "sponsor"]])
    run_import(programme, "organisations", orgs)
    return programme


def _rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table}"))]


@pytest.mark.parametrize(("path", "body", "field", "table"), CASES)
def test_a_day_before_the_first_a_record_may_hold_is_refused_naming_field_and_day(
    client: TestClient,
    sponsor: Engine,
    auth: Headers,
    path: str,
    body: dict[str, Any],
    field: str,
    table: str,
) -> None:
    if "{referral}" in path:
        made = client.post("/api/v1/referrals", json=REFERRAL, headers=auth("boss"))
        assert made.status_code == 201, made.text
        path = path.format(referral=made.json()["id"])
    before = _rows(sponsor, table)
    r = client.post(path, json=body, headers=auth("boss"))
    assert r.status_code == 422, r.text
    assert (
        f"{field}, {EARLY}, is before 1900-01-01, the earliest day a record may hold: check its "
        "year"
    ) in r.json()["detail"]
    assert _rows(sponsor, table) == before


def test_an_imported_file_with_a_day_before_the_first_is_refused_by_row_and_column(
    client: TestClient, programme: Engine, auth: Headers, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H9", consent_date=EARLY)]
    )
    before = _rows(programme, "households")
    with path.open("rb") as fh:
        got = client.post(
            "/api/v1/imports/households", files={"file": (path.name, fh)}, headers=auth("boss")
        )
    assert got.status_code == 422, got.text
    [error] = got.json()["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "consent_date", EARLY)
    assert error["reason"] == (
        "before 1900-01-01, the earliest day a record may hold: check the year"
    )
    assert _rows(programme, "households") == before
