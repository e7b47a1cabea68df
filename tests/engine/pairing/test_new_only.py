from __future__ import annotations

import numpy as np

from doorstep.engine.pairing.new_only import explain_params, pair_new_only
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, PairingProblemBuilder
from doorstep.engine.pairing.result import Unpaired


def test_the_new_only_pairing_reads_as_a_full_result_with_a_reason_for_every_unpaired() -> None:
    b = PairingProblemBuilder()
    b.add_visitor("small", 27.0, 107.01, "zh", capacity=1)
    b.add_visitor("spare", 27.0, 107.02, "zh", capacity=3)
    b.add_household("b", 27.0, 107.01, "zh", current_visitor="small")
    b.add_household("c", 27.0, 107.03, "zh", current_visitor="small")  # over capacity, farther
    b.add_household("n", 27.0, 107.02, "zh")
    b.add_household("f", 27.0, 107.02, "fr")
    p = b.build()
    run = pair_new_only(p, params=PairingParams())
    r = run.result
    assert r.visitor.tolist() == [0, 1, 1, NONE]
    assert (
        r.distance_m[:3].tolist() == p.metres(np.arange(3), r.visitor[:3].astype(np.int64)).tolist()
    )
    assert r.distance_m[3] == -1
    assert r.reason(3) is Unpaired.NO_SHARED_LANGUAGE
    assert r.total_cost == run.insertion.cost
    s = run.summary()
    # c's pair no longer held (released) and it was paired again with the new ones.
    assert (s["new"], s["released"], s["moved"], s["paired"]) == (3, 1, 1, 3)
    assert (s["mode"], s["certified"], s["stopped_by"], s["exact"]) == (
        "new_only",
        False,
        None,
        True,
    )


def test_explaining_a_new_only_pairing_makes_continuity_as_strong_as_the_longest_pair() -> None:
    assert explain_params(PairingParams(max_km=12, keep_km=2)).keep_km == 12
