"""One household's consent act, recorded without its whole row, on both databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.services.household_consent import ConsentRecorded, record_consent
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import area_tree, snapshot
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import first_planned, plan_three

WITHDRAWN = dt.date(2027, 2, 1)


@pytest.fixture
def programme(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


def _planned(engine: Engine, household: str) -> list[tuple[dt.date, dt.date]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT planned_start, planned_end FROM visits vi JOIN households h "
                "ON h.id = vi.household_id WHERE h.external_id = :h AND vi.status = 'planned' "
                "ORDER BY planned_start"
            ),
            {"h": household},
        ).all()
    return [
        (dt.date.fromisoformat(str(a)[:10]), dt.date.fromisoformat(str(z)[:10])) for a, z in rows
    ]


def test_a_withdrawal_takes_the_planned_visits_off_from_its_day_and_keeps_the_history(
    programme: Engine,
) -> None:
    before = _planned(programme, "H0")
    assert any(a >= WITHDRAWN for a, _ in before)
    with unit_of_work(programme) as s:
        done = record_consent(
            s,
            "H0",
            "withdrawn",
            actor="officer",
            evidence="told V1 at the door",
            on=WITHDRAWN,
            today=WITHDRAWN,
        )
    assert (done.state, done.since, done.was) == ("withdrawn", WITHDRAWN, "given")
    assert done.notes and "no longer consents" in done.notes[0]
    after = _planned(programme, "H0")
    assert after == [
        (a, min(z, WITHDRAWN - dt.timedelta(days=1))) for a, z in before if a < WITHDRAWN
    ]
    # The other households keep their visits.
    assert _planned(programme, "H1")
    with programme.connect() as conn:
        state = conn.execute(
            text(
                "SELECT consent_state, consent_since, consent_recorded_by, consent_evidence "
                "FROM households WHERE external_id = 'H0'"
            )
        ).one()
        history = (
            conn.execute(
                text(
                    "SELECT c.action FROM consent_records c JOIN households h "
                    "ON h.id = c.household_id WHERE h.external_id = 'H0' ORDER BY c.id"
                )
            )
            .scalars()
            .all()
        )
        events = conn.execute(
            text(
                "SELECT entity, action FROM audit_events WHERE actor = 'officer' "
                "AND entity_id = 'H0' ORDER BY id"
            )
        ).all()
    assert (state[0], str(state[1])[:10], state[2], state[3]) == (
        "withdrawn",
        str(WITHDRAWN),
        "officer",
        "told V1 at the door",
    )
    assert list(history)[-1] == "given"
    assert events[0] == ("consent", "update")
    assert len(events) == 1 + len([v for v in before if v[0] >= WITHDRAWN or v[1] >= WITHDRAWN])


def test_consent_given_again_after_a_withdrawal_is_a_second_act_in_the_history(
    programme: Engine,
) -> None:
    with unit_of_work(programme) as s:
        record_consent(
            s, "H1", "withdrawn", actor="t", evidence="call", on=WITHDRAWN, today=WITHDRAWN
        )
        back = record_consent(
            s,
            "H1",
            "given",
            actor="t",
            evidence="signed form",
            today=WITHDRAWN + dt.timedelta(days=3),
        )
    assert (back.was, back.was_since) == ("withdrawn", WITHDRAWN)
    with programme.connect() as conn:
        history = (
            conn.execute(
                text(
                    "SELECT c.action FROM consent_records c JOIN households h "
                    "ON h.id = c.household_id WHERE h.external_id = 'H1' ORDER BY c.id"
                )
            )
            .scalars()
            .all()
        )
    assert list(history)[-2:] == ["given", "withdrawn"]


@pytest.mark.parametrize(
    ("household", "state", "evidence", "on", "error", "words"),
    [
        ("H0", "given", "form", None, Conflict, "given already"),
        ("H0", "maybe", "form", None, InvalidInput, "unknown consent 'maybe'"),
        ("H0", "withdrawn", "  ", None, InvalidInput, "what the act rests on"),
        ("H0", "withdrawn", "x", WITHDRAWN + dt.timedelta(days=1), InvalidInput, "after today"),
        ("H0", "withdrawn", "x", dt.date(2000, 1, 1), InvalidInput, "before the act in force"),
        ("H9", "withdrawn", "x", None, NotFound, "no household with id 'H9'"),
    ],
)
def test_an_act_that_cannot_be_recorded_changes_nothing(
    programme: Engine,
    household: str,
    state: str,
    evidence: str,
    on: dt.date | None,
    error: type[Exception],
    words: str,
) -> None:
    before = snapshot(programme)
    with pytest.raises(error, match=words), unit_of_work(programme) as s:
        record_consent(s, household, state, actor="t", evidence=evidence, on=on, today=WITHDRAWN)
    assert snapshot(programme) == before


ACT_ID = "5d1c7f2e-3b4a-4f6e-8a9b-0c1d2e3f4a5b"


def _but_the_trail(snap: dict[str, Any]) -> dict[str, Any]:
    return {table: rows for table, rows in snap.items() if table != "audit_events"}


def _withdraw(engine: Engine, **kw: object) -> object:
    act = {
        "state": "withdrawn",
        "evidence": "told V1 at the door",
        "on": WITHDRAWN,
        "client_id": ACT_ID,
    } | kw
    with unit_of_work(engine) as s:
        return record_consent(s, "H0", actor="v1", today=WITHDRAWN, **act)  # type: ignore[arg-type]


def test_an_act_sent_again_under_its_id_is_answered_as_recorded_and_recorded_once(
    programme: Engine,
) -> None:
    first = _withdraw(programme)
    after_first = last_event_id(programme)
    before = _but_the_trail(snapshot(programme))
    again = _withdraw(programme)
    # The day left to the server's today on the way back: the same act still.
    undated = _withdraw(programme, on=None)
    assert again == undated
    assert isinstance(first, ConsentRecorded) and isinstance(again, ConsentRecorded)
    assert not first.already and again.already
    assert (again.household, again.state, again.since, again.was, again.was_since) == (
        first.household,
        first.state,
        first.since,
        first.was,
        first.was_since,
    )
    # Nothing written but the reads of the act sent again, in the household's trail.
    assert _but_the_trail(snapshot(programme)) == before
    assert (
        trail(programme, after_first)
        == [("read", "consent", "H0", {"client_id": ACT_ID, "sent_again": True})] * 2
    )
    with programme.connect() as conn:
        kept = conn.execute(text("SELECT COUNT(*) FROM consent_client_ids")).scalar_one()
    assert kept == 1


@pytest.mark.parametrize(
    "other",
    [
        {"evidence": "a letter"},
        {"on": WITHDRAWN - dt.timedelta(days=1)},
        {"household": "H1"},
        {"state": "pending"},
    ],
)
def test_another_act_under_an_id_already_used_is_refused_and_changes_nothing(
    programme: Engine, other: dict[str, object]
) -> None:
    _withdraw(programme)
    before = snapshot(programme)
    act = {
        "household": "H0",
        "state": "withdrawn",
        "evidence": "told V1 at the door",
        "on": WITHDRAWN,
    } | other
    with pytest.raises(Conflict, match="a new act needs a new id"), unit_of_work(programme) as s:
        record_consent(s, actor="v1", today=WITHDRAWN, client_id=ACT_ID, **act)  # type: ignore[arg-type]
    assert snapshot(programme) == before


#: The note of an act sent again whose first answer's notes follow it.
ALREADY_THEN = (
    "This act was recorded already, when first sent: nothing was recorded again. What it did "
    "then, as first answered:"
)
#: The note of an act sent again whose first answer had no notes.
ALREADY = "This act was recorded already, when first sent: nothing was recorded again."
#: The note of an act sent again that was kept before migration 0027, with no figures.
ALREADY_IF_ANY = (
    "This act was recorded already, when first sent: nothing was recorded again, and the "
    "household's planned visits it took off, if any, were taken off then."
)


def test_an_act_sent_again_says_it_was_recorded_already_and_what_its_first_answer_said(
    programme: Engine,
) -> None:
    start, end = first_planned(programme, "H1")
    assert start < end  # a stay of days, so a withdrawal on its second day cuts it short
    stayed = start + dt.timedelta(days=1)
    acts = [
        # H0 on WITHDRAWN: planned visits cancelled.
        ("H0", "withdrawn", WITHDRAWN, ACT_ID),
        # H1 on the second day of its first stay: that one cut short, the later cancelled.
        ("H1", "withdrawn", stayed, "6e2d8f3a-4c5b-4a7f-9b0c-1d2e3f4a5b6c"),
        # Pending after a withdrawal: no planned visit left to take off.
        ("H0", "pending", WITHDRAWN, "7f3e9a4b-5d6c-4b8a-8c1d-2e3f4a5b6c7d"),
        # Given again: a consent given takes nothing off.
        ("H0", "given", WITHDRAWN, "8a4f0b5c-6e7d-4c9b-9d2e-3f4a5b6c7d8e"),
    ]
    answers = []
    for household, state, on, act_id in acts:
        sent = {"actor": "v1", "evidence": "told V1", "on": on, "today": on, "client_id": act_id}
        with unit_of_work(programme) as s:
            first = record_consent(s, household, state, **sent)  # type: ignore[arg-type]
        with unit_of_work(programme) as s:
            again = record_consent(s, household, state, **sent)  # type: ignore[arg-type]
        answers.append((first, again))
    notes = [first.notes for first, _ in answers]
    assert "2 planned visits cancelled;" in notes[0][0]
    assert ": 1 planned visit cancelled, 1 under way cut short;" in notes[1][0]
    assert notes[2:] == [(), ()]
    for first, again in answers:
        assert not first.already and again.already
        assert again.said[1:] == first.said  # the same sentences, which a page translates
        # Said from the figures kept, not counted again: the visits are gone by now.
        assert again.notes == ((ALREADY_THEN, *first.notes) if first.notes else (ALREADY,))
    with programme.connect() as conn:
        kept = conn.execute(
            text("SELECT state, cancelled, cut FROM consent_client_ids ORDER BY id")
        ).all()
    assert [k[0] for k in kept] == ["withdrawn", "withdrawn", "pending", "given"]
    assert [k[1:] for k in kept] == [(2, 0), (1, 1), (0, 0), (0, 0)]


def test_an_act_kept_before_its_figures_were_says_only_that_it_was_recorded_already(
    programme: Engine,
) -> None:
    first = _withdraw(programme)
    # As migration 0027 leaves the acts kept before it: no figures.
    with programme.begin() as conn:
        conn.execute(text("UPDATE consent_client_ids SET cancelled = NULL, cut = NULL"))
    before = _but_the_trail(snapshot(programme))
    again = _withdraw(programme)
    assert isinstance(first, ConsentRecorded) and isinstance(again, ConsentRecorded)
    assert first.notes and again.already
    assert again.notes == (ALREADY_IF_ANY,)
    assert _but_the_trail(snapshot(programme)) == before
