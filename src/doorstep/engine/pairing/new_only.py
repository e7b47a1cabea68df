"""Pair only the new households: :func:`.insert.insert` as a :class:`.PairingResult`.

The front doors show a full pairing (file mode's CSV, a stored proposal): every household
with its visitor and distance, or a reason. The insertion gives every household's visitor;
this adds the distances and the reasons, from the same eligibility rules as
:func:`.solve.solve` (:func:`.solve.unpaired_reasons`), so that the rest of the code reads
an insertion like any other pairing.

New households are those without a current visitor (``household_current``), including any
that could not be paired before: they are tried again and, if still unpairable, get their
reason again. The insertion is exact for its own question (pair the newcomers, moving an
existing household only along a chain that makes room for one): the most newcomers
possible, at the least cost over every choice of which are left out (:mod:`.insert`). It is
not the certified least-cost pairing of the whole region: ``certified`` is ``False``;
``exact`` says whether the insertion was proved (every search ran to its proof and, when not
every newcomer could be paired, which to leave out was chosen: ``chosen``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from doorstep.engine.pairing.candidates import CandidateIndex
from doorstep.engine.pairing.insert import Insertion, insert
from doorstep.engine.pairing.params import NEW_ONLY, PairingParams
from doorstep.engine.pairing.params import explain_params as explain_params  # re-exported
from doorstep.engine.pairing.problem import NONE, PairingProblem
from doorstep.engine.pairing.result import PairingResult, SolveStats, count_moved
from doorstep.engine.pairing.solve import Progress, unpaired_reasons

#: ``summary()["mode"]`` of a new-only pairing.
MODE = NEW_ONLY


@dataclass(frozen=True, eq=False)
class NewOnly:
    """An insertion and the same pairing as a :class:`.PairingResult`.

    Attributes
    ----------
    insertion
        What :func:`.insert.insert` returned (``new``, ``released``, ``moved``, ``exact`` ...).
    result
        Every household's visitor, distance and reason; ``total_cost`` is the insertion's
        objective (new pairs' metres plus what the moves cost), ``certified`` is ``False``,
        ``moved`` counts every household whose current visitor changed or ended (chain
        moves and released pairs alike, as after a full solve).
    """

    insertion: Insertion
    result: PairingResult

    def summary(self) -> dict[str, Any]:
        """The full solve's summary keys, plus ``mode``, ``new``, ``new_paired``,
        ``released``, ``exact``, ``chosen``, ``cut`` and ``settled``; ``stopped_by`` is
        ``None`` (there is no widening to stop)."""
        ins = self.insertion
        return {
            **self.result.summary(),
            "stopped_by": None,
            "mode": MODE,
            "new": len(ins.new),
            "new_paired": ins.paired,
            "released": len(ins.released),
            "exact": ins.exact,
            "chosen": ins.chosen,
            "cut": ins.cut,
            "settled": ins.settled,
        }


def pair_new_only(
    problem: PairingProblem,
    *,
    params: PairingParams | None = None,
    max_settled: int | None = None,
    progress: Progress | None = None,
) -> NewOnly:
    """Pair the households without a current visitor, keeping the current pairs.

    Parameters
    ----------
    problem
        The region; ``household_current`` holds its current pairs.
    params
        Distance limit and continuity (``keep_km``: what moving an existing household
        costs). ``balance_m`` must be 0.
    max_settled
        Cut each search short after settling this many visitors (``exact=False``); ``None``
        for no cut.
    progress
        Hears of the newcomers as they are searched (the CLI's progress bar).

    Returns
    -------
    NewOnly
        The insertion and the pairing with a reason for every unpaired household.

    Raises
    ------
    ValueError
        ``params.balance_m`` is set (see :func:`.insert.insert`).
    """
    params = params or PairingParams()
    new = np.flatnonzero(problem.household_current == NONE)
    cap = {} if max_settled is None else {"max_settled": max_settled}
    ins = insert(problem, new, params=params, progress=progress, **cap)
    started = time.perf_counter()
    visitor = np.asarray(ins.visitor, dtype=np.int32)
    paired = np.flatnonzero(visitor != NONE)
    distance = np.full(problem.n_households, -1, np.int64)
    distance[paired] = problem.metres(paired, visitor[paired].astype(np.int64))
    # Every unpaired household with an eligible visitor is one the insertion could not pair
    # without unpairing someone: its eligible visitors are full, as the reason says.
    reasons = unpaired_reasons(CandidateIndex(problem, params.max_m), visitor)
    stats = SolveStats(
        rounds=0,
        arcs=0,
        initial_arcs=0,
        components=0,
        largest_component_arcs=0,
        violations_per_round=(),
        seconds={"insert": ins.seconds, "reasons": time.perf_counter() - started},
        lower_bound=None,
    )
    result = PairingResult(
        visitor=visitor,
        distance_m=distance,
        reason_codes=reasons,
        total_cost=ins.cost,
        certified=False,
        moved=count_moved(problem, visitor),
        stats=stats,
    )
    return NewOnly(ins, result)
