"""Pairing's refusals and a proposal's stale reason carry their sentence as a template and
values (:class:`doorstep.say.Say`), so a page can translate them; their English is that
template rendered in English, and still the very text `doorstep pair`, the API and the audit
trail have always written (each expected text below is the text as it was)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from doorstep.errors import DoorstepError
from doorstep.services import pairing
from doorstep.services.pairing.proposals import get_proposal
from doorstep.services.pairing.settings import FLAGS, check_new_only, solve_params
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, commit, home, propose, tree, worker

HOUSEHOLDS = (
    "the households of A (one added or gone, or a household's consent, languages, place, "
    "remote pool, area or current visitor)"
)


@pytest.fixture
def in_a(engine: Engine, tmp_path: Path) -> Engine:
    tree(engine, tmp_path)
    add(
        engine,
        tmp_path,
        "visitors",
        [worker(visitor_id="V", capacity=2), worker(visitor_id="W", active_to="2026-06-10")],
    )
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    return engine


def _said(refuse: Callable[[], object]) -> str:
    """The refusal's English, once it is checked to be its Say rendered in English."""
    with pytest.raises(DoorstepError) as raised:
        refuse()
    error = raised.value
    assert error.says is not None, "raised as plain English: a page cannot translate it"
    assert error.message == error.says.english()
    return error.message


def _discard(engine: Engine, proposal_id: int) -> None:
    with unit_of_work(engine) as s:
        pairing.discard(s, proposal_id, actor="test")


def _get(engine: Engine, proposal_id: int) -> None:
    with unit_of_work(engine) as s:
        get_proposal(s, proposal_id)


def test_a_stale_proposal_s_refusal_reads_as_it_always_did(in_a: Engine, tmp_path: Path) -> None:
    view = propose(in_a, "A")
    add(in_a, tmp_path, "households", [home(household_id="H2", consent="withdrawn")])
    assert _said(lambda: commit(in_a, view.id)) == (
        f"proposal {view.id} is stale: {HOUSEHOLDS} changed after it was computed at "
        f"{view.created_at:%Y-%m-%d %H:%M}; run `doorstep pair --area A` again"
    )
    with unit_of_work(in_a) as s:
        shown = pairing.show(s, view.id, actor="test", today=TODAY)
    assert shown.stale_says is not None
    assert shown.stale_says.english() == shown.stale_reason
    assert shown.stale_reason == (
        f"proposal {view.id} is stale: {HOUSEHOLDS} changed after it was computed at "
        f"{view.created_at:%Y-%m-%d %H:%M}; run `doorstep pair --area A` again"
    )


def test_a_visitor_no_longer_active_is_named_as_it_always_was(in_a: Engine) -> None:
    view = propose(in_a, "A")
    later = dt.date(2026, 6, 11)
    assert _said(lambda: commit(in_a, view.id, today=later)) == (
        f"proposal {view.id} is stale: it was computed for {TODAY}, and on {later} visitor W "
        "is not active (active_to 2026-06-10); run `doorstep pair --area A` again"
    )


def test_a_proposal_committed_or_superseded_or_discarded_is_refused_as_it_always_was(
    in_a: Engine, tmp_path: Path
) -> None:
    first, second, third = propose(in_a, "A"), propose(in_a, "A"), propose(in_a, "A")
    _discard(in_a, third.id)
    commit(in_a, first.id)
    assert _said(lambda: commit(in_a, second.id)) == (
        f"proposal {second.id} is stale: it was superseded by proposal {first.id} for A, "
        f"committed on {TODAY} while it was open, which changed the current pairings it was "
        "computed from (2 pairings started, 0 ended, 0 households kept); only an open one "
        "commits: run `doorstep pair --area A` again"
    )
    assert _said(lambda: _discard(in_a, first.id)) == (
        f"proposal {first.id} is committed; only an open one is discarded"
    )
    assert _said(lambda: commit(in_a, third.id)) == (
        f"proposal {third.id} is discarded; only an open one commits"
    )
    add(in_a, tmp_path, "households", [home(household_id="H2", consent="withdrawn")])
    with unit_of_work(in_a) as s:
        shown = pairing.show(s, first.id, actor="test", today=TODAY)
    assert shown.stale_says is not None and shown.stale_says.english() == shown.stale_reason
    assert shown.stale_reason == (
        f"area A changed after proposal {first.id} was committed: {HOUSEHOLDS} changed after "
        "its commit"
    )


def test_a_proposal_number_or_an_area_is_refused_as_it_always_was(in_a: Engine) -> None:
    assert _said(lambda: _get(in_a, 0)) == (
        "0 is not a proposal number: they run from 1 to 2,147,483,647"
    )
    assert _said(lambda: _get(in_a, 99)) == "no pairing proposal 99"
    assert _said(lambda: propose(in_a, "A2")) == (
        "area A2 has no households (in it or in the areas below it); import households "
        "first: doorstep import households FILE"
    )


def test_pairing_s_settings_are_refused_in_each_front_door_s_words_as_they_always_were() -> None:
    assert _said(lambda: solve_params(max_km=10, keep_km=20, balance_m=0)) == (
        "keep_km 20 is above max_km 10: continuity cannot be worth more than the longest "
        "pair allowed; give a smaller keep_km"
    )
    assert _said(lambda: solve_params(max_km=10, keep_km=30000, balance_m=0, names=FLAGS)) == (
        "--keep-km 30000 is more than any two homes can be apart (20,015.1 km, half way round "
        "the Earth); give a smaller --keep-km"
    )
    assert _said(lambda: check_new_only(False, max_settled=3)) == (
        "max_settled only applies with new_only"
    )
    assert _said(lambda: check_new_only(True, balance_m=5, names=FLAGS)) == (
        "--balance-m does not apply with --new-only: evening out caseloads would move "
        "existing households for its own sake; propose without --new-only instead"
    )
