"""Cadence policy: how often a household is visited and for how long.

A programme has one default :class:`CadencePolicy`; an area may override any of its fields
(:func:`policy_for`). The planner reads policies only through the problem, one per pairing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))
"""Monday is 0 and Sunday is 6, as in :meth:`datetime.date.weekday`."""

DAYS_PER_YEAR = 365


@dataclass(frozen=True, slots=True)
class CadencePolicy:
    """The cadence rules of a programme (or of one area of it).

    Parameters
    ----------
    max_gap_days
        Largest number of days allowed between the starts of two consecutive visits to a
        household (and between the horizon's start and the first visit, and between the last
        visit and the horizon's end).
    stay_days
        Length of one stay in days, counting the first and last day (1 for day visits).
    min_visits_per_year
        Fewest visits a household must receive in a year (prorated over shorter horizons);
        0 means only ``max_gap_days`` applies.
    start_weekdays
        Weekdays on which a stay may start (0 = Monday).
    """

    max_gap_days: int = 60
    stay_days: int = 5
    min_visits_per_year: int = 0
    start_weekdays: frozenset[int] = ALL_WEEKDAYS

    def __post_init__(self) -> None:
        if self.max_gap_days < 1:
            raise ValueError(f"max_gap_days must be at least 1, got {self.max_gap_days}")
        if self.stay_days < 1:
            raise ValueError(f"stay_days must be at least 1, got {self.stay_days}")
        if self.stay_days > self.max_gap_days:
            # Two stays of one household would have to overlap to respect the cadence.
            raise ValueError(
                f"stay_days ({self.stay_days}) cannot exceed max_gap_days ({self.max_gap_days})"
            )
        if not 0 <= self.min_visits_per_year <= DAYS_PER_YEAR:
            raise ValueError(
                f"min_visits_per_year must be between 0 and {DAYS_PER_YEAR}, "
                f"got {self.min_visits_per_year}"
            )
        if self.min_visits_per_year * self.stay_days > DAYS_PER_YEAR:
            raise ValueError("min_visits_per_year stays do not fit in a year")
        if not self.start_weekdays or not self.start_weekdays <= ALL_WEEKDAYS:
            raise ValueError("start_weekdays must be a non-empty subset of 0..6 (0 = Monday)")
        object.__setattr__(self, "start_weekdays", frozenset(self.start_weekdays))

    @property
    def effective_gap_days(self) -> int:
        """The largest start-to-start gap that satisfies both the gap and the yearly minimum."""
        gap = self.max_gap_days
        if self.min_visits_per_year:
            gap = min(gap, DAYS_PER_YEAR // self.min_visits_per_year)
        return max(gap, self.stay_days)

    @property
    def start_weekday_mask(self) -> int:
        """``start_weekdays`` as a 7-bit mask (bit 0 = Monday)."""
        return sum(1 << d for d in self.start_weekdays)

    def override(self, **changes: object) -> CadencePolicy:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


DAY_VISIT = CadencePolicy(stay_days=1)
"""A day-visit programme: the default gap, one-day stays."""


def policy_for(
    programme: CadencePolicy, area_overrides: Mapping[str, CadencePolicy], area: str | None
) -> CadencePolicy:
    """The policy in force in ``area``: the area's override if it has one, else the programme's.

    Parameters
    ----------
    programme
        The programme's default policy.
    area_overrides
        Policies of the areas that override the default, by area code.
    area
        The household's area code (``None`` when unknown).
    """
    if area is not None and area in area_overrides:
        return area_overrides[area]
    return programme
