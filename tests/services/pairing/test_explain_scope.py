"""A pairing's explanation for an area's account names only the visitors of its area: a
nearby visitor living elsewhere (or working anywhere) is shown by distance and reason alone,
a note of why the proposal is stale counts such visitors instead of naming them, and the
trail records a read of each visitor shown, of no other. A manager of the whole programme,
and the operator at the command line, see them all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.services import pairing
from doorstep.services.pairing.explanations import AlternativeShown, HouseholdExplanation
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id
from tests.services.pairing import scoped
from tests.services.pairing.scoped import BOSS, LATER, coordinator, visitor_reads
from tests.services.pairing.tree import TODAY, propose


@pytest.fixture
def nearby(engine: Engine, tmp_path: Path) -> Engine:
    """:func:`tests.services.pairing.scoped.nearby`."""
    return scoped.nearby(engine, tmp_path)


def _explained(
    engine: Engine, who: Principal, today: dt.date, household: str = "H1"
) -> HouseholdExplanation:
    with unit_of_work(engine) as s:
        sees = access.seer(s.connection(), who)
        return pairing.explain_household(
            s, household, actor=who.actor, today=today, limit=None, sees=sees
        )


def _rows(out: HouseholdExplanation) -> list[tuple[str | None, str]]:
    return [(a.visitor, a.why) for a in out.alternatives]


def test_a_village_s_coordinator_sees_its_visitors_and_others_by_distance_and_reason_alone(
    nearby: Engine,
) -> None:
    # The region's proposal: a village's coordinator explains its household by it too.
    view = propose(nearby, "R")
    who = coordinator(nearby, "A1")
    before = last_event_id(nearby)
    out = _explained(nearby, who, TODAY)
    assert out.explanation.visitor_id == "VNEAR"
    # VB of village B1; VANY of no area (the whole programme's); VA2 of village A2, in
    # county A: not the village's either; VDE of B1, taken by H2; VGONE of B1, leaving.
    assert _rows(out) == [
        (None, "full"),
        (None, "no_shared_language"),
        (None, "farther"),
        (None, "no_shared_language"),
        (None, "full"),
    ]
    withheld = out.alternatives[0]
    assert withheld == AlternativeShown(withheld.distance_m, "full")
    assert withheld.withheld and 0 < withheld.distance_m < 110
    # The engine's explanation keeps none of them either: nothing left to leak.
    assert out.explanation.alternatives == ()
    detail = {"pairing_explanation": view.id}
    assert visitor_reads(nearby, before) == [("VNEAR", detail)]
    # The household's own visitor is its data: named (as its file names it) and read,
    # wherever the visitor lives.
    after = last_event_id(nearby)
    h2 = _explained(nearby, who, TODAY, "H2")
    assert (h2.explanation.visitor_id, h2.explanation.distance_m) == ("VDE", 334)
    assert ("VDE", detail) in visitor_reads(nearby, after)


def test_a_county_s_coordinator_sees_the_visitors_of_its_villages_by_id(nearby: Engine) -> None:
    view = propose(nearby, "R")
    before = last_event_id(nearby)
    out = _explained(nearby, coordinator(nearby, "A"), TODAY)
    assert _rows(out) == [
        (None, "full"),
        (None, "no_shared_language"),
        ("VA2", "farther"),
        (None, "no_shared_language"),
        (None, "full"),
    ]
    va2 = out.alternatives[2]
    assert (va2.caseload, va2.capacity, va2.places_left) == (0, 2, 2)
    assert [a.visitor_id for a in out.explanation.alternatives] == ["VA2"]
    detail = {"pairing_explanation": view.id}
    assert visitor_reads(nearby, before) == [("VA2", detail), ("VNEAR", detail)]


def test_a_manager_of_the_whole_programme_sees_every_visitor_as_the_command_line_does(
    nearby: Engine,
) -> None:
    view = propose(nearby, "R")
    before = last_event_id(nearby)
    out = _explained(nearby, BOSS, TODAY)
    everyone = [("VB", "full"), ("VANY", "no_shared_language"), ("VA2", "farther")]
    assert _rows(out) == [*everyone, ("VDE", "no_shared_language"), ("VGONE", "full")]
    detail = {"pairing_explanation": view.id}
    shown = ["VA2", "VANY", "VB", "VDE", "VGONE", "VNEAR"]
    assert visitor_reads(nearby, before) == [(v, detail) for v in shown]
    with unit_of_work(nearby) as s:
        operator = pairing.explain_household(s, "H1", actor="carol", today=TODAY, limit=None)
    assert operator.alternatives == out.alternatives


def test_a_stale_note_naming_a_visitor_of_another_area_counts_them_for_acoordinator(
    nearby: Engine,
) -> None:
    view = propose(nearby, "A1")
    before = last_event_id(nearby)
    out = _explained(nearby, coordinator(nearby, "A1"), LATER)
    assert out.stale is True
    assert out.stale_reason is not None and out.stale_says is not None
    assert "VGONE" not in out.stale_reason and "VGONE" not in str(out.stale_says)
    assert f"whether 1 visitor is active changed by {LATER}" in out.stale_reason
    detail = {"pairing_explanation": view.id}
    assert visitor_reads(nearby, before) == [("VNEAR", detail)]
    # The manager is shown the visitor's id and its active days, and the read is recorded.
    after = last_event_id(nearby)
    named = _explained(nearby, BOSS, LATER)
    assert named.stale_reason is not None
    assert f"on {LATER} visitor VGONE is not active" in named.stale_reason
    assert ("VGONE", detail) in visitor_reads(nearby, after)


def test_access_tells_which_visitors_an_account_sees(nearby: Engine) -> None:
    who = coordinator(nearby, "A1")
    asked = ["VNEAR", "VB", "VANY", "VA2", "NOBODY"]
    with nearby.connect() as conn:
        assert access.visitors_seen(conn, BOSS, asked) == set(asked)
        assert access.visitors_seen(conn, who, asked) == {"VNEAR"}
        assert access.visitors_seen(conn, coordinator(nearby, "A"), asked) == {"VNEAR", "VA2"}
