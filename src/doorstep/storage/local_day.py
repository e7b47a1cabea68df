"""The local day of a stored moment, in SQL: the date its moment falls on where the process
runs, as ``dt.date.today()`` (every command's and request's ``today`` by default) reads the
day there.

The moments (``created_at``, ``updated_at``) are kept in UTC; their UTC day is the next one
for a household written in the evening on a machine behind UTC, and the day before for one
written in the morning ahead of it. SQLite runs in this process and converts with its
``localtime`` modifier, through the C library's time zone (the ``TZ`` environment variable,
else the system's), as Python's ``today`` does. PostgreSQL converts in its session's time
zone (the server's, not this process's), so the zone is named in the SQL: the ``TZ``
variable's zone, else the one ``/etc/localtime`` links to, as the C library reads them; where
neither names a zone Python knows (a POSIX rule such as ``CST-8``, say), this moment's offset
from UTC, which is exact for a zone without summer time.
"""

from __future__ import annotations

import os
import time
import zoneinfo

from sqlalchemy import Connection

_ZONEINFO = "zoneinfo/"


def local_day(conn: Connection, moment: str) -> str:
    """SQL for the local date (:mod:`doorstep.storage.local_day`) of the UTC moment
    ``moment`` (an SQL expression), on the database ``conn`` is connected to."""
    if conn.dialect.name == "sqlite":
        return f"date({moment}, 'localtime')"
    return f"CAST(({moment}) AT TIME ZONE {_zone_sql()} AS DATE)"


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


def _zone_sql() -> str:
    """The process's time zone as PostgreSQL's ``AT TIME ZONE`` takes it: a quoted name,
    else an interval east of UTC."""
    name = zone_name()
    if name is not None:
        return "'" + name.replace("'", "''") + "'"
    return f"INTERVAL '{time.localtime().tm_gmtoff} seconds'"
