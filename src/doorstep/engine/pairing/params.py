"""Settings of one pairing solve."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from doorstep.say import Said, Say


def refused(says: Say) -> ValueError:
    """A setting refused: the error's text is the English, and its argument a
    :class:`~doorstep.say.Said` that keeps the sentence (the setting's name a value, so a
    caller can name it as its users do) for a front door that speaks another language."""
    return ValueError(Said(says))


#: ``summary()["mode"]`` of a new-only pairing (:mod:`.new_only`), kept here so that reading
#: a stored proposal's mode loads no solver.
NEW_ONLY = "new_only"

#: Continuity when ``keep_km`` is not given (capped at ``max_km``), in km.
DEFAULT_KEEP_KM = 5.0


@dataclass(frozen=True, slots=True)
class PairingParams:
    """How a :class:`~doorstep.engine.pairing.problem.PairingProblem` is solved.

    Parameters
    ----------
    max_km
        Greatest great-circle distance between a household and a local visitor.
    keep_km
        Continuity: a household's current pair costs this many kilometres less than its
        distance, so a pair only moves when that is clearly worth it. ``0`` disables it; at
        most ``max_km``. Not given (``None``): :data:`DEFAULT_KEEP_KM`, or ``max_km`` when that
        is smaller (as ``doorstep pair`` does), so that a short ``max_km`` alone is valid; the
        attribute then holds that number.
    balance_m
        Balance: the ``j``-th household of a visitor costs ``balance_m * (2j - 1)`` metres
        on top of its distance (a convex cost ``balance_m * load**2`` per visitor), so
        caseloads even out. ``0`` disables it. Whole metres, as every cost is: a fraction is
        refused rather than rounded.
    candidates
        How many nearest eligible visitors per household and language seed the candidate
        graph. The result is exact whatever this is; it only trades rounds against size.
    max_rounds
        Give up widening after this many certify-and-widen rounds. The result then says
        ``certified=False`` (it is still feasible and optimal on the arcs it used).
    max_arcs
        The most candidate arcs held at once. Measured: about 110 bytes per candidate arc
        in this process at a round's peak, and about 120 bytes per arc of the largest part in
        the process that solves it (92-118 in a fresh worker process). With ``drop_arcs`` a
        round adds at most a quarter of the cap (:meth:`arc_cap`: this, or less with
        ``arcs_growth``) and arcs the current optimum does not use give way to stay under it
        (:mod:`.prune`); the widening stops only when arcs would pass ``max_arcs`` itself:
        the arcs that must stay and the new ones do not fit, or arcs keep coming after three
        rounds in a row that did not lower the cost (then none give way). Without
        ``drop_arcs`` it stops before the arcs pass this many (the seed-scale region then
        stops after one round).
    time_limit_s
        Give up widening once this many seconds have passed since the solve began (the count
        always finishes first and at least one least-cost round always runs). ``None``: no
        limit. The default, ten minutes, is far more than a county or a 200k-household sample
        needs to certify (seconds, and about three minutes); a region of 1.69M households
        does not certify in hours on a 2-core machine, and it then stops with the proved
        count, a shorter pairing each round, and a bound of how far from the least it is.
    bound
        When the widening stops before a certificate, also prove a lower bound of the least
        cost (:mod:`.bound`): prices from the potentials and three cell transports, chosen on
        a sample of households, then one grid scan of every household per side (about 27 s
        at the seed scale).
    chunk_arcs
        Independent parts are packed into solver calls of about this many arcs.
    drop_arcs
        Make room for each round's new arcs by dropping unused ones (see ``max_arcs``). A
        certified result is the same either way; it trades memory and the size of each
        re-solve against rounds (200k sample: 23 rounds and 0.9 GiB under a 4M cap instead of
        19 rounds to 8.4M arcs and 1.5 GiB, in less time).
    arcs_growth
        With ``drop_arcs``, also hold the candidate arcs to this multiple of the first
        round's (never above ``max_arcs``) while arcs give way; when none may (three rounds
        that did not lower the cost) they grow past it up to ``max_arcs`` rather than stop
        there (a stop there left a county paired again with its own pairs uncertified,
        session 15). Each re-solved part stays small, and it measured
        faster at every size tried, for the same certified optimum (twice the first round:
        15k households 3.6-4.2 s instead of 4.1-4.8 s, 80k 34-40 s instead of 39-41 s,
        200k 141 s instead of 239 s, with 4.1M arcs instead of 8.4M; three times: 179 s).
        ``None``: ``max_arcs`` alone. At the seed scale the first round's 14.3M arcs put twice
        that above ``max_arcs``, which then rules.
    coarse
        Also seed arcs from a transport problem between grid cells (:mod:`.coarse`). It saves
        rounds on a county, but at region scale it merges parts into larger, slower ones, so
        it is off by default. The result is the same either way.
    """

    max_km: float = 30.0
    keep_km: float | None = None
    balance_m: float = 0.0
    candidates: int = 8
    max_rounds: int = 60
    max_arcs: int = 20_000_000
    time_limit_s: float | None = 600.0
    bound: bool = True
    chunk_arcs: int = 400_000
    drop_arcs: bool = True
    arcs_growth: float | None = 2.0
    coarse: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_km) and self.max_km > 0):
            raise refused(
                Say(
                    "%(setting)s must be a positive number, not %(value)s",
                    setting="max_km",
                    value=repr(self.max_km),
                )
            )
        if self.keep_km is None:  # frozen: the default is filled in as the object is made
            object.__setattr__(self, "keep_km", min(DEFAULT_KEEP_KM, self.max_km))
        elif not (math.isfinite(self.keep_km) and 0 <= self.keep_km <= self.max_km):
            raise refused(
                Say(
                    "%(setting)s must be between 0 and %(max_km)s, not %(value)s",
                    setting="keep_km",
                    max_km="max_km",
                    value=repr(self.keep_km),
                )
            )
        if not (math.isfinite(self.balance_m) and 0 <= self.balance_m <= 1_000_000):
            raise refused(
                Say(
                    "%(setting)s must be between 0 and 1e6, not %(value)s",
                    setting="balance_m",
                    value=repr(self.balance_m),
                )
            )
        if self.balance_m != int(self.balance_m):
            # Costs are whole metres (the solver's integers): rounding 0.4 to 0 would turn
            # balance off without a word.
            raise refused(
                Say(
                    "%(setting)s must be a whole number of metres, not %(value)s",
                    setting="balance_m",
                    value=repr(self.balance_m),
                )
            )
        if not 1 <= self.candidates <= 1000:
            raise ValueError(f"candidates must be between 1 and 1000, not {self.candidates!r}")
        if not 1 <= self.max_rounds <= 1000:
            raise refused(
                Say(
                    "%(setting)s must be between 1 and 1000, not %(value)s",
                    setting="max_rounds",
                    value=repr(self.max_rounds),
                )
            )
        if self.max_arcs < 1:
            raise refused(
                Say(
                    "%(setting)s must be positive, not %(value)s",
                    setting="max_arcs",
                    value=repr(self.max_arcs),
                )
            )
        if self.time_limit_s is not None and not (
            math.isfinite(self.time_limit_s) and self.time_limit_s > 0
        ):
            raise refused(
                Say(
                    "%(setting)s must be a positive number, not %(value)s",
                    setting="time_limit_s",
                    value=repr(self.time_limit_s),
                )
            )
        if self.arcs_growth is not None and not (
            math.isfinite(self.arcs_growth) and self.arcs_growth >= 1
        ):
            raise ValueError(f"arcs_growth must be at least 1, not {self.arcs_growth!r}")
        if self.chunk_arcs < 1:
            raise ValueError(f"chunk_arcs must be positive, not {self.chunk_arcs!r}")

    def arc_cap(self, first_round: int) -> int:
        """The most candidate arcs held at once, given the first round's count."""
        if not self.drop_arcs or self.arcs_growth is None:
            return self.max_arcs
        return min(self.max_arcs, max(math.ceil(self.arcs_growth * first_round), 1))

    @property
    def max_m(self) -> float:
        """:attr:`max_km` in metres."""
        return self.max_km * 1000.0

    @property
    def keep_m(self) -> int:
        """:attr:`keep_km` in whole metres."""
        assert self.keep_km is not None  # filled in by __post_init__
        return round(self.keep_km * 1000.0)


def explain_params(params: PairingParams) -> PairingParams:
    """The settings under which :func:`.explain.explain` reads a new-only pairing.

    The insertion keeps every current pair that still holds, however near another visitor
    with room is: continuity as strong as the longest pair allowed, so a nearer visitor
    with room reads ``continuity``, not ``balance``.
    """
    return dataclasses.replace(params, keep_km=params.max_km)
