"""Which visitors are *leaving*, and the window a proposal's leaving visitors are as of.

A visitor whose last day (``active_to``) is fewer than the programme's most days between
visits (the window, :func:`~doorstep.services.cadence.gap_days`) after the day read is
leaving: the problem gives them no new households (:func:`~.scope._places`). That depends on
the day and on the window, neither of which the digest covers (it covers each visitor's
``active_to``), so a proposal keeps the window its leaving visitors are as of
(:data:`WINDOW_KEY`; a commit the one it left, :data:`WINDOW_AFTER_COMMIT`) and the
staleness checks compare who is leaving then and now (:func:`flipped`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from doorstep.domain.days import shifted

#: Key in a proposal's ``params``: the :class:`Window` its leaving visitors are as of
#: (``{"on": ISO day, "days": n}``). Set when computed; a check that finds the proposal
#: still holding on a later day, or under another window, moves it there (the same
#: visitors are leaving then as when computed). Proposals stored before it have none: an
#: open one is stale (``staleness.NO_WINDOW``), a committed one cannot be told.
WINDOW_KEY = "leaving_window"
#: Key in a committed proposal's ``params``: the :class:`Window` as its commit left it.
WINDOW_AFTER_COMMIT = "leaving_window_after_commit"


def leaving(
    visitors: pl.DataFrame, today: dt.date, within_days: int
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Whether each visitor's last day (``active_to``) is within ``within_days`` of ``today``
    (the programme's most days between two visits): such a visitor may leave before a new
    household's first visit is due."""
    last = visitors["active_to"]
    # Before today + within_days: up to the day before it, which stops at the calendar's
    # last day where that day is past it (every last day is then within).
    soon = last.is_not_null() & (last <= shifted(today, within_days - 1))
    return soon.to_numpy().astype(np.bool_)


@dataclass(frozen=True)
class Window:
    """Visitors are leaving as of day ``on`` when their last day is within ``days`` of it."""

    on: dt.date
    days: int

    def stored(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "days": self.days}

    @classmethod
    def kept(cls, params: dict[str, Any], key: str) -> Window | None:
        """The window kept under ``key`` (``None``: kept none, stored before it was)."""
        got = params.get(key)
        return None if got is None else cls(dt.date.fromisoformat(got["on"]), int(got["days"]))

    def leaving(self, visitors: pl.DataFrame) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """:func:`leaving` of each visitor as of this window."""
        return leaving(visitors, self.on, self.days)


def flipped(
    visitors: pl.DataFrame, then: Window, now: Window
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Whether each visitor is leaving under one of the two windows and not the other."""
    differ: np.ndarray[Any, np.dtype[np.bool_]] = then.leaving(visitors) != now.leaving(visitors)
    return differ
