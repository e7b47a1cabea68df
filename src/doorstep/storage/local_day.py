"""The local day of a stored moment, in SQL: the date its moment falls on where the process
runs, as ``dt.date.today()`` (every command's and request's ``today`` by default) reads the
day there.

The moments (``created_at``, ``updated_at``) are kept in UTC; their UTC day is the next one
for a household written in the evening on a machine behind UTC, and the day before for one
written in the morning ahead of it. SQLite runs in this process and converts with its
``localtime`` modifier, through the C library's time zone (the ``TZ`` environment variable,
else the system's), as Python's ``today`` does. PostgreSQL converts in its session's time
zone (the server's, not this process's), so the process's zone is spelt in the SQL, in the
first of these ways the server takes as that zone:

1. its name in the zone database (the ``TZ`` variable's zone, else the one
   ``/etc/localtime`` links to, as the C library reads them), where Python knows the name
   and the server does too (``pg_timezone_names``) and does not read it as one of its
   abbreviations (``pg_timezone_abbrevs``: the server reads ``CET`` as a fixed UTC+1, where
   the zone ``CET`` keeps summer time). Exact on every day, as far as the two zone
   databases agree;
2. its POSIX rule: ``TZ`` itself where it is one (``CST-8``, or ``XST8XDT,M3.2.0,M11.1.0``
   with summer time), else the rule at the end of the zone's file (where the name is one
   the server lacks: a newer Python zone database, say). Exact for every moment since the
   zone's rules last changed, summer time included; a moment before that is converted by
   today's rules;
3. else (a rule the server refuses, or a file without one) this moment's offset from UTC,
   which is exact for a zone without summer time; with summer time, a moment of the other
   season is an hour off, so its day is wrong in the hour around midnight.

The server is asked once per engine whether it takes a name or a rule, and never sees one
it does not: the SQL does not fail for want of a zone.
"""

from __future__ import annotations

import os
import time
import weakref
import zoneinfo

from sqlalchemy import Connection, Engine, exc, text

_ZONEINFO = "zoneinfo/"
#: Where the C library looks for a relative ``TZ`` zone file without ``TZDIR``.
_TZDIR = "/usr/share/zoneinfo"

#: Per engine, whether its server takes a spelling (a zone's name or a POSIX rule) as the
#: zone this process means.
_TAKEN: weakref.WeakKeyDictionary[Engine, dict[str, bool]] = weakref.WeakKeyDictionary()


def local_day(conn: Connection, moment: str) -> str:
    """SQL for the local date (:mod:`doorstep.storage.local_day`) of the UTC moment
    ``moment`` (an SQL expression), on the database ``conn`` is connected to."""
    if conn.dialect.name == "sqlite":
        return f"date({moment}, 'localtime')"
    return f"CAST(({moment}) AT TIME ZONE {_zone_sql(conn)} AS DATE)"


def zone_name() -> str | None:
    """The process's time zone by its name in the zone database, as the C library reads
    it (``None``: it names none Python knows)."""
    tz = os.environ.get("TZ")
    if tz is not None:
        key = tz.removeprefix(":")
    else:
        try:
            key = os.path.realpath("/etc/localtime")
        except OSError:
            return None
    if _ZONEINFO in key:
        key = key.split(_ZONEINFO, 1)[1]
    try:
        zoneinfo.ZoneInfo(key)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None
    return key


def posix_rule() -> str | None:
    """The process's time zone as a POSIX rule, as the C library reads it: the rule at the
    end of the zone file ``TZ`` names (or ``/etc/localtime`` without ``TZ``), else ``TZ``
    itself (``CST-8``); ``None`` where there is none (``TZ`` empty, a file without a
    rule)."""
    tz = os.environ.get("TZ")
    if tz is None:
        path = "/etc/localtime"
    else:
        key = tz.removeprefix(":")
        path = key if os.path.isabs(key) else os.path.join(os.environ.get("TZDIR", _TZDIR), key)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except (OSError, ValueError):
        data = b""
    if data.startswith(b"TZif"):
        # Version 2 on ends with the rule for moments after its last transition, between
        # two newlines (empty where no rule says them); version 1 has none.
        if data[4:5] < b"2" or not data.endswith(b"\n"):
            return None
        return data[:-1].rsplit(b"\n", 1)[1].decode("ascii", "replace") or None
    if tz is None or not tz or tz.startswith(":"):
        return None
    return tz


def _zone_sql(conn: Connection) -> str:
    """The process's time zone as PostgreSQL's ``AT TIME ZONE`` takes it: a quoted name or
    rule the server takes, else an interval east of UTC."""
    name = zone_name()
    if name is not None and _taken(conn, name, _NAME_CHECK):
        return _quoted(name)
    rule = posix_rule()
    if rule is not None and _taken(conn, rule, _RULE_CHECK):
        return _quoted(rule)
    return f"INTERVAL '{time.localtime().tm_gmtoff} seconds'"


#: A zone's name the server holds, and does not read first as an abbreviation (it looks
#: names up in its abbreviations before its zones, both in any case).
_NAME_CHECK = """SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE lower(name) = lower(:z))
                    AND NOT EXISTS (SELECT 1 FROM pg_timezone_abbrevs
                                    WHERE lower(abbrev) = lower(:z))"""
#: A rule the server parses (it refuses one it cannot).
_RULE_CHECK = "SELECT TIMESTAMPTZ 'epoch' AT TIME ZONE :z IS NOT NULL"


def _taken(conn: Connection, spelling: str, check: str) -> bool:
    """Whether the server of ``conn`` takes ``spelling`` as a zone (``check`` says so, or
    fails), asked once per engine, on a connection of its own so that a refusal leaves the
    caller's transaction as it was."""
    known = _TAKEN.setdefault(conn.engine, {})
    key = f"{check}\0{spelling}"
    if key not in known:
        try:
            with conn.engine.connect() as own:
                known[key] = bool(own.execute(text(check), {"z": spelling}).scalar_one())
        except exc.DBAPIError:
            known[key] = False
    return known[key]


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
