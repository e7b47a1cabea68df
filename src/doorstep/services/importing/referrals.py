"""Importing referrals: those a programme kept before Doorstep, or a partner organisation's
answers (accepted, completed, declined) sent back as a file.

A row is a referral of a household to an organisation for a service on a day. It finds its
stored referral by its number (``referral``, as `doorstep export referrals` writes it), or
else by household, organisation, service and day: imported again, a file changes nothing,
and an export imported back is no change. A new referral needs the household's consent
given, as `doorstep referral add` does. A stored one keeps its household, organisation,
service, day and visitor; its status moves on as `doorstep referral status` moves it (never
back, never from a final status, on a day not before its current one), and an empty status
keeps it. No day is after today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.orm import Session

from doorstep import remedies
from doorstep.domain.enums import ConsentState, ReferralStatus
from doorstep.say import Code, Say
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.programme import _ids
from doorstep.services.importing.validate import ROW
from doorstep.services.referrals import NEXT, TABLE
from doorstep.storage.repositories import bulk, household_data, visitor_data
from doorstep.storage.repositories.visit_records import _day as as_day
from doorstep.storage.tables import Referral


@dataclass
class Loaded:
    """What an import of referrals wrote, and the audit events it owes: ``(action, id,
    detail)`` under each household and under each visitor who made a new referral."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    visitor_events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Stored:
    id: int
    household: int
    organisation: int
    service: str
    made_on: dt.date
    visitor: int | None
    status: str
    status_on: dt.date

    @property
    def key(self) -> tuple[int, int, str, dt.date]:
        """What finds it when a row gives no number: household, organisation, service, day."""
        return (self.household, self.organisation, self.service, self.made_on)


def load_referrals(
    session: Session, frame: pl.DataFrame, cell: pl.DataFrame, *, today: dt.date
) -> Loaded | list[RowError]:
    """Check every row against the database, then write them all, or none and the errors.
    ``cell`` holds each row's cells as the file has them (for the errors)."""
    conn = session.connection()
    bulk.lock_for_import(conn, [TABLE])
    households = frame["household_id"].drop_nulls().unique().to_list()
    visitors = (
        frame["visitor_id"].drop_nulls().unique().to_list() if "visitor_id" in frame.columns else []
    )
    hid = _ids(conn, "households", households)
    vid = _ids(conn, "visitors", visitors)
    gone_h = household_data.erased_ids(conn, [h for h in households if h not in hid])
    gone_v = visitor_data.erased_ids(conn) & set(vid)
    orgs = {str(c): int(i) for c, i in bulk.key_map(conn, "organisations", "code").iter_rows()}
    consent = _consent(conn, list(hid.values()))
    stored = _stored(conn, list(hid.values()))
    by_key: dict[tuple[int, int, str, dt.date], list[_Stored]] = {}
    for s in stored.values():
        by_key.setdefault(s.key, []).append(s)

    errors: list[RowError] = []
    new: list[dict[str, Any]] = []
    moved: list[tuple[_Stored, str, str, dt.date]] = []
    unchanged = 0
    numbers: dict[int, int] = {}
    cells = cell.to_dicts()
    for r, raw in zip(frame.to_dicts(), cells, strict=True):
        row = int(r[ROW])

        def fail(column: str, reason: Say, row: int = row, raw: dict[str, Any] = raw) -> None:
            errors.append(RowError.said(row, column, raw.get(column) or "", reason))

        household, made_on = r["household_id"], r["made_on"]
        status, status_on = r.get("status"), r.get("status_on")
        visitor, number = r.get("visitor_id"), r.get("referral")
        if household in gone_h:
            fail("household_id", Say("is the id of an erased household: there is no one to refer"))
            continue
        if household not in hid:
            fail("household_id", Say("unknown household; import the households first"))
            continue
        if visitor is not None and visitor in gone_v:
            fail("visitor_id", Say("is the id of an erased visitor"))
            continue
        if visitor is not None and visitor not in vid:
            fail("visitor_id", Say("unknown visitor; import the visitors first"))
            continue
        if made_on > today:
            fail(
                "made_on",
                Say(
                    "is after today (%(today)s): record a referral on the day it is made",
                    today=today,
                ),
            )
            continue
        if status_on is not None and status_on > today:
            fail(
                "status_on",
                Say(
                    "is after today (%(today)s): record a status on the day it is taken",
                    today=today,
                ),
            )
            continue
        key = (hid[household], orgs[r["organisation_code"]], r["service"], made_on)
        if number is not None:
            if number in numbers:
                fail(
                    "referral",
                    Say("is in the file twice: first in row %(row)s", row=numbers[number]),
                )
                continue
            numbers[number] = row
            found = stored.get(number)
            if found is None or found.key != key:
                fail(
                    "referral",
                    Say(
                        "is not the number of a referral of this household to this "
                        "organisation for this service on this day; leave it empty for a new "
                        "referral"
                    ),
                )
                continue
        else:
            matches = by_key.get(key, [])
            if len(matches) > 1:
                fail(
                    "referral",
                    Say(
                        "%(n)s referrals of this household to this organisation for this "
                        "service were made that day: give the number of the one meant "
                        "(%(where)s)",
                        n=len(matches),
                        where=remedies.listed(
                            "referrals", "`doorstep export referrals` writes them"
                        ),
                    ),
                )
                continue
            found = matches[0] if matches else None
        if found is None:
            if consent.get(hid[household]) != ConsentState.GIVEN.value:
                fail(
                    "household_id",
                    Say("the household's consent is not given: it cannot be referred"),
                )
                continue
            status = status or ReferralStatus.OPEN.value
            if status == ReferralStatus.OPEN.value:
                if status_on is not None and status_on != made_on:
                    fail(
                        "status_on",
                        Say("an open referral's day is the day it was made (made_on)"),
                    )
                    continue
                status_on = made_on
            elif status_on is None:
                fail("status_on", _no_day(status))
                continue
            elif status_on < made_on:
                fail(
                    "status_on",
                    Say("is before the referral was made (%(day)s)", day=made_on),
                )
                continue
            new.append(
                {
                    "household_id": key[0],
                    "organisation_id": key[1],
                    "service": key[2],
                    "made_on": made_on,
                    "visitor_id": None if visitor is None else vid[visitor],
                    "status": status,
                    "status_on": status_on,
                    "_household": household,
                    "_visitor": visitor,
                    "_organisation": r["organisation_code"],
                }
            )
            continue
        if visitor is not None and vid[visitor] != found.visitor:
            fail(
                "visitor_id",
                Say("is not the visitor who made this referral: that does not change"),
            )
            continue
        if status is None or (status == found.status and status_on in (None, found.status_on)):
            unchanged += 1
            continue
        if status == found.status:
            fail(
                "status_on",
                Say(
                    "the referral has been %(status)s since %(day)s",
                    status=Code(status),
                    day=found.status_on,
                ),
            )
            continue
        if status not in NEXT[ReferralStatus(found.status)]:
            fail(
                "status",
                Say(
                    "the referral is %(was)s: it cannot become %(status)s",
                    was=Code(found.status),
                    status=Code(status),
                )
                if NEXT[ReferralStatus(found.status)]
                else Say(
                    "the referral is %(was)s for good: it cannot become %(status)s",
                    was=Code(found.status),
                    status=Code(status),
                ),
            )
            continue
        if status_on is None:
            fail("status_on", _no_day(status))
            continue
        if status_on < found.status_on:
            fail(
                "status_on",
                Say(
                    "is before the day it became %(status)s (%(day)s)",
                    status=Code(found.status),
                    day=found.status_on,
                ),
            )
            continue
        moved.append((found, household, status, status_on))
    if errors:
        return errors
    return _write(session, new, moved, unchanged)


def _no_day(status: str) -> Say:
    """Why a status without its day is refused."""
    return Say("is empty: give the day the referral became %(status)s", status=Code(status))


def _write(
    session: Session,
    new: list[dict[str, Any]],
    moved: list[tuple[_Stored, str, str, dt.date]],
    unchanged: int,
) -> Loaded:
    """Write the new referrals and the moved statuses (each with its household's id);
    the events they owe."""
    out = Loaded(created=len(new), updated=len(moved), unchanged=unchanged)
    if new:
        values = [{k: v for k, v in d.items() if not k.startswith("_")} for d in new]
        ids = session.scalars(
            insert(Referral).returning(Referral.id, sort_by_parameter_order=True), values
        ).all()
        for number, d in zip(ids, new, strict=True):
            detail = {
                "table": TABLE,
                "referral": number,
                "organisation": d["_organisation"],
                "service": d["service"],
                "made_on": d["made_on"].isoformat(),
                "status": d["status"],
            }
            out.events.append(("create", d["_household"], detail))
            if d["_visitor"] is not None:
                out.visitor_events.append(
                    ("create", d["_visitor"], {**detail, "household": d["_household"]})
                )
    if moved:
        session.execute(
            update(Referral),
            [{"id": s.id, "status": st, "status_on": on} for s, _, st, on in moved],
        )
        for s, household, st, on in moved:
            out.events.append(
                (
                    "update",
                    household,
                    {
                        "table": TABLE,
                        "referral": s.id,
                        "status": st,
                        "was": s.status,
                        "on": on.isoformat(),
                    },
                )
            )
    return out


def _chunks(ids: list[int]) -> list[list[int]]:
    wanted = sorted(set(ids))
    return [wanted[at : at + 1000] for at in range(0, len(wanted), 1000)]


def _consent(conn: Any, household_ids: list[int]) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    query = text("SELECT id, consent_state FROM households WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    for part in _chunks(household_ids):
        out.update({int(i): s for i, s in conn.execute(query, {"ids": part})})
    return out


def _stored(conn: Any, household_ids: list[int]) -> dict[int, _Stored]:
    """The stored referrals of these households, by number."""
    out: dict[int, _Stored] = {}
    query = text(
        "SELECT id, household_id, organisation_id, service, made_on, visitor_id, status, "
        "status_on FROM referrals WHERE household_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    for part in _chunks(household_ids):
        for r in conn.execute(query, {"ids": part}):
            out[int(r[0])] = _Stored(
                int(r[0]),
                int(r[1]),
                int(r[2]),
                str(r[3]),
                as_day(r[4]),
                None if r[5] is None else int(r[5]),
                str(r[6]),
                as_day(r[7]),
            )
    return out
