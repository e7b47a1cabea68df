"""The local day of a stored moment, in SQL, is the date Python's own clock gives that moment
in the process's time zone, on SQLite and PostgreSQL alike (whose server keeps its own zone),
however ``TZ`` names the zone."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from doorstep.storage.local_day import local_day, zone_name

#: Moments around midnight in Los Angeles, Shanghai and UTC.
MOMENTS = [
    dt.datetime(2027, 1, 12, 3, 0, tzinfo=dt.UTC),  # 19:00 the day before in Los Angeles
    dt.datetime(2027, 7, 12, 6, 30, tzinfo=dt.UTC),  # 23:30 the day before, summer time
    dt.datetime(2027, 1, 11, 16, 30, tzinfo=dt.UTC),  # 00:30 the next day in Shanghai
    dt.datetime(2027, 1, 11, 23, 59, tzinfo=dt.UTC),
]


@pytest.fixture
def zone() -> Iterator[None]:
    was = os.environ.get("TZ")
    yield
    if was is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = was
    time.tzset()


@pytest.mark.parametrize(
    "tz",
    [
        "America/Los_Angeles",
        ":America/Los_Angeles",
        "/usr/share/zoneinfo/America/Los_Angeles",
        "Asia/Shanghai",
        "UTC",
        "<-08>8",  # a POSIX rule, no zone's name: this moment's offset, which is fixed
        "",  # UTC, as the C library reads it
    ],
)
def test_the_local_day_is_the_one_python_s_clock_gives(engine: Engine, zone: None, tz: str) -> None:
    os.environ["TZ"] = tz
    time.tzset()
    with engine.connect() as conn:
        for at in MOMENTS:
            moment = (
                f"'{at:%Y-%m-%d %H:%M:%S}'"
                if conn.dialect.name == "sqlite"
                else f"TIMESTAMPTZ '{at.isoformat()}'"
            )
            got = conn.execute(text(f"SELECT {local_day(conn, moment)}")).scalar_one()
            local = time.localtime(at.timestamp())
            expected = dt.date(local.tm_year, local.tm_mon, local.tm_mday)
            assert dt.date.fromisoformat(str(got)) == expected, (tz, at)


def test_a_zone_is_named_as_the_c_library_reads_it(zone: None) -> None:
    for tz, name in [
        (":Asia/Shanghai", "Asia/Shanghai"),
        ("/usr/share/zoneinfo/Asia/Shanghai", "Asia/Shanghai"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("CST-8", None),
        ("Not/AZone", None),
    ]:
        os.environ["TZ"] = tz
        assert zone_name() == name, tz
