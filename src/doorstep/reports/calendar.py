"""Visits as calendars: one RFC 5545 iCalendar file per visitor, and a CSV of all visits.

The builders are pure (visits in, bytes or a frame out); ``write_*`` put them in files.
A visit is an all-day event: ``DTSTART`` is its first day and ``DTEND`` the day after its
last (RFC 5545 all-day ends are exclusive). Its UID is derived from household, visitor and
first day, so planning the same visit again gives the same UID.

A calendar app that imported an earlier file keeps its events until a later one changes
them by UID: a visit no longer planned is written again under its UID with
``STATUS:CANCELLED`` (and no household id or place), and a visit planned is
``STATUS:CONFIRMED``, so one planned again after it was cancelled shows again. A visit
recorded as made keeps the UID of the planned visit it took over, with the days it was made
on, so the phone updates it. Each event carries the ``SEQUENCE`` its caller gives for its UID
(0 if none): RFC 5545 (3.8.7.4) wants a revision of an event (other days, another status)
to carry a higher one, and phones may ignore one that does not.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from doorstep.domain.ids import file_stem
from doorstep.engine.planning import PlanResult, VisitRow

PRODID = "-//Doorstep//Visit planning//EN"
UID_DOMAIN = "doorstep.invalid"


# Control characters RFC 5545 TEXT may not hold (all but tab; line breaks are escaped first).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _escape(text: str) -> str:
    """RFC 5545 TEXT escaping (section 3.3.11): a line break of any kind becomes ``\\n`` and
    other control characters are dropped, so no value (an area's name) can break the line
    or start a property of its own."""
    text = (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )
    return _CONTROL.sub("", text)


def _fold(line: str) -> str:
    """Fold a content line to at most 75 octets per physical line (RFC 5545 section 3.1)."""
    if len(line) <= 75 and line.isascii():  # the common case, without encoding
        return line
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size, limit = ch, n, 74  # continuation lines start with a space
        else:
            current += ch
            size += n
    parts.append(current)
    return "\r\n ".join(parts)


@lru_cache(maxsize=4096)
def _ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _ends(first: date, last: date) -> str:
    """An all-day event's end: the day after ``last`` (``DTEND`` excludes it), or, for one
    lasting to the calendar's last day, which has no day after it, its ``DURATION``."""
    if last < date.max:
        return f"DTEND;VALUE=DATE:{_ymd(last + timedelta(days=1))}"
    return f"DURATION:P{(last - first).days + 1}D"


@lru_cache(maxsize=65536)
def _summary(title: str, household_id: str) -> str:
    return _fold(f"SUMMARY:{_escape(f'{title}: household {household_id}')}")


def visit_uid(household_id: str, visitor_id: str, start: date) -> str:
    """A stable UID for the visit of ``visitor_id`` to ``household_id`` starting ``start``."""
    digest = hashlib.sha256(f"{household_id}\x1f{visitor_id}\x1f{start.isoformat()}".encode())
    return f"{digest.hexdigest()[:32]}@{UID_DOMAIN}"


@dataclass(frozen=True)
class Cancelled:
    """An event to send cancelled: its UID and days (``last`` its last day), nothing more,
    as it may be of a household that withdrew or was erased."""

    uid: str
    start: date
    last: date


def visitor_ics(
    visitor_id: str,
    visits: Iterable[VisitRow],
    *,
    stamp: datetime,
    title: str = "Home visit",
    locations: Mapping[str, str] | None = None,
    cancelled: Iterable[Cancelled] = (),
    recorded: Iterable[tuple[VisitRow, date]] = (),
    sequence: Mapping[str, int] | None = None,
) -> bytes:
    """An iCalendar file (RFC 5545) with one all-day event per visit of one visitor.

    Parameters
    ----------
    visitor_id
        Whose calendar this is (named in ``X-WR-CALNAME``).
    visits
        The visitor's visits; ``end`` is the stay's last day.
    stamp
        ``DTSTAMP`` of every event: when the plan was made (UTC).
    title
        Start of each event's summary, followed by the household id.
    locations
        Each household's ``LOCATION`` (its area's name, where the visitor is going), if
        known; no more than that, as calendars are shared and synced beyond the programme.
    cancelled
        Visits an earlier file may have listed that are not to be made: each is an event
        with its UID and ``STATUS:CANCELLED``, its days and a neutral summary, naming
        neither household nor place (one that withdrew must not be named again).
    recorded
        Visits made, each with the first day its UID comes from: that of the planned visit
        it took over (an earlier file listed it so; its event now has the days it was made
        on), else its own first day. Listed before ``visits``.
    sequence
        Each event's ``SEQUENCE`` by UID (0 for one not in it): higher for each revision.
    """
    ts = stamp.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    seq = sequence or {}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(f'Visits of {visitor_id}')}",
    ]
    lines = [_fold(line) for line in lines]
    events = [*recorded, *((v, v.start) for v in visits)]
    for v, uid_start in events:
        uid = visit_uid(v.household_id, v.visitor_id, uid_start)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{ts}",
            f"SEQUENCE:{seq.get(uid, 0)}",
            f"DTSTART;VALUE=DATE:{_ymd(v.start)}",
            _ends(v.start, v.end),
            _summary(title, v.household_id),
            f"DESCRIPTION:Stay of {(v.end - v.start).days + 1} day(s)",
        ]
        where = locations.get(v.household_id) if locations else None
        if where:
            lines.append(_fold(f"LOCATION:{_escape(where)}"))
        lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
    for c in cancelled:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{c.uid}",
            f"DTSTAMP:{ts}",
            f"SEQUENCE:{seq.get(c.uid, 0)}",
            f"DTSTART;VALUE=DATE:{_ymd(c.start)}",
            _ends(c.start, c.last),
            _fold(f"SUMMARY:{_escape(f'Cancelled: {title.lower()}')}"),
            "STATUS:CANCELLED",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR\r\n")
    return "\r\n".join(lines).encode("utf-8")


def calendars_by_visitor(
    result: PlanResult, *, stamp: datetime, include_fixed: bool = False, every_visitor: bool = False
) -> Iterator[tuple[str, bytes]]:
    """``(visitor_id, ics bytes)`` for every visitor with at least one visit (with
    ``every_visitor``, for every visitor of the problem)."""
    by_visitor: dict[str, list[VisitRow]] = (
        {v: [] for v in result.problem.visitor_ids} if every_visitor else {}
    )
    for row in result.rows(include_fixed=include_fixed):
        by_visitor.setdefault(row.visitor_id, []).append(row)
    for visitor_id, rows in by_visitor.items():
        rows.sort(key=lambda r: (r.start, r.household_id))
        yield visitor_id, visitor_ics(visitor_id, rows, stamp=stamp)


def ics_filename(visitor_id: str) -> str:
    """A safe, unique file name for a visitor's calendar (:func:`file_stem`)."""
    return f"{file_stem(visitor_id)}.ics"


def visits_frame(result: PlanResult, *, include_fixed: bool = False) -> pl.DataFrame:
    """Visits as ``household_id,visitor_id,start,end`` (dates; ``end`` is the last day)."""
    pr, v = result.problem, result.visits
    keep = np.ones(len(v), np.bool_) if include_fixed else ~v.fixed
    p = v.pairing[keep]
    epoch = (pr.start - date(1970, 1, 1)).days
    households = pl.Series("household_id", pr.household_ids, dtype=pl.String)
    visitors = pl.Series("visitor_id", pr.visitor_ids, dtype=pl.String)
    return pl.DataFrame(
        {
            "household_id": households.gather(pr.pairing_household[p]),
            "visitor_id": visitors.gather(pr.pairing_visitor[p]),
            "start": pl.Series(v.start[keep] + epoch, dtype=pl.Int32).cast(pl.Date),
            "end": pl.Series(v.end[keep] + epoch, dtype=pl.Int32).cast(pl.Date),
        }
    ).sort("visitor_id", "start", "household_id")


def write_ics_dir(result: PlanResult, directory: Path, *, stamp: datetime | None = None) -> int:
    """Write one ``.ics`` per visitor of the problem into ``directory``, an empty one for a
    visitor with no visit (planned into the same folder again, an old calendar would keep
    visits that are no longer wanted); returns the number written."""
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    calendars = calendars_by_visitor(result, stamp=stamp or datetime.now(UTC), every_visitor=True)
    for visitor_id, data in calendars:
        (directory / ics_filename(visitor_id)).write_bytes(data)
        n += 1
    return n
