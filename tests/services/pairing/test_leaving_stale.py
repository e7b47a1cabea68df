"""A proposal goes stale when a visitor's being *leaving* (their last day within the
programme's most days between visits of the day read) differs on the day it is committed or
explained: days passing bring a last day within the window, and `cadence set` moves the
window. The problem gave a leaving visitor no new households, so a commit that does not see
the change would hand one a household they may never visit (or keep one from a visitor who
stays)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from doorstep.errors import Conflict
from doorstep.services import cadence, pairing
from doorstep.services.pairing.proposals import staleness
from doorstep.storage.session import unit_of_work
from doorstep.storage.tables import PairingProposal
from tests.services.pairing.tree import (
    TODAY,
    add,
    commit,
    home,
    open_pairings,
    propose,
    proposed,
    reads_of_the_area,
    tree,
    worker,
)

#: Where a proposal keeps the window its leaving visitors are as of.
WINDOW_KEY = "leaving_window"


def _on(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


def _near_and_far(engine: Engine, tmp_path: Path, last_day: dt.date) -> Engine:
    """H1 next door to VNEAR, whose last day is ``last_day``; VSTAY, 5.5 km north, stays."""
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VNEAR", lat=51.501, capacity=3, active_to=str(last_day)),
        worker(visitor_id="VSTAY", lat=51.55, capacity=3),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1")])
    return engine


def _explain(engine: Engine, proposal_id: int, today: dt.date) -> Any:
    with unit_of_work(engine) as s:
        return pairing.explain_household(
            s, "H1", actor="test", proposal_id=proposal_id, today=today
        )


def _refusal(engine: Engine, proposal_id: int, today: dt.date) -> str:
    with pytest.raises(Conflict) as refused:
        commit(engine, proposal_id, today=today)
    return " ".join(str(refused.value).split())


def _set_gap(engine: Engine, days: int) -> None:
    with unit_of_work(engine) as s:
        cadence.set_cadence(s, max_gap_days=days, stay_days=1, actor="test", today=TODAY)


def test_a_proposal_is_stale_once_days_passing_bring_its_visitor_s_last_day_within_the_window(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # VNEAR's last day is 63 days off: not leaving on TODAY (60 days between visits), so
    # the proposal gives them H1. From TODAY + 4 on they are leaving and take no new one.
    _near_and_far(engine, tmp_path, _on(63))
    view = propose(engine, "A")
    assert proposed(engine, view.id) == {"H1": "VNEAR"}
    read = reads_of_the_area(monkeypatch)
    # Three days on nothing differs: explained from what H1 is near, not stale.
    assert _explain(engine, view.id, _on(3)).stale is False
    assert read == []
    # Five days on VNEAR is leaving: explain reads the area and says so, as commit refuses.
    told = _explain(engine, view.id, _on(5))
    assert read == ["A"]
    assert told.stale is True
    reason = _refusal(engine, view.id, _on(5))
    assert told.stale_reason is not None and " ".join(told.stale_reason.split()) == reason
    assert f"proposal {view.id} is stale: it was computed for {TODAY}" in reason
    assert f"on {_on(5)} visitor VNEAR is leaving (active_to {_on(63)}" in reason
    assert open_pairings(engine) == []
    # Computed again, H1 goes to the visitor who stays.
    assert proposed(engine, propose(engine, "A", today=_on(5)).id) == {"H1": "VSTAY"}


def test_a_proposal_committed_before_the_visitor_is_leaving_commits(
    engine: Engine, tmp_path: Path
) -> None:
    _near_and_far(engine, tmp_path, _on(63))
    view = propose(engine, "A")
    commit(engine, view.id, today=_on(3))  # the last day before VNEAR is leaving
    assert open_pairings(engine) == [("VNEAR", "H1")]


@pytest.mark.parametrize(("then", "now", "given"), [(30, 60, "VNEAR"), (60, 30, "VSTAY")])
def test_a_proposal_is_stale_once_cadence_set_changes_who_is_leaving(
    engine: Engine, tmp_path: Path, then: int, now: int, given: str
) -> None:
    # VNEAR's last day is 40 days off: leaving under 60 days between visits, not under 30.
    _near_and_far(engine, tmp_path, _on(40))
    _set_gap(engine, then)
    view = propose(engine, "A")
    assert proposed(engine, view.id) == {"H1": given}
    _set_gap(engine, now)
    told = _explain(engine, view.id, TODAY)
    assert told.stale is True
    reason = _refusal(engine, view.id, TODAY)
    assert told.stale_reason is not None and " ".join(told.stale_reason.split()) == reason
    assert f"with {then} days between visits, where the programme's cadence is {now}" in reason
    named = "is leaving" if now == 60 else "is no longer leaving"
    assert f"visitor VNEAR {named} (active_to {_on(40)}" in reason
    assert open_pairings(engine) == []


def test_cadence_set_that_changes_nobody_s_leaving_leaves_the_proposal_fresh(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # VNEAR leaves in 100 days: leaving under neither window. The proposal still holds, but
    # whether it does can be told only from the area, once: then the window is kept.
    _near_and_far(engine, tmp_path, _on(100))
    view = propose(engine, "A")
    _set_gap(engine, 30)
    read = reads_of_the_area(monkeypatch)
    assert _explain(engine, view.id, TODAY).stale is False
    assert _explain(engine, view.id, TODAY).stale is False
    assert read == ["A"]
    commit(engine, view.id)
    assert open_pairings(engine) == [("VNEAR", "H1")]


def test_a_committed_proposal_is_stale_once_its_visitor_is_leaving(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _near_and_far(engine, tmp_path, _on(63))
    view = propose(engine, "A")
    commit(engine, view.id)
    read = reads_of_the_area(monkeypatch)
    assert _explain(engine, view.id, _on(3)).stale is False
    assert read == []
    told = _explain(engine, view.id, _on(5))
    assert read == ["A"] and told.stale is True
    assert told.stale_reason is not None
    said = " ".join(told.stale_reason.split())
    assert f"area A changed after proposal {view.id} was committed: it was committed on " in said
    assert f"on {_on(5)} visitor VNEAR is leaving" in said


def _forget_window(engine: Engine, proposal_id: int, key: str = WINDOW_KEY) -> None:
    """Remove ``key`` from the proposal's stored params, as a proposal stored before the
    window was kept has none."""
    with unit_of_work(engine) as s:
        p = s.get(PairingProposal, proposal_id)
        assert p is not None and key in p.params
        p.params = {k: v for k, v in p.params.items() if k != key}


def _params(engine: Engine, proposal_id: int) -> dict[str, Any]:
    with unit_of_work(engine) as s:
        p = s.get(PairingProposal, proposal_id)
        assert p is not None
        return dict(p.params)


#: Why a proposal stored before its window was kept is stale.
UNKEPT = (
    "it was computed before doorstep kept which visitors were leaving for it (those whose "
    "last day is within the programme's days between visits get no new households), so "
    "whether it gives one of them new households cannot be told"
)


def test_a_proposal_stored_before_the_window_was_kept_is_stale_after_a_cadence_set(
    engine: Engine, tmp_path: Path
) -> None:
    # Computed under 60 days between visits, VNEAR (last day 40 days off) leaving, H1 goes
    # to VSTAY. Under 30 days VNEAR would take it. Taken as computed in the window now (as
    # an earlier version did), the proposal looked fresh and committed.
    _near_and_far(engine, tmp_path, _on(40))
    view = propose(engine, "A")
    assert proposed(engine, view.id) == {"H1": "VSTAY"}
    _forget_window(engine, view.id)
    _set_gap(engine, 30)
    told = _explain(engine, view.id, TODAY)
    assert told.stale is True
    reason = _refusal(engine, view.id, TODAY)
    assert told.stale_reason is not None and " ".join(told.stale_reason.split()) == reason
    assert reason == (f"proposal {view.id} is stale: {UNKEPT}; run `doorstep pair --area A` again")
    assert open_pairings(engine) == []
    assert WINDOW_KEY not in _params(engine, view.id)  # never taken for a window it had


def test_a_proposal_stored_before_the_window_was_kept_is_stale_whatever_changed(
    engine: Engine, tmp_path: Path
) -> None:
    # Nothing changed at all: still, which visitors it took as leaving cannot be told (one
    # stored before leaving visitors were kept from new households may give them some).
    _near_and_far(engine, tmp_path, _on(100))
    view = propose(engine, "A")
    _forget_window(engine, view.id)
    with unit_of_work(engine) as s:
        p = s.get(PairingProposal, view.id)
        assert p is not None
        stale, why = staleness(s, p, today=TODAY)
    assert stale is True and why is not None and UNKEPT in " ".join(why.text.split())
    assert _explain(engine, view.id, _on(5)).stale is True
    reason = _refusal(engine, view.id, _on(5))
    assert reason.startswith(f"proposal {view.id} is stale: {UNKEPT}")
    assert open_pairings(engine) == []


def test_a_proposal_committed_before_its_window_was_kept_cannot_be_told_fresh(
    engine: Engine, tmp_path: Path
) -> None:
    # Its commit left some visitors leaving under a window it did not keep: with its digest
    # holding, whether a `cadence set` since changed who is leaving cannot be told.
    _near_and_far(engine, tmp_path, _on(40))
    view = propose(engine, "A")
    commit(engine, view.id)
    _forget_window(engine, view.id, "leaving_window_after_commit")
    _set_gap(engine, 30)
    told = _explain(engine, view.id, TODAY)
    assert told.stale is None and told.stale_reason is None


def test_the_refusal_names_the_leaving_visitor_to_the_user_and_counts_them_for_the_trail(
    engine: Engine, tmp_path: Path
) -> None:
    # Whoever is told VNEAR is leaving has read that of them; the refused attempt's own
    # event keeps the words without the id, as for a visitor whose being active changed.
    _near_and_far(engine, tmp_path, _on(63))
    view = propose(engine, "A")
    with pytest.raises(Conflict) as refused:
        commit(engine, view.id, today=_on(5))
    [named] = refused.value.named
    assert (named.entity, named.ids) == ("visitor", ("VNEAR",))
    assert named.unnamed is not None and "VNEAR" not in named.unnamed
    assert f"and whether 1 visitor is leaving changed by {_on(5)}" in named.unnamed
