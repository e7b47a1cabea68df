"""A database-mode plan's settings as a person gives them, checked once for every front door,
and the figures its summary gives.

The command line names the settings by its flags (``--max-gap-days``), the API by its
fields (``max_gap_days``): each passes its ``names`` and the same rules speak in its words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from doorstep.domain import weekdays
from doorstep.errors import InvalidInput
from doorstep.services.cadence import MOST_DAYS, Cadence
from doorstep.services.planning import PlanSettings, PlanSummary

#: The most days a plan's day counts take (gap, stay, travel, slack): ten years, as the
#: programme's cadence. More means nothing for a visiting programme and overflows the
#: planner's counters.
MAX_DAYS = MOST_DAYS
#: The settings as `doorstep plan`'s flags name them: the words of its errors.
FLAGS = {
    "start": "--start",
    "months": "--months",
    "max_gap_days": "--max-gap-days",
    "stay_days": "--stay-days",
    "country": "--country",
    "subdivision": "--subdivision",
    "working_days": "--working-days",
    "start_days": "--start-days",
}
#: At most this many subdivisions are listed when a subdivision is unknown.
_SHOWN_SUBDIVISIONS = 20


def _names(names: Mapping[str, str] | None) -> dict[str, str]:
    return {f: f for f in FLAGS} | dict(names or {})


def parse_weekdays(text: str) -> frozenset[int]:
    """``"mon-fri"``, ``"mon,wed,sat"`` or ``"all"`` as weekday numbers (0 = Monday); the
    parser a household's ``preferred_weekdays`` is read with too."""
    try:
        return weekdays.parse_weekdays(text)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def check_holidays(
    country: str | None,
    subdivision: str | None,
    day: dt.date,
    *,
    names: Mapping[str, str] | None = None,
) -> None:
    """Refuse an unknown country or subdivision (or a subdivision without a country)
    before anything is read, naming which one is unknown."""
    import holidays as holidays_lib

    from doorstep.engine.planning import public_holidays

    name = _names(names)
    c, s = name["country"], name["subdivision"]
    if country is None:
        if subdivision is not None:
            raise InvalidInput(f"{s} needs {c} (e.g. {c} US {s} CA)")
        return
    known = holidays_lib.list_supported_countries()
    if country not in known:
        hint = (
            f"; did you mean {country.upper()!r}?"
            if country.upper() in known
            else " (give an ISO 3166 code such as CN or US)"
        )
        raise InvalidInput(f"{c} {country!r} is not a country with known holidays{hint}")
    if subdivision is None:
        return
    try:
        public_holidays(country, day, day, subdivision=subdivision)
    except ValueError:
        subs = known[country]
        if not subs:
            raise InvalidInput(
                f"{s} {subdivision!r}: {country} has no subdivisions with holidays "
                f"of their own; leave {s} out"
            ) from None
        shown = ", ".join(subs[:_SHOWN_SUBDIVISIONS])
        if len(subs) > _SHOWN_SUBDIVISIONS:
            shown += f", ... ({len(subs)} in all)"
        raise InvalidInput(
            f"{s} {subdivision!r} is not a subdivision of {country}; give one of {shown}"
        ) from None


def check_horizon(
    start: dt.date,
    months: int,
    *,
    tail_days: int,
    history_days: int = 0,
    names: Mapping[str, str] | None = None,
) -> None:
    """Refuse a horizon whose days do not fit in dates: from ``history_days`` before the
    start (recorded visits read in database mode) to ``tail_days`` after its end (stays
    that start late in the horizon run past it)."""
    from doorstep.engine.planning import add_months

    name = _names(names)
    first, many = name["start"], name["months"]
    try:
        end = add_months(start, months)
        end + dt.timedelta(days=tail_days)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{first} {start} with {many} {months} runs past {dt.date.max}, the last day a "
            f"plan can reach; give an earlier {first} or fewer {many}"
        ) from None
    try:
        start - dt.timedelta(days=history_days)
    except OverflowError:
        raise InvalidInput(
            f"{first} {start} leaves no room for the {history_days} days of history read "
            f"before it (dates begin on {dt.date.min}); give a later {first}"
        ) from None


def engine_words(message: str, names: Mapping[str, str] | None = None) -> str:
    """An engine message with its parameter names as the caller names them."""
    for field in ("max_gap_days", "stay_days"):
        message = message.replace(field, _names(names)[field])
    return message


def area_settings(
    *,
    start: dt.date,
    today: dt.date,
    months: int = 12,
    max_gap_days: int | None = None,
    stay_days: int | None = None,
    cadence: Cadence | None = None,
    country: str | None = None,
    subdivision: str | None = None,
    staff_cap: float | None = None,
    min_away: int = 1,
    working_days: str = "all",
    start_days: str = "all",
    travel_km: float = 50.0,
    travel_days: int = 1,
    seed: int = 0,
    names: Mapping[str, str] | None = None,
) -> PlanSettings:
    """The settings of a plan of the database from ``start``, checked before anything is
    read (``names`` as the caller names them; default: the fields). A start before ``today``
    is refused: planned visits are what is to be done, none is written into days already
    past (a file-mode plan, a what-if, may start on any day). ``max_gap_days`` and
    ``stay_days`` not given are the programme's ``cadence`` (the caller reads it:
    :func:`~doorstep.services.cadence.programme_cadence`; none: the default)."""
    from doorstep.engine.planning import CadencePolicy

    cadence = cadence or Cadence()
    max_gap_days = cadence.max_gap_days if max_gap_days is None else max_gap_days
    stay_days = cadence.stay_days if stay_days is None else stay_days

    if start < today:
        raise InvalidInput(
            f"{_names(names)['start']} {start} is before today ({today}): plan from today or later"
        )
    check_holidays(country, subdivision, start, names=names)
    check_horizon(
        start,
        months,
        tail_days=stay_days + travel_days + 1,
        history_days=max_gap_days,
        names=names,
    )
    try:
        policy = CadencePolicy(
            max_gap_days=max_gap_days,
            stay_days=stay_days,
            start_weekdays=parse_weekdays(start_days),
        )
    except ValueError as exc:
        raise InvalidInput(engine_words(str(exc), names)) from None
    return PlanSettings(
        start=start,
        months=months,
        policy=policy,
        country=country,
        subdivision=subdivision,
        working_days=parse_weekdays(working_days),
        default_staff_cap=staff_cap,
        min_away=min_away,
        travel_km=travel_km,
        travel_days=travel_days,
        seed=seed,
    )


def summary_figures(summary: PlanSummary, settings: PlanSettings, seconds: float) -> dict[str, Any]:
    """The summary line of `doorstep plan --area` (its JSON last line): ``seconds`` is the
    caller's, the whole command or request."""
    return {
        "pairings": summary.pairings,
        "visits": summary.visits,
        "compliant_pairings": summary.compliant_pairings,
        "infeasible": summary.infeasible,
        "not_planned": summary.not_planned,
        "max_gap_days": settings.policy.max_gap_days,
        "seconds": round(seconds, 3),
    }
