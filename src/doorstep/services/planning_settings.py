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
from doorstep.domain.days import check_not_too_early
from doorstep.errors import InvalidInput
from doorstep.say import Say, Value
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


def holiday_countries() -> list[str]:
    """The codes of the countries with known holidays, as :func:`check_holidays` takes them
    (ISO 3166's two letters and three)."""
    import holidays as holidays_lib

    return sorted(holidays_lib.list_supported_countries())


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
            raise InvalidInput(
                Say(
                    "%(subdivision)s needs %(country)s (e.g. %(country)s US %(subdivision)s CA)",
                    subdivision=s,
                    country=c,
                )
            )
        return
    known = holidays_lib.list_supported_countries()
    if country not in known:
        if country.upper() in known:
            raise InvalidInput(
                Say(
                    "%(name)s %(country)s is not a country with known holidays; did you mean "
                    "%(upper)s?",
                    name=c,
                    country=repr(country),
                    upper=repr(country.upper()),
                )
            )
        raise InvalidInput(
            Say(
                "%(name)s %(country)s is not a country with known holidays (give an ISO 3166 "
                "code such as CN or US)",
                name=c,
                country=repr(country),
            )
        )
    if subdivision is None:
        return
    try:
        public_holidays(country, day, day, subdivision=subdivision)
    except ValueError:
        subs = known[country]
        if not subs:
            raise InvalidInput(
                Say(
                    "%(name)s %(subdivision)s: %(country)s has no subdivisions with holidays "
                    "of their own; leave %(name)s out",
                    name=s,
                    subdivision=repr(subdivision),
                    country=country,
                )
            ) from None
        shown: Value = ", ".join(subs[:_SHOWN_SUBDIVISIONS])
        if len(subs) > _SHOWN_SUBDIVISIONS:
            shown = Say("%(shown)s, ... (%(n)s in all)", shown=shown, n=len(subs))
        raise InvalidInput(
            Say(
                "%(name)s %(subdivision)s is not a subdivision of %(country)s; give one of "
                "%(shown)s",
                name=s,
                subdivision=repr(subdivision),
                country=country,
                shown=shown,
            )
        ) from None


def check_horizon(
    start: dt.date,
    months: int,
    *,
    tail_days: int,
    history_days: int = 0,
    names: Mapping[str, str] | None = None,
) -> None:
    """Refuse a start before the first day a record may hold, and a horizon whose days do
    not fit in dates: from ``history_days`` before the start (recorded visits read in
    database mode) to ``tail_days`` after its end (stays that start late in the horizon
    run past it)."""
    from doorstep.engine.planning import add_months

    name = _names(names)
    first, many = name["start"], name["months"]
    check_not_too_early(start, first)
    try:
        end = add_months(start, months)
        end + dt.timedelta(days=tail_days)
    except (ValueError, OverflowError):
        raise InvalidInput(
            Say(
                "%(first)s %(start)s with %(many)s %(months)s runs past %(last)s, the last day "
                "a plan can reach; give an earlier %(first)s or fewer %(many)s",
                first=first,
                start=start,
                many=many,
                months=months,
                last=dt.date.max,
            )
        ) from None
    try:
        start - dt.timedelta(days=history_days)
    except OverflowError:
        raise InvalidInput(
            Say(
                "%(first)s %(start)s leaves no room for the %(days)s days of history read "
                "before it (dates begin on %(day_one)s); give a later %(first)s",
                first=first,
                start=start,
                days=history_days,
                day_one=dt.date.min,
            )
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
            Say(
                "%(name)s %(start)s is before today (%(today)s): plan from today or later",
                name=_names(names)["start"],
                start=start,
                today=today,
            )
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
