"""Requests made up from the spec (schemathesis) given the ids a programme really holds.

An id made up from ``/openapi.json`` alone almost never names a household, visitor,
pairing, proposal or referral, so a write made up so is answered "not found" and the code
behind a successful write is never fuzzed. :func:`realised` gives a made-up case's path,
query and body fields named like ids (``household``, ``visitor``, ``proposal`` ...) values
the programme holds, each with some probability (left made up otherwise, so that "not
found" is still sent); a visit's household, visitor and first day those of a visit it
planned, or a day of a pairing; a day a recent day (a made-up one is centuries away).

Writes that a real id alone does not get past are helped too: what a ``POST`` to a
collection makes (an account, an activity, a project) a new name or code, an account a
role and what the role needs, a last day on or after the first; a proposal discarded an
open one; an erasure its ``confirm`` (the id erased again); an import an entity and a small
file of its rows on this programme (:func:`upload`); a visit a device's id, so that it is
sent again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from hypothesis import strategies as st
from sqlalchemy import text

from doorstep.domain.enums import ConsentState
from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES
from doorstep.services.accounts import ROLES
from doorstep.services.importing import IMPORTS
from doorstep.storage.session import make_engine
from tests.factories.busy_writer import import_files

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
    # Those a discard may take (every other one, so that the rest are left to be
    # committed); no field has this name.
    "open proposal": "SELECT id FROM pairing_proposals WHERE status = 'open' ORDER BY id",
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
#: The operations that make what their body's ``code`` or ``name`` names: a new one, or
#: it is refused as made already.
_MAKES = frozenset({"/api/v1/accounts", "/api/v1/activities", "/api/v1/projects"})
#: The entities an import may replace from today on (``replace``).
_REPLACED = frozenset({"leave", "blackouts"})
#: The new names and codes given (unique in a run: each is made at most once).
_NEW = itertools.count()
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
    files: dict[str, bytes]


def real_ids(url: str, today: dt.date, first: dt.date) -> RealIds:
    """The ids the programme in the database at ``url`` holds, as of ``today``; ``first``:
    H0's first planned day (:func:`~tests.factories.busy_writer.build_programme`), on which
    its files to import put a visit, leave and a blackout."""
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
    values["role"] = tuple(ROLES)
    values["entity"] = tuple(IMPORTS)  # an import's; the trail's filter takes some too
    for field, same in _SAME.items():
        values[field] = values[same]
    files = {e: _csv(*rows) for e, rows in import_files(first.isoformat()).items()}
    return RealIds({f: v for f, v in values.items() if v}, planned, paired, today, files)


def _csv(header: list[str], rows: list[Any]) -> bytes:
    """A CSV file of ``header`` and ``rows``, as an upload's bytes."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:  # a row as its cells, or by its columns' names (a missing one empty)
        writer.writerow([row.get(h, "") for h in header] if isinstance(row, dict) else row)
    return out.getvalue().encode()


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
        if case.path.endswith("/discard"):
            values = _without(values, "proposal") | _some("proposal", real.values, "open proposal")
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
            _helped(case, body, real, draw)
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


def _without(values: dict[str, tuple[Any, ...]], field: str) -> dict[str, tuple[Any, ...]]:
    return {f: v for f, v in values.items() if f != field}


def _some(field: str, values: dict[str, tuple[Any, ...]], read: str) -> dict[str, tuple[Any, ...]]:
    """``field`` given every other value read as ``read`` (none, where none is read)."""
    some = values.get(read, ())[::2]
    return {field: some} if some else {}


def _helped(
    case: schemathesis.Case,
    body: dict[str, Any],
    real: RealIds,
    draw: Callable[[st.SearchStrategy[Any]], Any],
) -> None:
    """Help ``case``'s write past what a real id alone does not get it past, each with some
    probability: what it makes is new, an account's role has what it needs, its last day
    is not before its first, an erasure is confirmed, an upload is a file of its entity's
    rows, a visit has its device's id (and so is sent again)."""
    if case.method.upper() == "POST" and case.path in _MAKES:
        for field in ("code", "name"):
            if field in body and draw(_REAL):
                body[field] = f"FZ{next(_NEW)}"
    if case.path == "/api/v1/accounts" and body.get("role") in ROLES and draw(_REAL):
        _fit_role(body, real, draw)
    starts, ends = body.get("starts_on"), body.get("ends_on")
    if isinstance(starts, str) and isinstance(ends, str) and ends < starts and draw(_REAL):
        body.update(starts_on=ends, ends_on=starts)
    if case.path.endswith("/erase") and case.path_parameters and draw(_REAL):
        # Erasure is fuzzed last (the test's order): nothing after it misses what it erases.
        body["confirm"] = next(iter(case.path_parameters.values()))
    if case.path == "/api/v1/visits" and draw(_REAL):
        body["visit_id"] = f"phone-fz{next(_NEW)}"
    entity = (case.path_parameters or {}).get("entity")
    if case.path.startswith("/api/v1/imports/") and entity in real.files and draw(_REAL):
        # Mostly a file of its own entity's rows; else another's, refused row by row.
        sent = entity if draw(_REAL) else draw(st.sampled_from(sorted(real.files)))
        body.clear()
        body["file"] = real.files[sent]
        if isinstance(case.query, dict) and sent not in _REPLACED:
            case.query.pop("replace", None)  # refused for any other entity


def _fit_role(
    body: dict[str, Any], real: RealIds, draw: Callable[[st.SearchStrategy[Any]], Any]
) -> None:
    """An account's area and visitor as its role needs: a coordinator's an area, a visitor's
    account a visitor and no area, a manager's no visitor."""
    role = body["role"]
    if role == "visitor":
        body["area"] = None
        if "visitor" in real.values:
            body["visitor"] = draw(st.sampled_from(real.values["visitor"]))
        return
    body["visitor"] = None
    if role == "coordinator" and body.get("area") is None and "area" in real.values:
        body["area"] = draw(st.sampled_from(real.values["area"]))


def upload(case: schemathesis.Case, real: RealIds) -> dict[str, Any]:
    """The transport's arguments that send ``case``'s file, where it is one of ``real``'s,
    under its entity's name with the suffix that says how it is read (``visits.csv``):
    schemathesis names a file part ``file``, without one, which an import refuses."""
    body = case.body
    sent = body.get("file") if isinstance(body, dict) else None
    named = {content: entity for entity, content in real.files.items()}
    if not isinstance(sent, bytes) or sent not in named:
        return {}
    return {"files": [("file", (f"{named[sent]}.csv", sent))]}
