from __future__ import annotations

import pytest

from doorstep.engine.pairing.explain import NotChosen, explain
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import PairingProblemBuilder
from doorstep.engine.pairing.result import Unpaired
from doorstep.engine.pairing.solve import solve

KM = 1 / 111.195


def test_alternatives_say_why_each_was_not_chosen() -> None:
    b = PairingProblemBuilder()
    b.add_household("h", 27.0, 107.0, "zh")
    b.add_household("rival", 27.0 - 0.5 * KM, 107.0, "zh")
    b.add_visitor("chosen", 27.0 + 2 * KM, 107.0, "zh", capacity=1)
    b.add_visitor("taken", 27.0 - 1 * KM, 107.0, "zh", capacity=1)  # nearer, but rival's
    b.add_visitor("hmong", 27.0 + 0.5 * KM, 107.0, "hmn", capacity=1)
    b.add_visitor("banned", 27.0 + 1 * KM, 107.0, "zh", capacity=1)
    b.add_visitor("spare", 27.0 + 4 * KM, 107.0, "zh", capacity=1)
    b.exclude("h", "banned")
    b.exclude("rival", "banned")
    p = b.build()
    e = explain(p, solve(p), 0)
    assert (e.visitor_id, e.unpaired) == ("chosen", None)
    assert e.distance_m is not None and abs(e.distance_m - 2000) <= 2
    assert [(a.visitor_id, a.why) for a in e.alternatives] == [
        ("hmong", NotChosen.NO_SHARED_LANGUAGE),
        ("taken", NotChosen.FULL),
        ("banned", NotChosen.EXCLUDED),
        ("spare", NotChosen.FARTHER),
    ]


def test_a_kept_current_pair_names_continuity() -> None:
    b = PairingProblemBuilder()
    b.add_visitor("old", 27.0 + 4 * KM, 107.0, "zh", capacity=1)
    b.add_visitor("new", 27.0 + 1 * KM, 107.0, "zh", capacity=1)
    b.add_household("h", 27.0, 107.0, "zh", current_visitor="old")
    p = b.build()
    params = PairingParams(keep_km=5)
    e = explain(p, solve(p, params=params), 0, params=params)
    assert e.visitor_id == "old"
    assert [(a.visitor_id, a.why) for a in e.alternatives] == [("new", NotChosen.CONTINUITY)]


def test_an_unpaired_household_is_explained_with_its_reason() -> None:
    b = PairingProblemBuilder()
    b.add_visitor("v", 27.0, 107.0, "zh", capacity=1)
    b.add_household("first", 27.0, 107.0, "zh")
    b.add_household("second", 27.0 + 1 * KM, 107.0, "zh")
    p = b.build()
    e = explain(p, solve(p), 1)
    assert e.visitor is None
    assert e.unpaired == Unpaired.ALL_ELIGIBLE_VISITORS_FULL
    assert [(a.visitor_id, a.why) for a in e.alternatives] == [("v", NotChosen.FULL)]


def test_a_visitor_with_room_exactly_as_near_is_told_apart_from_a_farther_one() -> None:
    b = PairingProblemBuilder()
    b.add_visitor("old", 27.0 + 1 * KM, 107.0, "zh", capacity=1)
    b.add_visitor("twin", 27.0 - 1 * KM, 107.0, "zh", capacity=1)  # the same metres south
    b.add_visitor("far", 27.0 + 3 * KM, 107.0, "zh", capacity=1)
    b.add_household("h", 27.0, 107.0, "zh", current_visitor="old")
    p = b.build()
    e = explain(p, solve(p), 0)
    assert e.visitor_id == "old"
    twin, far = e.alternatives
    assert (twin.visitor_id, twin.distance_m) == ("twin", e.distance_m)
    assert twin.why is far.why is NotChosen.FARTHER
    assert e.as_near(twin) and not e.as_near(far)


def test_a_nearer_visitor_with_room_is_balance_only_under_a_balance_cost() -> None:
    def problem(*, newcomer: bool) -> PairingProblemBuilder:
        b = PairingProblemBuilder()
        b.add_visitor("a", 27.0 + 1 * KM, 107.0, "zh", capacity=2)
        b.add_visitor("b", 27.0 + 2 * KM, 107.0, "zh", capacity=2)
        if newcomer:  # a visitor who joined after the pairing was computed
            b.add_visitor("c", 27.0 + 0.5 * KM, 107.0, "zh", capacity=2)
        b.add_household("h1", 27.0, 107.0, "zh")
        b.add_household("h2", 27.0, 107.0 + 0.1 * KM, "zh")
        return b

    p = problem(newcomer=False).build()
    # Under a strong balance cost the two households go to different visitors.
    params = PairingParams(balance_m=5000)
    result = solve(p, params=params)
    assert sorted(result.visitor.tolist()) == [0, 1]
    second = int(result.visitor.tolist().index(1))
    e = explain(p, result, second, params=params)
    assert [(a.visitor_id, a.why) for a in e.alternatives] == [("a", NotChosen.BALANCE)]
    # Without one, a nearer visitor with room that the pairing did not use gained it nothing
    # as computed (here: the visitor joined after it); it is not called balance.
    plain = solve(p)
    later = problem(newcomer=True).build()
    e = explain(later, plain, 0)
    assert ("c", NotChosen.NO_GAIN) in [(a.visitor_id, a.why) for a in e.alternatives]


def test_a_negative_limit_is_refused_and_none_lists_every_alternative() -> None:
    b = PairingProblemBuilder()
    b.add_household("h", 27.0, 107.0, "zh")
    for i in range(4):
        b.add_visitor(f"v{i}", 27.0 + i * KM, 107.0, "zh", capacity=1)
    p = b.build()
    result = solve(p)
    assert [a.visitor_id for a in explain(p, result, 0, limit=None).alternatives] == [
        "v1",
        "v2",
        "v3",
    ]
    assert explain(p, result, 0, limit=0).alternatives == ()
    with pytest.raises(ValueError, match="limit must be 0 or more"):
        explain(p, result, 0, limit=-1)
