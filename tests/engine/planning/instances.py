"""Tiny named planning instances a reader can check by hand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from doorstep.engine.planning import CadencePolicy, PlanningProblem, PlanningProblemBuilder

START = date(2027, 1, 4)  # a Monday


def day(n: int) -> date:
    """The date ``n`` days after :data:`START`."""
    return START + timedelta(days=n)


def one_pair(
    *,
    days: int = 90,
    policy: CadencePolicy | None = None,
    holidays: Iterable[int] = (),
    working_weekdays: Iterable[int] = range(7),
    leave: Iterable[tuple[int, int]] = (),
    blackouts: Iterable[tuple[int, int]] = (),
    preferred_weekdays: Iterable[int] = (),
) -> PlanningProblem:
    """One visitor, one household; spans and holidays are given in days from START."""
    b = PlanningProblemBuilder(START, days=days, default_policy=policy or CadencePolicy())
    b.add_calendar(working_weekdays=working_weekdays, holidays=[day(d) for d in holidays])
    b.add_visitor("v", leave=[(day(a), day(z)) for a, z in leave])
    b.add_household(
        "h",
        blackouts=[(day(a), day(z)) for a, z in blackouts],
        preferred_weekdays=preferred_weekdays,
    )
    b.add_pairing("h", "v", home_distance_m=1_000.0)
    return b.build()


def one_visitor(n_households: int, *, days: int = 60) -> PlanningProblem:
    """One visitor paired with ``n_households`` households close together."""
    b = PlanningProblemBuilder(START, days=days)
    b.add_visitor("v")
    for i in range(n_households):
        b.add_household(f"h{i}")
        b.add_pairing(f"h{i}", "v", home_distance_m=100.0)
    return b.build()


def one_unit(
    n_visitors: int, *, share: float, min_away: int = 1, days: int = 60
) -> PlanningProblem:
    """``n_visitors`` visitors of one organisation, one household each."""
    b = PlanningProblemBuilder(START, days=days)
    b.add_organisation("unit", max_away_share=share, min_away=min_away)
    for i in range(n_visitors):
        b.add_visitor(f"v{i}", organisation="unit")
        b.add_household(f"h{i}")
        b.add_pairing(f"h{i}", f"v{i}", home_distance_m=100.0)
    return b.build()


def paired_again(
    *, days: int = 300, windows: Iterable[tuple[int, int]] = ((0, 100), (150, 300))
) -> PlanningProblemBuilder:
    """Household ``h`` paired with visitor ``v`` once per window (days from START, ``[a, z)``),
    as when a pairing ended and the two were paired again later; ``h2`` is ``v``'s too."""
    b = PlanningProblemBuilder(START, days=days)
    b.add_visitor("v")
    b.add_household("h")
    b.add_household("h2")
    for a, z in windows:
        b.add_pairing("h", "v", active_from=day(a), active_to=day(z), home_distance_m=1_000.0)
    b.add_pairing("h2", "v", home_distance_m=1_000.0)
    return b


def handed_over(
    *,
    days: int = 200,
    at: int = 100,
    resumes: int | None = None,
    leave: tuple[int, int] | None = None,
    holidays: tuple[int, int] | None = None,
    cut: int = 0,
    cap: float | None = None,
) -> PlanningProblemBuilder:
    """Household ``h`` paired with visitor ``v1`` on ``[0, at)``, then with ``v2`` from
    ``resumes`` (default ``at``: handed over that day) to the end; ``leave`` is ``v2``'s
    (first and last day), ``holidays`` the first and last of ``v2``'s own holidays. With
    ``cut``, ``v1``'s window ends ``cut`` days before ``at`` as the service leaves a stay's
    last days out (``v2``'s clock then starts on day 0: the household's run of pairings is
    unbroken). With ``cap``, ``v2`` is of organisation ``O`` with that staffing cap."""
    b = PlanningProblemBuilder(START, days=days)
    b.add_calendar()
    off = range(holidays[0], holidays[1] + 1) if holidays else range(0)
    v2_calendar = b.add_calendar(holidays=[day(d) for d in off])
    b.add_visitor("v1")
    if cap is not None:
        b.add_organisation("O", max_away_share=cap)
    b.add_visitor(
        "v2",
        calendar=v2_calendar,
        leave=[(day(leave[0]), day(leave[1]))] if leave else [],
        organisation=None if cap is None else "O",
    )
    b.add_household("h")
    b.add_pairing("h", "v1", active_to=day(at - cut), home_distance_m=1_000.0)
    b.add_pairing(
        "h",
        "v2",
        active_from=day(at if resumes is None else resumes),
        clock_from=day(0) if cut else None,
    )
    return b
