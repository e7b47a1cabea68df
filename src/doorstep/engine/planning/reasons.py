"""Why a pairing's cadence could not be met: the binding constraint, as data."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Reason(StrEnum):
    """The constraint that took away most of the days on which a late visit could have
    started, of those the working pattern and the allowed start weekdays leave (those two
    only when they leave none)."""

    NONE = ""
    WORKING_PATTERN = "working_pattern"
    HOLIDAY = "holiday"
    LEAVE = "leave"
    BLACKOUT = "blackout"
    START_WEEKDAY = "start_weekday"
    VISITOR_FULLY_BOOKED = "visitor_fully_booked"
    STAFFING_CAP = "staffing_cap"
    OVERDUE_BEFORE_PLANNING = "overdue_before_planning"
    TOO_FEW_VISITS = "too_few_visits"
    PLANNER = "planner"
    """A start day was free of every hard constraint: the heuristic, not the instance, failed."""
    PAIRING_ENDS = "pairing_ends"
    """The household falls due after the pairing's last start day (its visitor leaves, or it
    ends, before one more stay fits): no start day was left to close the gap."""


class Code(IntEnum):
    """Compact codes used inside the compiled kernels; same order as :class:`Reason`."""

    NONE = 0
    WORKING_PATTERN = 1
    HOLIDAY = 2
    LEAVE = 3
    BLACKOUT = 4
    START_WEEKDAY = 5
    VISITOR_FULLY_BOOKED = 6
    STAFFING_CAP = 7
    OVERDUE_BEFORE_PLANNING = 8
    TOO_FEW_VISITS = 9
    PLANNER = 10
    # Decided in ``plan._explain`` without the kernel, whose day counts stop at PLANNER.
    PAIRING_ENDS = 11


REASON_OF_CODE: tuple[Reason, ...] = tuple(Reason[c.name] for c in Code)
