"""The local day of a stored moment, in SQL, is the date Python's own clock gives that moment
in the process's time zone, on SQLite and PostgreSQL alike (whose server keeps its own zone),
however ``TZ`` names the zone."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from doorstep.storage.local_day import local_day, posix_rule, zone_name
from doorstep.storage.session import make_engine

#: Moments around midnight in Los Angeles, Shanghai and UTC.
MOMENTS = [
    dt.datetime(2027, 1, 12, 3, 0, tzinfo=dt.UTC),  # 19:00 the day before in Los Angeles
    dt.datetime(2027, 7, 12, 6, 30, tzinfo=dt.UTC),  # 23:30 the day before, summer time
    dt.datetime(2027, 1, 11, 16, 30, tzinfo=dt.UTC),  # 00:30 the next day in Shanghai
    dt.datetime(2027, 1, 11, 23, 59, tzinfo=dt.UTC),
    # Either side of midnight in Los Angeles and in Central Europe, summer and winter: a
    # zone spelt by one season's offset puts one of each pair on the wrong day.
    dt.datetime(2027, 7, 12, 7, 30, tzinfo=dt.UTC),  # 00:30 in Los Angeles, summer time
    dt.datetime(2027, 1, 12, 7, 30, tzinfo=dt.UTC),  # 23:30 the day before there
    dt.datetime(2027, 7, 12, 22, 30, tzinfo=dt.UTC),  # 00:30 the next day in Berlin, summer
    dt.datetime(2027, 1, 11, 22, 30, tzinfo=dt.UTC),  # 23:30 in Berlin
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
        "CET",  # a zone with summer time, and PostgreSQL's abbreviation of a fixed UTC+1
        "XST8XDT,M3.2.0,M11.1.0",  # a POSIX rule with summer time, Los Angeles's
        "<+01>-1<+02>,M3.5.0,M10.5.0/3",  # Berlin's
        "Not/AZone",  # no zone and no rule: UTC to the C library, refused by PostgreSQL
    ],
)
def test_the_local_day_is_the_one_python_s_clock_gives(engine: Engine, zone: None, tz: str) -> None:
    os.environ["TZ"] = tz
    time.tzset()
    _assert_local_days(engine, tz)


def _assert_local_days(engine: Engine, tz: str) -> None:
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


@pytest.fixture
def python_only_zone(tmp_path: Path) -> Iterator[str]:
    """The path of a zone file (Los Angeles's) whose name, ``Doorstep/Los_Angeles``,
    Python's zone database knows (its search path is given the file's folder, as a newer
    ``tzdata`` than the server's would know a new zone) and the database server does not."""
    root = tmp_path / "zoneinfo"
    (root / "Doorstep").mkdir(parents=True)
    path = root / "Doorstep" / "Los_Angeles"
    shutil.copy(Path(_LOS_ANGELES), path)
    was = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[str(root), *was])
    yield str(path)
    zoneinfo.reset_tzpath(to=was)
    zoneinfo.ZoneInfo.clear_cache(only_keys=["Doorstep/Los_Angeles"])


_LOS_ANGELES = "/usr/share/zoneinfo/America/Los_Angeles"


@pytest.mark.skipif(not os.path.exists(_LOS_ANGELES), reason="no system zone database")
def test_a_zone_python_knows_and_the_server_does_not_is_spelt_by_its_rule(
    engine: Engine, zone: None, python_only_zone: str
) -> None:
    os.environ["TZ"] = python_only_zone
    time.tzset()
    assert zone_name() == "Doorstep/Los_Angeles"
    _assert_local_days(engine, python_only_zone)
    assert posix_rule() == "PST8PDT,M3.2.0,M11.1.0"


def test_the_process_s_posix_rule_is_its_zone_file_s_else_tz_itself(zone: None) -> None:
    for tz, rule in [
        ("CST-8", "CST-8"),
        ("XST8XDT,M3.2.0,M11.1.0", "XST8XDT,M3.2.0,M11.1.0"),
        ("", None),
        (":NotAFile", None),
    ]:
        os.environ["TZ"] = tz
        assert posix_rule() == rule, tz
    if os.path.exists(_LOS_ANGELES):
        for tz in ["America/Los_Angeles", ":America/Los_Angeles", _LOS_ANGELES]:
            os.environ["TZ"] = tz
            assert posix_rule() == "PST8PDT,M3.2.0,M11.1.0", tz


@pytest.mark.postgres
def test_the_server_is_asked_once_per_engine_whether_it_holds_the_zone(
    postgres_url: str, zone: None
) -> None:
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    engine = make_engine(postgres_url)
    asked: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_: (
            asked.append(statement) if "pg_timezone" in statement else None
        ),
    )
    try:
        for _ in range(3):
            with engine.connect() as conn:
                assert "'Asia/Shanghai'" in local_day(conn, "now()")
    finally:
        engine.dispose()
    assert len(asked) == 1
