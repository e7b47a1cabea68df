"""Requests made up from the spec (schemathesis) given the ids a programme really holds.

An id made up from ``/openapi.json`` alone almost never names a household, visitor,
pairing, proposal or referral, so a write made up so is answered "not found" and the code
behind a successful write is never fuzzed. :func:`realised` gives a made-up case's path,
query and body fields named like ids (``household``, ``visitor``, ``proposal`` ...) values
the programme holds, each with some probability (left made up otherwise, so that "not
found" is still sent); a visit's household, visitor and first day those of a visit it
planned, or a day of a pairing; a day a recent day (a made-up one is centuries away).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from hypothesis import strategies as st
from sqlalchemy import text

from doorstep.domain.enums import ConsentState
from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES
from doorstep.storage.session import make_engine

#: The values each field of these names takes in a programme, by the SQL that reads them.
#: ``name`` leaves out ``boss``, the account that sends the requests: disabled, it would
#: leave every later request refused.
_READ = {
    "household": "SELECT external_id FROM households ORDER BY external_id",
    "visitor": "SELECT external_id FROM visitors ORDER BY external_id",
    "area": "SELECT code FROM areas ORDER BY code",
    "proposal": "SELECT id FROM pairing_proposals ORDER BY id",
    "number": "SELECT id FROM referrals ORDER BY id",
    "activity": "SELECT code FROM activities ORDER BY code",
    "project": "SELECT code FROM projects ORDER BY code",
    "organisation": "SELECT code FROM organisations ORDER BY code",
    "team": "SELECT code FROM teams ORDER BY code",
    "name": "SELECT name FROM accounts WHERE name <> 'boss' ORDER BY name",
}
#: Fields that name what a field of ``_READ`` names.
_SAME = {
    "sponsor": "organisation",
    "organiser": "organisation",
    "actor": "name",
    "households": "household",
    "visitors": "visitor",
}
#: Planned visits begun by today: a visit may be recorded on one, or marked missed.
_PLANNED = (
    "SELECT h.external_id, v.external_id, vi.planned_start, vi.planned_end FROM visits vi"
    " JOIN households h ON h.id = vi.household_id JOIN visitors v ON v.id = vi.visitor_id"
    " WHERE vi.status = 'planned' AND vi.planned_start <= :today"
    " ORDER BY vi.planned_start, h.external_id"
)
#: Pairings holding today: a visit may be recorded on a day of one.
_PAIRED = (
    "SELECT h.external_id, v.external_id, p.started_on FROM pairings p"
    " JOIN households h ON h.id = p.household_id JOIN visitors v ON v.id = p.visitor_id"
    " WHERE p.ended_on IS NULL ORDER BY h.external_id, v.external_id"
)
#: Fields that take a day, given a recent day: a made-up day is almost always centuries
#: away, after today or before the act it follows.
_DAYS = frozenset({"on", "made_on", "starts_on", "ends_on", "since", "until", "as_of"})
#: How far back a recent day goes.
_RECENT = dt.timedelta(days=90)
#: Whether a field is given a real value: three in four are. Real comes first, as
#: hypothesis tries the first of a choice first (its simplest).
_REAL = st.sampled_from((True, True, True, False))

Visit = tuple[str, str, dt.date, dt.date]


@dataclass(frozen=True)
class RealIds:
    """What a programme holds as of ``today``: the values of each id-like field by its
    name, and visits it may be told of (household, visitor, first and last day): those
    planned and begun, and one on each recent day of a pairing."""

    values: dict[str, tuple[Any, ...]]
    planned: tuple[Visit, ...]
    paired: tuple[Visit, ...]
    today: dt.date


def real_ids(url: str, today: dt.date) -> RealIds:
    """The ids the programme in the database at ``url`` holds, as of ``today``."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            values = {f: tuple(r[0] for r in conn.execute(text(q))) for f, q in _READ.items()}
            planned = tuple(
                (h, v, _day(a), _day(z))
                for h, v, a, z in conn.execute(text(_PLANNED), {"today": today})
            )
            pairings = conn.execute(text(_PAIRED)).all()
    finally:
        engine.dispose()
    paired = tuple(
        (h, v, day, day)
        for h, v, since in pairings
        for n in range(_RECENT.days)
        if (day := today - dt.timedelta(days=n)) >= _day(since)
    )
    values["state"] = tuple(s.value for s in ConsentState)
    for field, same in _SAME.items():
        values[field] = values[same]
    return RealIds({f: v for f, v in values.items() if v}, planned, paired, today)


def _day(value: Any) -> dt.date:
    """A day as either database gives it (SQLite: text, PostgreSQL: a date)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def realised(case: schemathesis.Case, real: RealIds) -> st.SearchStrategy[schemathesis.Case]:
    """``case`` with its id-like fields given real values, each with some probability."""

    @st.composite
    def draw_case(draw: Callable[[st.SearchStrategy[Any]], Any]) -> schemathesis.Case:
        # A code in a path names an activity or a project, as the path says.
        code = "project" if case.path.startswith("/api/v1/projects") else "activity"
        values = real.values | ({"code": real.values[code]} if code in real.values else {})
        for fields in (case.path_parameters, case.query, case.body):
            if isinstance(fields, dict):
                _give(fields, values, real.today, draw)
        body = case.body
        if isinstance(body, dict) and {"household", "visitor", "start"} <= body.keys():
            # One missed was planned: every other one, so that the rest are left to be
            # recorded as made (the fuzz marks missed first). One made is mostly on another
            # day of its pairing.
            if case.path.endswith("/missed"):
                visits = real.planned[::2]
            else:
                visits = real.paired if draw(_REAL) else real.planned
            if visits and draw(_REAL):
                h, v, first, last = draw(st.sampled_from(visits))
                body.update(household=h, visitor=v, start=first.isoformat())
                if body.get("end") is not None:
                    body["end"] = last.isoformat()
        if isinstance(body, dict):
            for field, vocabulary in (("activities", ACTIVITIES), ("outcomes", OUTCOMES)):
                if body.get(field) is not None and draw(_REAL):
                    codes = st.sampled_from(vocabulary.codes)
                    body[field] = draw(st.lists(codes, max_size=2, unique=True))
        return case

    return draw_case()


def _give(
    fields: dict[str, Any],
    values: dict[str, tuple[Any, ...]],
    today: dt.date,
    draw: Callable[[st.SearchStrategy[Any]], Any],
) -> None:
    """Give each id-like field of ``fields`` a real value (a list of ids, real ids), and
    each day a recent day, each with some probability."""
    for field, given in fields.items():
        if field in _DAYS and isinstance(given, str) and draw(_REAL):
            fields[field] = draw(st.dates(today - _RECENT, today)).isoformat()
        elif field in values and draw(_REAL):
            real = st.sampled_from(values[field])
            fields[field] = draw(
                st.lists(real, min_size=1, max_size=3) if isinstance(given, list) else real
            )
