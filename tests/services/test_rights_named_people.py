"""A person's own export names other people: a household's names its visitors (id and
name), a visitor's the households of their rows (by id). Each of them gets an event of
their own, so that their export lists the copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services import household_rights, visitor_rights
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv


@pytest.fixture
def known(with_areas: Engine, tmp_path: Path) -> Engine:
    """H1 paired with V1 and kept apart from V2; V3 has nothing to do with it; H2 has
    no visitor at all."""
    vv = [visitor(visitor_id=v) for v in ("V1", "V2", "V3")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    hh = [household(household_id="H1"), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on) "
                "SELECT v.id, h.id, '2026-01-01' FROM visitors v, households h "
                "WHERE v.external_id = 'V1' AND h.external_id = 'H1'"
            )
        )
        conn.execute(
            text(
                "INSERT INTO exclusions (visitor_id, household_id, reason) "
                "SELECT v.id, h.id, 'family' FROM visitors v, households h "
                "WHERE v.external_id = 'V2' AND h.external_id = 'H1'"
            )
        )
    return with_areas


def test_a_household_export_is_recorded_under_each_visitor_it_names(known: Engine) -> None:
    before = last_event_id(known)
    with unit_of_work(known) as s:
        out = household_rights.export_household(s, "H1", actor="officer")
    named = sorted(v["external_id"] for v in out["records"]["visitors"])
    assert named == ["V1", "V2"]  # its visitor, and the one it is kept apart from
    events = trail(known, before)
    assert events[0][:3] == ("subject_export", "household", "H1")
    # Then one event under each visitor it names (not V3), saying a household's export
    # copied them, not which household.
    detail = {"subject_export": "household"}
    assert sorted(events[1:]) == [
        ("export", "visitor", "V1", detail),
        ("export", "visitor", "V2", detail),
    ]
    with unit_of_work(known) as s:
        theirs = visitor_rights.export_visitor(s, "V2", actor="officer")["records"]
    assert ("export", detail) in [(e["action"], e["detail"]) for e in theirs["audit_events"]]


def test_a_household_export_naming_no_visitor_records_only_its_own_event(known: Engine) -> None:
    before = last_event_id(known)
    with unit_of_work(known) as s:
        out = household_rights.export_household(s, "H2", actor="officer")
    assert "visitors" not in out["records"]
    assert [e[:3] for e in trail(known, before)] == [("subject_export", "household", "H2")]


def test_a_visitor_export_is_recorded_under_each_household_it_names(known: Engine) -> None:
    before = last_event_id(known)
    with unit_of_work(known) as s:
        out = visitor_rights.export_visitor(s, "V2", actor="officer")
    assert [h["external_id"] for h in out["records"]["households"]] == ["H1"]  # kept apart
    detail = {"subject_export": "visitor"}
    events = trail(known, before)
    assert [e[:3] for e in events] == [
        ("subject_export", "visitor", "V2"),
        ("export", "household", "H1"),
    ]
    assert events[1][3] == detail
    with unit_of_work(known) as s:
        theirs = household_rights.export_household(s, "H1", actor="officer")["records"]
    assert ("export", detail) in [(e["action"], e["detail"]) for e in theirs["audit_events"]]


def test_a_visitor_export_naming_no_household_records_only_its_own_event(
    known: Engine,
) -> None:
    before = last_event_id(known)
    with unit_of_work(known) as s:
        out = visitor_rights.export_visitor(s, "V3", actor="officer")
    assert "households" not in out["records"]
    assert [e[:3] for e in trail(known, before)] == [("subject_export", "visitor", "V3")]


def test_a_household_export_records_nothing_under_an_erased_visitor_it_names(
    known: Engine,
) -> None:
    # V3 looked after H2 until last year, and was erased since: H2 keeps the id alone.
    with known.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on, ended_on) "
                "SELECT v.id, h.id, '2025-01-01', '2025-12-31' FROM visitors v, households h "
                "WHERE v.external_id = 'V3' AND h.external_id = 'H2'"
            )
        )
    with unit_of_work(known) as s:
        visitor_rights.erase_visitor(s, "V3", actor="manager")
    before = last_event_id(known)
    with unit_of_work(known) as s:
        out = household_rights.export_household(s, "H2", actor="officer")
    assert out["records"]["visitors"][0]["external_id"] == "V3"
    assert [e[:3] for e in trail(known, before)] == [("subject_export", "household", "H2")]
