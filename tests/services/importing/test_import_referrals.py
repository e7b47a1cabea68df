"""Importing referrals: a file imported twice adds nothing, an export imported back is no
change, a status moves on as `referral status` moves it, a new referral needs consent, and
one bad row writes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.services import exporting, referrals
from doorstep.services.importing import ImportRejected, import_file
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import, snapshot
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

TODAY = dt.date(2027, 3, 1)
HEADER = [
    "household_id",
    "organisation_code",
    "service",
    "made_on",
    "visitor_id",
    "status",
    "status_on",
]


@pytest.fixture
def people(with_areas: Engine, tmp_path: Path) -> Engine:
    """Organisation JOBS; H1 (consent given), H2 (pending); visitors V1, V2."""
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Jobs", "ngo"]])
    run_import(with_areas, "organisations", orgs)
    hh = [
        household(household_id="H1"),
        household(household_id="H2", consent="pending", consent_date=""),
    ]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V2")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    return with_areas


def _import(engine: Engine, path: Path) -> Any:
    with unit_of_work(engine) as s:
        return import_file(s, "referrals", path, actor="test", today=TODAY)


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, r.service, r.made_on, v.external_id, r.status, "
                "r.status_on FROM referrals r JOIN households h ON h.id = r.household_id "
                "LEFT JOIN visitors v ON v.id = r.visitor_id ORDER BY r.id"
            )
        ).all()
    return [(h, s, str(m)[:10], v, st, str(on)[:10]) for h, s, m, v, st, on in rows]


def _row(**cells: Any) -> dict[str, Any]:
    row = {
        "household_id": "H1",
        "organisation_code": "JOBS",
        "service": "employment",
        "made_on": "2027-01-10",
        "visitor_id": "V1",
    }
    return row | cells


def test_a_file_imported_twice_adds_nothing_and_moves_a_status_on(
    people: Engine, tmp_path: Path
) -> None:
    rows = [
        _row(),
        _row(service="health", made_on="2027-01-12", status="accepted", status_on="2027-01-20"),
    ]
    mark = last_event_id(people)
    done = _import(people, write_csv(tmp_path / "r.csv", HEADER, rows))
    assert (done.created, done.updated, done.unchanged) == (2, 0, 0)
    assert _stored(people) == [
        ("H1", "employment", "2027-01-10", "V1", "open", "2027-01-10"),
        ("H1", "health", "2027-01-12", "V1", "accepted", "2027-01-20"),
    ]
    events = [(a, e, i) for a, e, i, d in trail(people, mark)]
    assert events == [
        ("import", "referrals", None),
        ("create", "household", "H1"),
        ("create", "household", "H1"),
        ("create", "visitor", "V1"),
        ("create", "visitor", "V1"),
    ]
    again = _import(people, tmp_path / "r.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    moved = [
        _row(status="completed", status_on="2027-02-01"),
        _row(service="health", made_on="2027-01-12", status=""),
    ]
    done = _import(people, write_csv(tmp_path / "m.csv", HEADER, moved))
    assert (done.created, done.updated, done.unchanged) == (0, 1, 1)
    assert _stored(people)[0][4:] == ("completed", "2027-02-01")
    # the service reads the same record: completed is final
    with unit_of_work(people) as s:
        [first, _] = referrals.list_referrals(s, actor="test", today=TODAY)
    assert first.status == "completed"


def test_an_export_imported_back_changes_nothing(people: Engine, tmp_path: Path) -> None:
    _import(people, write_csv(tmp_path / "r.csv", HEADER, [_row(), _row(made_on="2027-01-11")]))
    out = tmp_path / "export.csv"
    with unit_of_work(people) as s:
        pending = exporting.export_entity(s, "referrals", out, actor="test")
    pending.write()
    before = snapshot(people)
    done = _import(people, out)
    assert (done.created, done.updated, done.unchanged) == (0, 0, 2)
    assert _stored(people) == [
        ("H1", "employment", "2027-01-10", "V1", "open", "2027-01-10"),
        ("H1", "employment", "2027-01-11", "V1", "open", "2027-01-11"),
    ]
    assert snapshot(people)["referrals"] == before["referrals"]


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        (_row(household_id="H2"), "household_id", "consent is not given"),
        (_row(household_id="H9"), "household_id", "unknown household"),
        (_row(visitor_id="V9"), "visitor_id", "unknown visitor"),
        (_row(made_on="2027-03-02"), "made_on", "is after today (2027-03-01)"),
        (_row(status="accepted"), "status_on", "is empty: give the day"),
        (_row(status="accepted", status_on="2027-01-01"), "status_on", "before the referral"),
        (_row(status_on="2027-01-11"), "status_on", "an open referral's day"),
        (_row(referral=99), "referral", "is not the number of a referral"),
        (_row(organisation_code="NOPE"), "organisation_code", "unknown organisation"),
        (_row(service="advice"), "service", "employment"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(
    people: Engine, tmp_path: Path, row: dict[str, Any], column: str, words: str
) -> None:
    before = snapshot(people)
    header = [*HEADER, "referral"]
    path = write_csv(tmp_path / "r.csv", header, [_row(made_on="2027-01-05"), row])
    with pytest.raises(ImportRejected) as caught:
        _import(people, path)
    [error] = caught.value.errors
    assert (error.row, error.column) == (3, column)
    assert words in error.reason
    assert snapshot(people) == before


@pytest.mark.parametrize(
    ("moved", "column", "words"),
    [
        (_row(status="open"), "status", "is completed for good: it cannot become open"),
        (_row(status="declined", status_on="2027-02-02"), "status", "for good"),
        (_row(status="completed", status_on="2027-02-03"), "status_on", "has been completed"),
        (_row(visitor_id="V2"), "visitor_id", "is not the visitor who made this referral"),
    ],
)
def test_a_stored_referral_s_status_moves_on_never_back(
    people: Engine, tmp_path: Path, moved: dict[str, Any], column: str, words: str
) -> None:
    done = [_row(status="completed", status_on="2027-02-01")]
    _import(people, write_csv(tmp_path / "r.csv", HEADER, done))
    before = snapshot(people)
    with pytest.raises(ImportRejected) as caught:
        _import(people, write_csv(tmp_path / "m.csv", HEADER, [moved]))
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, column)
    assert words in error.reason
    assert snapshot(people) == before


def test_a_status_day_is_not_before_the_stored_one(people: Engine, tmp_path: Path) -> None:
    _import(
        people,
        write_csv(tmp_path / "r.csv", HEADER, [_row(status="accepted", status_on="2027-02-01")]),
    )
    with pytest.raises(ImportRejected) as caught:
        _import(
            people,
            write_csv(
                tmp_path / "m.csv", HEADER, [_row(status="completed", status_on="2027-01-20")]
            ),
        )
    [error] = caught.value.errors
    assert (error.column, error.reason) == (
        "status_on",
        "is before the day it became accepted (2027-02-01)",
    )


def test_two_stored_referrals_of_one_day_need_their_number(people: Engine, tmp_path: Path) -> None:
    with unit_of_work(people) as s:
        for _ in range(2):
            referrals.add_referral(
                s,
                "H1",
                organisation="JOBS",
                service="employment",
                made_on=dt.date(2027, 1, 10),
                visitor="V1",
                actor="test",
                today=TODAY,
            )
    with pytest.raises(ImportRejected) as caught:
        _import(
            people,
            write_csv(
                tmp_path / "r.csv", HEADER, [_row(status="accepted", status_on="2027-01-11")]
            ),
        )
    [error] = caught.value.errors
    assert error.column == "referral" and "give the number of the one meant" in error.reason
    with people.connect() as conn:
        second = conn.execute(text("SELECT MAX(id) FROM referrals")).scalar_one()
    header = [*HEADER, "referral"]
    row = _row(status="accepted", status_on="2027-01-11", referral=second)
    assert _import(people, write_csv(tmp_path / "n.csv", header, [row])).updated == 1
    assert [r[4] for r in _stored(people)] == ["open", "accepted"]
