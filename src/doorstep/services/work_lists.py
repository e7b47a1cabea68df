"""A coordinator's work lists (due, overdue, upcoming), measured as the planner measures.

Kept apart from :mod:`.planning`, which writes the plan: a list only reads, and records
whose data it showed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from doorstep.domain.days import shifted
from doorstep.domain.work_lists import DEFAULT_DAYS, KINDS
from doorstep.privacy.audit import record_event, record_events, record_household_events
from doorstep.say import Said, Say
from doorstep.services import list_pages
from doorstep.services.cadence import clock_starts, gap_days
from doorstep.services.list_pages import Key, Page
from doorstep.storage.repositories import lookups
from doorstep.storage.repositories import pairing as pairing_repo
from doorstep.storage.repositories import referrals as referrals_repo
from doorstep.storage.repositories import visits as repo

#: The columns of each list's rows, in the order every front door shows them.
COLUMNS = {
    "upcoming": (
        "start",
        "end_day",
        "visitor",
        "visitor_name",
        "household",
        "head_name",
        "area",
        "referral_open_since",
    ),
    "due": (
        "deadline",
        "days_left",
        "visitor",
        "visitor_name",
        "status",
        "household",
        "head_name",
        "area",
        "last_visit",
        "under_way",
        "next_planned",
        "next_visitor",
        "referral_open_since",
    ),
}
COLUMNS["overdue"] = COLUMNS["due"]
COLUMNS["unrecorded"] = COLUMNS["upcoming"]
#: The columns that hold a day, and the one that holds a number: a list's workbook keeps
#: them as dates and a number (:mod:`.list_xlsx`); every other column is text.
DAY_COLUMNS = frozenset(
    {"start", "end_day", "deadline", "last_visit", "under_way", "next_planned"}
    | {"referral_open_since"}
)
NUMBER_COLUMNS = frozenset({"days_left"})


def work_list(
    session: Session,
    kind: str,
    *,
    actor: str,
    today: dt.date,
    max_gap_days: int | None = None,
    days: int | None = None,
    visitor: str | None = None,
    team: str | None = None,
    area: str | None = None,
) -> list[dict[str, Any]]:
    """The whole of a work list (see :func:`work_list_page`), as the command line shows it."""
    return work_list_page(
        session,
        kind,
        actor=actor,
        today=today,
        max_gap_days=max_gap_days,
        days=days,
        visitor=visitor,
        team=team,
        area=area,
    ).rows


def work_list_page(
    session: Session,
    kind: str,
    *,
    actor: str,
    today: dt.date,
    max_gap_days: int | None = None,
    days: int | None = None,
    visitor: str | None = None,
    team: str | None = None,
    area: str | None = None,
    limit: int | None = None,
    after: Key | None = None,
) -> Page:
    """A page of a coordinator's list of households: ``due``, ``overdue`` or ``upcoming``
    visits; the ``limit`` rows after the key ``after`` (:mod:`.list_pages`), all of them
    without a limit. Only the page's households and visitors are read in the trail: the
    rest of the list was not shown.

    Due and overdue are measured per household, as the planner measures them: from its
    last recorded visit by any visitor, or the first day of a planned stay of it under way
    ``today`` (``under_way``: it is being visited, and recorded only once the stay is
    over; the planner too counts it as the household's last visit), else from the first
    day of its uninterrupted run of pairings (``clock_starts``: a household handed to
    another visitor before its first visit is as due as before); the deadline is that day
    plus ``max_gap_days`` (default: the programme's cadence, :mod:`.cadence`). A pairing
    still open after its visitor left is listed with the status ``visitor left on <last
    day>``: the household still needs its visits, and a new
    visitor (unless another open pairing gives it one who has not left: it is then listed
    once, on that pairing's row). One whose pair was excluded since is listed with the
    status ``pair excluded: a new visitor is needed``: its visitor is not to go there again,
    and the household needs its visits from the visitor the next pairing commit gives it.
    Each row's ``next_planned`` is the household's next planned visit, whoever is to make
    it (``next_visitor``): handed to an incoming visitor, that visitor's. Upcoming lists the
    planned visits starting within ``days`` (today and the ``days`` after it, as due lists
    deadlines up to ``days`` away). Unrecorded lists the planned visits over by ``today``
    that started within the ``days`` before it and were neither recorded as made nor
    marked missed, the oldest first: whether each was made is not known, and the household's
    deadline runs from its last visit recorded. Every row's ``referral_open_since`` is the day the
    household's oldest referral still open or accepted was made (none: nothing to follow
    up), for the visitor to ask about at the door. ``days`` defaults to the list's own
    (:data:`DEFAULT_DAYS`).
    """
    if kind not in KINDS:
        raise ValueError(kind)
    days = DEFAULT_DAYS[kind] if days is None else days
    conn = session.connection()
    max_gap_days = gap_days(conn, max_gap_days)
    path = pairing_repo.area_by_code(conn, area)[1] if area else None
    if visitor:
        lookups.visitor_by_external_id(conn, visitor)
    if team:
        lookups.team_by_code(conn, team)
    if kind == "upcoming":
        last = shifted(today, days)
        rows = repo.upcoming_visits(
            conn,
            today=today,
            # Up to the calendar's last day, when the window reaches it: no day follows.
            until=None if last == dt.date.max else last + dt.timedelta(days=1),
            visitor=visitor,
            team=team,
            area_path=path,
        )
    elif kind == "unrecorded":
        rows = repo.upcoming_visits(
            conn,
            today=shifted(today, -days),
            until=today,
            visitor=visitor,
            team=team,
            area_path=path,
            over_before=today,
        )
    else:
        pairings = repo.open_pairings(conn, today=today, visitor=visitor, team=team, area_path=path)
        rows = _deadlines(conn, pairings, today, max_gap_days)
        # Within ``days``: a deadline ``days`` away (its row says "days left N") is listed.
        until = shifted(today, days)
        rows = [
            r
            for r in rows
            if (r["deadline"] < today if kind == "overdue" else today <= r["deadline"] <= until)
        ]
    # The lists' one order (:data:`.list_pages.Key`), the same on either database.
    keyed = sorted(((_key(kind, r), r) for r in rows), key=lambda kr: kr[0])
    page = list_pages.cut(keyed, after, limit)
    rows = page.rows
    shown = pl.Series([r.pop("household_id") for r in rows], dtype=pl.Int64)
    # What to ask about at the door: the household's oldest referral not yet answered for
    # good (open or accepted), read for the page's households only.
    since = referrals_repo.open_since(conn, shown, today)
    for household_id, r in zip(shown.to_list(), rows, strict=True):
        r["referral_open_since"] = since.get(household_id)
    record_event(
        session,
        actor=actor,
        action="read",
        entity="visits",
        detail={
            "list": kind,
            "rows": len(rows),
            # A page: where it began in the list, and how many rows the list had.
            **({"start": page.start, "total": page.total} if limit is not None else {}),
            "visitor": visitor,
            "team": team,
            "area": area,
            # The filters that chose the rows, as they were applied: the same options on
            # another day, or with another cadence, list other households.
            "today": today.isoformat(),
            **({"days": days} if kind != "overdue" else {}),
            **({"max_gap_days": max_gap_days} if kind in ("due", "overdue") else {}),
        },
    )
    # Whose data the list showed: once each, however many of its visits are listed.
    record_household_events(
        session, actor=actor, action="read", household_ids=shown, detail={"list": kind}
    )
    # And the visitors it showed (ids, names), once each, under their ids: a list of an
    # area or a team names none of them in its own event, and their exports must list it
    # (a list drawn for a visitor names them: it shows another only as a next visitor).
    shows = {r[c] for r in rows for c in ("visitor", "next_visitor") if r.get(c)}
    visitors = sorted(shows - {visitor})
    record_events(
        session,
        actor=actor,
        entity="visitor",
        events=[("read", v, {"list": kind}) for v in visitors],
    )
    return page


def _key(kind: str, row: dict[str, Any]) -> Key:
    """The row's place in its list, its pairing's or visit's id taken off the row (an id
    of the database's, not one the programme uses)."""
    day, row_id = (
        (row["start"], row.pop("visit_id"))
        if kind in ("upcoming", "unrecorded")
        else (row["deadline"], row.pop("pairing_id"))
    )
    return day, row["visitor"], row["household"], row_id


#: A work list row's status for a pairing whose pair was excluded since it was made.
EXCLUDED_STATUS = Said(Say("pair excluded: a new visitor is needed"))


def _deadlines(
    conn: Connection, rows: list[dict[str, Any]], today: dt.date, max_gap_days: int
) -> list[dict[str, Any]]:
    """The open pairings with their deadline, days left and status (the pairing's id kept
    for the list's order, the household's for the audit)."""
    unvisited = sorted(
        {r["household_id"] for r in rows if r["last_visit"] is None and r["under_way"] is None}
    )
    clocks = clock_starts(repo.household_pairings(conn, unvisited))
    clock = dict(zip(clocks["id"].to_list(), clocks["clock_from"].to_list(), strict=True))
    out = []
    for r in rows:
        visited = [d for d in (r["last_visit"], r["under_way"]) if d is not None]
        anchor = max(visited) if visited else clock.get(r["pairing_id"], r["started_on"])
        begins, left = r.pop("visitor_from"), r.pop("visitor_to")
        r["status"] = (
            EXCLUDED_STATUS
            if r.pop("excluded")
            else Said(Say("visitor left on %(day)s", day=left))
            if left is not None and left < today
            else Said(Say("visitor starts on %(day)s", day=begins))
            if begins is not None and begins > today
            else ""
        )
        # A deadline past the calendar's last day is as far as it can be told: that day.
        r["deadline"] = shifted(anchor, max_gap_days)
        r["days_left"] = (r["deadline"] - today).days
        out.append(r)
    return out


def due_rows(
    conn: Connection,
    today: dt.date,
    max_gap_days: int,
    *,
    visitor: str | None = None,
    area_path: str | None = None,
    household_id: int | None = None,
) -> list[dict[str, Any]]:
    """The due list's rows of one household (database id) or of a visitor's households
    (within ``area_path``, if given), whatever their deadline, in the list's order: one
    per open pairing the list would show (none for a household that does not consent
    today), with the deadline, days left and status measured as :func:`work_list_page`
    measures them. The case files' cadence."""
    pairings = repo.open_pairings(
        conn,
        today=today,
        visitor=visitor,
        team=None,
        area_path=area_path,
        household_id=household_id,
    )
    keyed = sorted(
        ((_key("due", r), r) for r in _deadlines(conn, pairings, today, max_gap_days)),
        key=lambda kr: kr[0],
    )
    return [r for _, r in keyed]
