"""Referrals: made only with a household's consent, moved on one way, listed for follow-up
within an area, audited, in the household's export and gone with its erasure, kept (naming
no one) by the erasure of the visitor who made them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.services import household_rights, referrals, visitor_rights
from doorstep.storage.session import unit_of_work
from tests.factories.audit import events_about, last_event_id, trail
from tests.factories.db import run_import, snapshot
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)

TODAY = dt.date(2027, 3, 1)


@pytest.fixture
def people(with_areas: Engine, tmp_path: Path) -> Engine:
    """Organisation JOBS; H1 (consent given) in R-C-V1, H2 (pending) in R-C-V1, H3 (given)
    in R-C-V2; visitor V1."""
    orgs = write_csv(
        tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Job centre", "department"]]
    )
    run_import(with_areas, "organisations", orgs)
    hh = [
        household(household_id="H1"),
        household(household_id="H2", consent="pending", consent_date=""),
        household(household_id="H3", area_code="R-C-V2"),
    ]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    vv = [visitor(visitor_id="V1")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    return with_areas


def _add(engine: Engine, hh: str, on: dt.date = TODAY, by: str | None = "V1") -> int:
    with unit_of_work(engine) as s:
        made = referrals.add_referral(
            s,
            hh,
            organisation="JOBS",
            service="employment",
            made_on=on,
            visitor=by,
            actor="test",
            today=TODAY,
        )
        return made.id


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM referrals")).scalar_one())


def _list(engine: Engine, **kw: object) -> list[referrals.ReferralRow]:
    with unit_of_work(engine) as s:
        return referrals.list_referrals(s, actor="test", today=TODAY, **kw)  # type: ignore[arg-type]


def test_a_referral_is_made_audited_and_moved_on_one_way(people: Engine) -> None:
    number = _add(people, "H1", on=TODAY - dt.timedelta(days=3))
    detail = {
        "table": "referrals",
        "referral": number,
        "organisation": "JOBS",
        "service": "employment",
        "made_on": "2027-02-26",
    }
    assert ("create", "H1", detail) in events_about(people, "household")
    assert ("create", "V1", {**detail, "household": "H1"}) in events_about(people, "visitor")
    with unit_of_work(people) as s:
        with pytest.raises(InvalidInput, match="cannot be before that"):
            referrals.move_status(
                s, number, "accepted", on=TODAY - dt.timedelta(days=4), actor="t", today=TODAY
            )
        assert referrals.move_status(s, number, "accepted", on=TODAY, actor="t", today=TODAY) == (
            "open"
        )
    with unit_of_work(people) as s:
        with pytest.raises(InvalidInput, match="must be one of"):
            referrals.move_status(s, number, "open", on=TODAY, actor="t", today=TODAY)
        with pytest.raises(InvalidInput, match="after today"):
            referrals.move_status(
                s, number, "completed", on=TODAY + dt.timedelta(days=1), actor="t", today=TODAY
            )
        referrals.move_status(s, number, "completed", on=TODAY, actor="t", today=TODAY)
    with unit_of_work(people) as s, pytest.raises(Conflict, match="completed for good"):
        referrals.move_status(s, number, "declined", on=TODAY, actor="t", today=TODAY)
    with unit_of_work(people) as s, pytest.raises(NotFound, match="no referral number 99"):
        referrals.move_status(s, 99, "declined", on=TODAY, actor="t", today=TODAY)
    [row] = _list(people)
    assert (row.status, row.status_on, row.visitor) == ("completed", TODAY, "V1")
    moves = [d for a, i, d in events_about(people, "household") if a == "update" and i == "H1"]
    assert [(d["was"], d["status"]) for d in moves] == [
        ("open", "accepted"),
        ("accepted", "completed"),
    ]


def test_a_household_without_consent_is_not_referred_and_nothing_is_written(
    people: Engine,
) -> None:
    with pytest.raises(InvalidInput, match="consent is pending, not given"):
        _add(people, "H2")
    with pytest.raises(NotFound, match="no household with id 'H9'"):
        _add(people, "H9")
    with unit_of_work(people) as s, pytest.raises(NotFound, match="no organisation"):
        referrals.add_referral(
            s,
            "H1",
            organisation="NOPE",
            service="health",
            made_on=TODAY,
            visitor=None,
            actor="t",
            today=TODAY,
        )
    with unit_of_work(people) as s, pytest.raises(InvalidInput, match="service must be one of"):
        referrals.add_referral(
            s,
            "H1",
            organisation="JOBS",
            service="jobs",
            made_on=TODAY,
            visitor=None,
            actor="t",
            today=TODAY,
        )
    with pytest.raises(InvalidInput, match="after today"):
        _add(people, "H1", on=TODAY + dt.timedelta(days=1))
    assert _count(people) == 0


def test_the_list_keeps_an_area_and_marks_those_open_too_long(people: Engine) -> None:
    old = _add(people, "H1", on=TODAY - dt.timedelta(days=45))
    recent = _add(people, "H1", on=TODAY - dt.timedelta(days=5), by=None)
    other = _add(people, "H3", on=TODAY - dt.timedelta(days=60))
    with unit_of_work(people) as s:
        referrals.move_status(s, other, "declined", on=TODAY, actor="t", today=TODAY)
    village = _list(people, area="R-C-V1")
    assert [(r.id, r.days, r.follow_up, r.visitor) for r in village] == [
        (old, 45, True, "V1"),
        (recent, 5, False, None),
    ]
    assert [r.id for r in _list(people, area="R")] == [other, old, recent]
    assert [r.id for r in _list(people, follow_up_only=True)] == [old]
    assert [r.id for r in _list(people, follow_up_only=True, follow_up_days=5)] == [old, recent]
    assert [r.id for r in _list(people, status="declined")] == [other]
    assert [r.id for r in _list(people, household="H3")] == [other]
    assert referrals.counts(_list(people))["follow_up"] == 1
    # Each household a list showed is read under its id; one it did not show is not.
    reads = [i for a, i, d in events_about(people, "household") if a == "read"]
    assert reads.count("H3") == 4 and "H2" not in reads


def test_the_household_s_export_holds_its_referrals_and_its_erasure_removes_them(
    people: Engine,
) -> None:
    number = _add(people, "H1")
    with unit_of_work(people) as s:
        held = household_rights.export_household(s, "H1", actor="t")
    [row] = held["records"]["referrals"]
    assert (row["id"], row["service"], row["status"]) == (number, "employment", "open")
    with unit_of_work(people) as s:
        household_rights.erase_household(s, "H1", actor="t", today=TODAY)
    assert _count(people) == 0


def test_the_visitor_s_erasure_keeps_the_household_s_referral_naming_no_one(
    people: Engine,
) -> None:
    number = _add(people, "H1")
    with unit_of_work(people) as s:
        held = visitor_rights.export_visitor(s, "V1", actor="t")
    assert [r["id"] for r in held["records"]["referrals"]] == [number]
    with unit_of_work(people) as s:
        visitor_rights.erase_visitor(s, "V1", actor="t", today=TODAY)
    [row] = _list(people)
    assert (row.id, row.visitor) == (number, None)


REFERRAL_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def _sent(engine: Engine, **kw: object) -> tuple[int, bool]:
    """Refer H1 to JOBS for employment under ``REFERRAL_ID``, as a front door does: the
    referral's number, and whether it was made already."""
    sent: dict[str, Any] = {
        "household": "H1",
        "organisation": "JOBS",
        "service": "employment",
        "made_on": TODAY,
        "visitor": "V1",
    } | kw
    with unit_of_work(engine) as s:
        found = referrals.sent_again(s, REFERRAL_ID, actor="test", **sent)
        if found is not None:
            return found.id, True
        household = sent.pop("household")
        sent["made_on"] = sent["made_on"] or TODAY
        made = referrals.add_referral(
            s, household, actor="test", today=TODAY, client_id=REFERRAL_ID, **sent
        )
        return made.id, False


def test_a_referral_sent_again_under_its_id_is_found_and_made_once(people: Engine) -> None:
    number, already = _sent(people)
    assert not already
    mark = last_event_id(people)
    assert _sent(people) == (number, True)
    # The day left to the server's today on the way back: the same referral still.
    assert _sent(people, made_on=None) == (number, True)
    assert _count(people) == 1
    read = (
        "read",
        "household",
        "H1",
        {"table": "referrals", "referral": number, "client_id": REFERRAL_ID, "sent_again": True},
    )
    assert trail(people, mark) == [read, read]


@pytest.mark.parametrize(
    "other",
    [
        {"household": "H3"},
        {"service": "health"},
        {"visitor": None},
        {"made_on": TODAY - dt.timedelta(days=1)},
    ],
)
def test_another_referral_under_an_id_already_used_is_refused(
    people: Engine, other: dict[str, object]
) -> None:
    _sent(people)
    before = snapshot(people)
    with pytest.raises(Conflict, match="a new referral needs a new id"):
        _sent(people, **other)
    assert snapshot(people) == before
