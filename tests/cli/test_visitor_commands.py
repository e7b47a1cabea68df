"""A visitor's data at the command line: export it, erase it."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.audit import events_about
from tests.factories.db import run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)

NAME = "Qiu Xiaohong"


@pytest.fixture
def people(with_areas: Engine, tmp_path: Path) -> Engine:
    """V1 looks after H1 (a pairing begun 2026-01-01, written by hand), V2 after no one."""
    rows = [visitor(visitor_id="V1", name=NAME), visitor(visitor_id="V2")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows))
    run_import(
        with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    )
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on) "
                "SELECT v.id, h.id, '2026-01-01' FROM visitors v, households h "
                "WHERE v.external_id = 'V1' AND h.external_id = 'H1'"
            )
        )
    return with_areas


def test_a_visitor_is_exported_as_json_and_erased_only_when_confirmed_and_free(
    cli: Invoke, people: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "exports" / "v1.json"
    result = cli("visitor", "export", "V1", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["records"]["visitors"][0]["name"] == NAME
    assert data["records"]["households"] == [
        {"id": data["records"]["pairings"][0]["household_id"], "external_id": "H1"}
    ]
    printed = cli("visitor", "export", "V1")
    assert json.loads(printed.output)["visitor"] == "V1"

    refused = cli("visitor", "erase", "V1")
    assert refused.exit_code == 2
    assert "add --yes" in refused.output
    busy = cli("visitor", "erase", "V1", "--yes")
    assert busy.exit_code == 1
    lines = busy.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: visitor V1 still looks after households: 1 current ")
    assert "re-pair them first" in lines[0]
    # The day that takes the visitor off is named: the last day counts as a working one.
    yesterday = dt.date.today() - dt.timedelta(days=1)
    assert f"`doorstep visitor end V1 --last-day {yesterday}` or earlier" in lines[0]

    with people.begin() as conn:  # H1 handed over to another visitor: V1's pairing ended
        conn.execute(text("UPDATE pairings SET ended_on = '2026-06-01', end_reason = 'repaired'"))
    done = cli("visitor", "erase", "V1", "--yes")
    assert done.exit_code == 0, done.output
    assert "Erased visitor V1: 1 from visitors" in done.output
    assert "Kept the households' records naming the id: 1 pairings." in done.output
    assert "warning" not in done.output
    with people.connect() as conn:
        names = dict(conn.execute(text("SELECT external_id, name FROM visitors")).all())
        kept = conn.execute(text("SELECT COUNT(*) FROM pairings")).scalar_one()
    assert names == {"V1": "", "V2": "Li Wei"} and kept == 1
    gone = cli("visitor", "export", "V1")
    assert gone.exit_code == 1
    assert "visitor V1 was erased" in gone.output
    calendar = ("visits", "calendar", "--out", str(tmp_path / "v1.out"))
    for command in (("visits", "due"), calendar):  # no one to draw them for
        listed = cli(*command, "--visitor", "V1")
        assert listed.exit_code == 1, listed.output
        assert "visitor V1 was erased" in listed.output
    assert not (tmp_path / "v1.out").exists()
    unknown = cli("visitor", "erase", "V9", "--yes")
    assert unknown.exit_code == 1
    assert "no visitor with id 'V9'" in unknown.output


def test_an_erased_visitor_is_in_neither_the_database_file_nor_its_log(
    cli: Invoke, people: Engine
) -> None:
    if people.dialect.name != "sqlite":
        pytest.skip("PostgreSQL frees erased values at its next VACUUM (docs/cli.md)")
    database = Path(str(people.url.database))
    other = sqlite3.connect(database)  # another connection stays open, as a server's would
    try:
        assert other.execute("SELECT COUNT(*) FROM visitors").fetchall() == [(2,)]
        done = cli("visitor", "erase", "V2", "--yes")
        assert done.exit_code == 0, done.output
        assert cli("visitor", "erase", "V1", "--yes").exit_code == 1  # V1 still pairs H1
        with people.begin() as conn:
            conn.execute(text("UPDATE pairings SET ended_on = '2026-06-01'"))
        assert cli("visitor", "erase", "V1", "--yes").exit_code == 0
        for path in (database, database.with_name(database.name + "-wal")):
            held = path.read_bytes() if path.exists() else b""
            assert NAME.encode() not in held, path.name
    finally:
        other.close()


def _last_day(engine: Engine, who: str) -> str | None:
    with engine.connect() as conn:
        day = conn.execute(
            text("SELECT active_to FROM visitors WHERE external_id = :v"), {"v": who}
        ).scalar_one()
    return None if day is None else str(day)[:10]


def test_a_visitor_is_given_a_last_day_audited_and_told_what_it_leaves_to_do(
    cli: Invoke, people: Engine
) -> None:
    ended = cli("visitor", "end", "V1", "--last-day", "2026-12-03")
    assert ended.exit_code == 0, ended.output
    assert "Visitor V1's last day is 2026-12-03 (was none)." in ended.output
    # V1 still looks after H1, in R-C-V1: the note says when and how it is handed over.
    assert "V1 still looks after 1 household (in R-C-V1). From 2026-12-04 on," in ended.output
    assert "`doorstep pair --area R-C-V1 --new-only`" in ended.output
    assert _last_day(people, "V1") == "2026-12-03"
    events = [e for e in events_about(people, "visitor") if e[1] == "V1"]
    assert events[-1] == ("update", "V1", {"active_to": "2026-12-03", "was": None})
    again = cli("visitor", "end", "V1", "--last-day", "2026-12-03")
    assert again.exit_code == 0 and "last day is 2026-12-03 already" in again.output
    assert [e for e in events_about(people, "visitor") if e[1] == "V1"] == events
    # V2 looks after no one: no note.
    free = cli("visitor", "end", "V2", "--last-day", "2027-01-31")
    assert free.exit_code == 0 and "looks after" not in free.output
    with people.begin() as conn:
        conn.execute(
            text("UPDATE visitors SET active_from = '2026-01-01' WHERE external_id = 'V2'")
        )
    early = cli("visitor", "end", "V2", "--last-day", "2025-12-31")
    assert early.exit_code == 2 and "before the visitor's first day" in early.output
    assert _last_day(people, "V2") == "2027-01-31"
    unknown = cli("visitor", "end", "V9", "--last-day", "2027-01-31")
    assert unknown.exit_code == 1 and "no visitor with id 'V9'" in unknown.output


def _visits(engine: Engine) -> list[tuple[str, str, str]]:
    """``(first day, last day, status)`` of every visit, in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT planned_start, planned_end, status FROM visits ORDER BY planned_start")
        ).all()
    return [(str(a)[:10], str(z)[:10], str(s)) for a, z, s in rows]


def test_a_visitor_ended_loses_the_visits_after_their_last_day_and_can_then_be_erased(
    cli: Invoke, people: Engine
) -> None:
    today = dt.date.today()

    def day(n: int) -> str:
        return (today + dt.timedelta(days=n)).isoformat()

    # V1's stays with H1: one made and one under way over the last day (yesterday), one to
    # come; a planned visit from today kept V1 from being erased.
    stays = [(-9, -8, "done"), (-2, 1, "planned"), (5, 6, "planned")]
    with people.begin() as conn:
        for first, last, status in stays:
            conn.execute(
                text(
                    "INSERT INTO visits (household_id, visitor_id, pairing_id, status, "
                    "window_start, window_end, planned_start, planned_end) "
                    "SELECT household_id, visitor_id, id, :s, :a, :z, :a, :z FROM pairings"
                ),
                {"s": status, "a": day(first), "z": day(last)},
            )
    ended = cli("visitor", "end", "V1", "--last-day", day(-1))
    assert ended.exit_code == 0, ended.output
    assert "1 planned visit after it cancelled, 1 under way cut short." in ended.output
    assert "`doorstep pair --area R-C-V1 --new-only`" in ended.output
    # The made visit stays; the stay under way ends on the last day; the one to come is gone.
    assert _visits(people) == [
        (day(-9), day(-8), "done"),
        (day(-2), day(-1), "planned"),
    ]
    cut = [e for e in events_about(people, "household") if e[2].get("reason")]
    assert [(e[1], e[2]["start"], e[2]["status"]) for e in cut] == [
        ("H1", day(5), "cancelled"),
        ("H1", day(-2), "planned"),
    ]
    with people.begin() as conn:  # H1 handed over: V1's pairing ended
        conn.execute(text("UPDATE pairings SET ended_on = :d"), {"d": today})
    done = cli("visitor", "erase", "V1", "--yes")
    assert done.exit_code == 0, done.output


def test_visitor_show_prints_the_file_and_its_json(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    from tests.factories.visits import plan_three

    plan_three(with_areas, tmp_path)
    shown = cli("visitor", "show", "V1", "--today", "2027-01-10")
    assert shown.exit_code == 0, shown.output
    text_out = " ".join(shown.output.split())
    assert "Visitor V1: Li Wei, living in Village one (R-C-V1)" in text_out
    assert "Looks after 3 households, capacity 3" in text_out
    assert (
        "H0 Wang Fang (Village one): due by 2027-03-05 (54 days left), no visit recorded yet,"
        in text_out
    )
    as_json = cli("visitor", "show", "V1", "--today", "2027-01-10", "--json")
    assert as_json.exit_code == 0, as_json.output
    file = json.loads(as_json.output)
    assert [r["household"] for r in file["households"]] == ["H0", "H1", "H2"]
    assert file["visitor"]["teams"] == []
    unknown = cli("visitor", "show", "V9")
    assert unknown.exit_code == 1 and "no visitor with id 'V9'" in unknown.output


def test_visitor_find_lists_the_visitors_found(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    from tests.factories.visits import plan_three

    plan_three(with_areas, tmp_path)
    found = cli("visitor", "find", "LI WEI")
    assert found.exit_code == 0, found.output
    assert "V1" in found.output and "V2" in found.output
    assert "No visitor found." in cli("visitor", "find", "zz").output
