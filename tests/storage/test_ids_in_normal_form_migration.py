"""Migration 0009: ids stored before every entry point put them in Unicode normal form C
(and device UUIDs stored in capitals) are re-spelt in place, so commands and re-syncs find
them; periods become unique by person and first day; rows that would become one refuse the
upgrade and change nothing."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner, Result

from doorstep.cli.main import app
from doorstep.config import get_settings
from doorstep.reports.calendar import visit_uid
from doorstep.services import calendars
from doorstep.services.household_rights import erase_household
from doorstep.services.visitor_rights import erase_visitor
from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, current_revision, head_revision, upgrade
from doorstep.storage.session import unit_of_work
from tests.factories.db import rejected, run_import, snapshot
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)
from tests.factories.visits import first_planned, plan_three

HOUSEHOLD = unicodedata.normalize("NFC", "CAFÉ-1")
VISITOR = unicodedata.normalize("NFC", "VÉ")
AREA = unicodedata.normalize("NFC", "R-C-VÉ")
POOL = unicodedata.normalize("NFC", "PÔLE")
UUID = "0b9c2f0e-5d1c-4c53-9a39-1f7f0a6f0a01"
VISIT_HEADER = ["visit_id", "household_id", "visitor_id", "start", "end"]
TODAY = dt.date(2027, 4, 30)


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run ``doorstep ...`` in-process against the test database."""
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
def at_0008(with_areas: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A planned programme (H0-H2 paired with V1) with a visit synced from a device under
    ``UUID``, and the database taken back to 0008; brought to head again at the end."""
    plan_three(with_areas, tmp_path)
    a, z = first_planned(with_areas, "H0")
    path = write_csv(tmp_path / "sync.csv", VISIT_HEADER, [[UUID, "H0", "V1", a, z]])
    run_import(with_areas, "visits", path, today=TODAY)
    command.downgrade(alembic_config(with_areas), "0008")
    try:
        yield with_areas
    finally:
        upgrade(with_areas)  # the next tests on this database need it at head


def _as_before_the_fix(engine: Engine) -> None:
    """Spell H0, V1, village one and a pool in form D and the visit's UUID in capitals, in
    their rows and in the trail, as versions before the fix stored what files gave them."""
    a = Base.metadata.tables["audit_events"]
    with engine.begin() as conn:
        for sql, params in (
            ("UPDATE households SET external_id = :n WHERE external_id = 'H0'", nfd(HOUSEHOLD)),
            ("UPDATE visitors SET external_id = :n WHERE external_id = 'V1'", nfd(VISITOR)),
            ("UPDATE areas SET code = :n WHERE code = 'R-C-V1'", nfd(AREA)),
            ("UPDATE audit_events SET entity_id = :n WHERE entity_id = 'H0'", nfd(HOUSEHOLD)),
            ("UPDATE audit_events SET entity_id = :n WHERE entity_id = 'V1'", nfd(VISITOR)),
            ("UPDATE households SET remote_pool = :n WHERE external_id <> 'H2'", nfd(POOL)),
            ("UPDATE visits SET client_uuid = :n WHERE client_uuid IS NOT NULL", UUID.upper()),
        ):
            conn.execute(text(sql), {"n": params})
        for i, detail in conn.execute(select(a.c.id, a.c.detail)).all():
            if detail.get("visitor") == "V1":
                new = detail | {"visitor": nfd(VISITOR)}
                conn.execute(update(a).where(a.c.id == i).values(detail=new))


def _not_nfc(engine: Engine) -> list[str]:
    """Every stored id or code not in form C, and every device id not in lower case."""
    out: list[str] = []
    with engine.connect() as conn:
        for table, column in (
            ("households", "external_id"),
            ("households", "remote_pool"),
            ("visitors", "external_id"),
            ("areas", "code"),
            ("audit_events", "entity_id"),
        ):
            values = conn.execute(text(f"SELECT {column} FROM {table}")).scalars()
            out += [v for v in values if v is not None and unicodedata.normalize("NFC", v) != v]
        uuids = conn.execute(text("SELECT client_uuid FROM visits")).scalars()
        out += [u for u in uuids if u is not None and u != u.lower()]
        details = Base.metadata.tables["audit_events"].c.detail
        for detail in conn.execute(select(details)).scalars():
            v = detail.get("visitor")
            if isinstance(v, str) and unicodedata.normalize("NFC", v) != v:
                out.append(v)
    return out


def test_the_upgrade_spells_stored_ids_in_form_c_and_commands_find_them(
    at_0008: Engine, cli: Any, tmp_path: Path
) -> None:
    engine = at_0008
    _as_before_the_fix(engine)
    assert _not_nfc(engine)
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert current_revision(engine) == head_revision(engine)
    assert _not_nfc(engine) == []
    with engine.connect() as conn:
        pools = conn.execute(text("SELECT DISTINCT remote_pool FROM households")).scalars()
        assert set(pools) == {POOL, None}
    # The household is found by its id as typed, with its history (the trail's events about
    # it, the migration's among them).
    result = cli("household", "export", HOUSEHOLD)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["household"] == HOUSEHOLD
    events = data["records"]["audit_events"]
    assert {"create", "update"} <= {e["action"] for e in events}
    assert any(e["actor"].endswith("(migration 0009)") for e in events)
    # The visitor too, with the visit they recorded (an event of the household's, naming
    # them in its detail).
    result = cli("visitor", "export", VISITOR)
    assert result.exit_code == 0, result.output
    events = json.loads(result.output)["records"]["audit_events"]
    assert any(e["entity_id"] == HOUSEHOLD and e["detail"]["visitor"] == VISITOR for e in events)
    # The device syncs its file again, the UUID in lower case as it is read: the same visit.
    with engine.connect() as conn:
        a, z = conn.execute(
            text("SELECT actual_start, actual_end FROM visits WHERE client_uuid = :u"),
            {"u": UUID},
        ).one()
        before = conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one()
    row = [UUID, HOUSEHOLD, VISITOR, str(a)[:10], str(z)[:10]]
    again = run_import(
        engine, "visits", write_csv(tmp_path / "again.csv", VISIT_HEADER, [row]), today=TODAY
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one() == before
    # The area and the visitor as typed: village one's work list of the visitor.
    args = ["--area", AREA, "--visitor", VISITOR, "--today", "2027-01-04", "--format", "json"]
    result = cli("visits", "upcoming", *args, "--days", "3660")
    assert result.exit_code == 0, result.output
    assert HOUSEHOLD in {r["household"] for r in json.loads(result.output)}


def test_the_periods_are_unique_by_person_and_first_day_and_not_at_0008(
    at_0008: Engine,
) -> None:
    engine = at_0008
    leave = (
        "INSERT INTO visitor_leave (visitor_id, starts_on, ends_on) "
        "SELECT id, :a, :z FROM visitors WHERE external_id = 'V1'"
    )
    blackout = (
        "INSERT INTO household_blackouts (household_id, starts_on, ends_on, reason) "
        "SELECT id, :a, :z, '' FROM households WHERE external_id = 'H0'"
    )
    days = {"a": dt.date(2027, 3, 10), "z": dt.date(2027, 3, 12)}
    for table in ("visitor_leave", "household_blackouts"):
        assert not inspect(engine).get_unique_constraints(table)
    upgrade(engine)
    for table, key in (("visitor_leave", "visitor_id"), ("household_blackouts", "household_id")):
        found = inspect(engine).get_unique_constraints(table)
        assert [(u["name"], u["column_names"]) for u in found] == [
            (f"uq_{table}_{key}", [key, "starts_on"])
        ]
    for sql in (leave, blackout):
        with engine.begin() as conn:
            conn.execute(text(sql), days)
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(sql), days | {"z": dt.date(2027, 3, 20)})


def test_rows_that_would_become_one_refuse_the_upgrade_and_change_nothing(
    at_0008: Engine, cli: Any
) -> None:
    engine = at_0008
    with engine.begin() as conn:
        # H1 and H2 stored as one id in two spellings; a visit stored twice, under its UUID
        # in capitals and in lower case; one leave of V1 stored twice, and H0 renamed in
        # form D (which alone would be re-spelt).
        conn.execute(
            text("UPDATE households SET external_id = :i WHERE external_id = 'H1'"),
            {"i": HOUSEHOLD},
        )
        conn.execute(
            text("UPDATE households SET external_id = :i WHERE external_id = 'H2'"),
            {"i": nfd(HOUSEHOLD)},
        )
        conn.execute(
            text("UPDATE households SET external_id = :i WHERE external_id = 'H0'"),
            {"i": nfd("ÉTÉ")},
        )
        twin = conn.execute(text("SELECT id FROM visits WHERE client_uuid IS NULL")).first()
        assert twin is not None
        conn.execute(
            text("UPDATE visits SET client_uuid = :u WHERE id = :i"),
            {"u": UUID.upper(), "i": twin[0]},
        )
        for _ in range(2):
            conn.execute(
                text(
                    "INSERT INTO visitor_leave (visitor_id, starts_on, ends_on) "
                    "SELECT id, :a, :z FROM visitors WHERE external_id = 'V1'"
                ),
                {"a": dt.date(2027, 3, 10), "z": dt.date(2027, 3, 12)},
            )
        ids = dict(
            conn.execute(
                text("SELECT external_id, id FROM households WHERE external_id <> :h"),
                {"h": nfd("ÉTÉ")},
            ).all()
        )
        visits = sorted(
            conn.execute(
                text("SELECT id FROM visits WHERE lower(client_uuid) = :u"), {"u": UUID}
            ).scalars()
        )
        leave = sorted(conn.execute(text("SELECT id FROM visitor_leave")).scalars())
    before = snapshot(engine)
    with engine.connect() as conn:
        visits_before = conn.execute(text("SELECT * FROM visits ORDER BY id")).all()
    result = cli("db", "upgrade")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert message.startswith("error: cannot upgrade the database to revision 0009"), message
    assert (
        f"households.external_id {HOUSEHOLD!r} in Unicode normal form C is held by the rows "
        f"of ids {min(ids.values())}, {max(ids.values())}"
    ) in message
    assert (
        f"visits.client_uuid {UUID!r} in lower case is held by the rows of ids "
        f"{visits[0]}, {visits[1]}"
    ) in message
    assert (
        f"visitor_leave of visitor 'V1' from 2027-03-10 is stored in the rows of ids "
        f"{leave[0]}, {leave[1]}"
    ) in message
    assert "nothing was changed" in message and "doorstep db upgrade" in message
    # Nothing changed: not H0's re-spelling, not the revision.
    assert current_revision(engine) == "0008"
    assert snapshot(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM visits ORDER BY id")).all() == visits_before
    # Any other command is refused the same way, as it migrates first.
    assert cli("household", "export", HOUSEHOLD).exit_code == 1
    assert current_revision(engine) == "0008"
    # Once someone has decided which rows to keep, the upgrade goes through.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM visitor_leave WHERE id = :i"), {"i": leave[1]})
        conn.execute(text("UPDATE visits SET client_uuid = NULL WHERE id = :i"), {"i": twin[0]})
        conn.execute(
            text("UPDATE households SET external_id = 'H2' WHERE id = :i"),
            {"i": max(ids.values())},
        )
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert _not_nfc(engine) == []


def test_an_import_after_the_upgrade_updates_the_rows_stored_in_form_d_not_twins(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Before the upgrade an import matched ids stored in form D by scanning for them; after
    # it they are in form C, and a file's id (read in form C) is simply the stored one.
    run_import(
        with_areas, "households", write_csv(tmp_path / "a.csv", HOUSEHOLD_HEADER, [household()])
    )
    command.downgrade(alembic_config(with_areas), "0008")
    try:
        with with_areas.begin() as conn:
            conn.execute(text("UPDATE households SET external_id = :i"), {"i": nfd(HOUSEHOLD)})
            conn.execute(text("UPDATE areas SET code = :c WHERE code = 'R-C-V2'"), {"c": nfd(AREA)})
    finally:
        upgrade(with_areas)
    rows = [household(household_id=HOUSEHOLD, area_code=AREA)]
    summary = run_import(
        with_areas, "households", write_csv(tmp_path / "b.csv", HOUSEHOLD_HEADER, rows)
    )
    assert (summary.created, summary.updated) == (0, 1)
    areas = [{"code": AREA, "name": "Village two, renamed", "parent_code": "R-C", "level": "v"}]
    summary = run_import(with_areas, "areas", write_csv(tmp_path / "r.csv", AREA_HEADER, areas))
    assert (summary.created, summary.updated) == (0, 1)
    with with_areas.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT h.external_id, a.code, a.name FROM households h "
                "JOIN areas a ON a.id = h.area_id"
            )
        ).all()
    assert [tuple(r) for r in stored] == [(HOUSEHOLD, AREA, "Village two, renamed")]


def test_the_ids_of_people_erased_in_form_d_stay_refused_in_form_c(
    with_areas: Engine, tmp_path: Path
) -> None:
    # An erased household is known only by its erasure's event; an erased visitor by their
    # emptied row. Both ids, stored in form D, are refused to a new person once in form C.
    run_import(
        with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    )
    visitors = write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor(visitor_id="V9")])
    run_import(with_areas, "visitors", visitors)
    with unit_of_work(with_areas) as s:
        erase_household(s, "H1", actor="test")
        erase_visitor(s, "V9", actor="test")
    command.downgrade(alembic_config(with_areas), "0008")
    try:
        with with_areas.begin() as conn:
            conn.execute(
                text("UPDATE audit_events SET entity_id = :i WHERE entity_id = 'H1'"),
                {"i": nfd(HOUSEHOLD)},
            )
            conn.execute(
                text("UPDATE visitors SET external_id = :i WHERE external_id = 'V9'"),
                {"i": nfd(VISITOR)},
            )
            conn.execute(
                text("UPDATE audit_events SET entity_id = :i WHERE entity_id = 'V9'"),
                {"i": nfd(VISITOR)},
            )
    finally:
        upgrade(with_areas)
    again = write_csv(tmp_path / "v2.csv", VISITOR_HEADER, [visitor(visitor_id=VISITOR)])
    errors = rejected(with_areas, "visitors", again)
    assert len(errors) == 1 and "is the id of an erased visitor" in errors[0], errors
    run_import(with_areas, "visitors", write_csv(tmp_path / "v3.csv", VISITOR_HEADER, [visitor()]))
    pair = write_csv(tmp_path / "x.csv", ["household_id", "visitor_id"], [[HOUSEHOLD, "V1"]])
    errors = rejected(with_areas, "exclusions", pair)
    assert len(errors) == 1 and "is the id of an erased household" in errors[0], errors


def _calendar(engine: Engine, visitor_id: str, since: dt.date) -> calendars.CalendarEvents:
    with unit_of_work(engine) as s:
        return calendars.calendar_events(s, visitor_id, actor="test", since=since)


@pytest.mark.parametrize("respelt", ["household", "visitor"])
def test_the_events_under_the_old_uids_of_a_respelt_id_are_sent_cancelled_higher(
    with_areas: Engine, tmp_path: Path, respelt: str
) -> None:
    # A calendar drawn before the upgrade gave the visits of H0 (or of V1) UIDs from the
    # spelling in form D; after it, their UIDs come from form C, and each old one is sent
    # cancelled, with its days and a SEQUENCE above the phone's, or the visit shows twice.
    engine = with_areas
    today = dt.date.today()
    monday = today + dt.timedelta(days=7 - today.weekday())
    plan_three(engine, tmp_path, start=monday)
    old, new = (
        ("H0", nfd(HOUSEHOLD)) if respelt == "household" else ("V1", nfd(VISITOR))
    )  # fmt: skip
    table = "households" if respelt == "household" else "visitors"
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE {table} SET external_id = :n WHERE external_id = :o"),
            {"n": new, "o": old},
        )
        conn.execute(
            text("UPDATE audit_events SET entity_id = :n WHERE entity_id = :o"),
            {"n": new, "o": old},
        )
    visitor_before = new if respelt == "visitor" else "V1"
    before = _calendar(engine, visitor_before, today)  # as a version before 0009 drew it
    ours = {
        uid: (a, z)
        for h, a, z, _ in before.planned
        if h == new or respelt == "visitor"
        for uid in [visit_uid(h, visitor_before, a)]
    }
    assert ours  # visits to come, whose UIDs change
    command.downgrade(alembic_config(engine), "0008")
    try:
        upgrade(engine)
        assert _not_nfc(engine) == []
        after = _calendar(engine, VISITOR if respelt == "visitor" else "V1", today)
    finally:
        upgrade(engine)
    cancelled = {c.uid: (c.start, c.last) for c in after.cancelled}
    for uid, days in ours.items():
        assert cancelled.get(uid) == days, uid
        assert after.sequence[uid] > before.sequence[uid]
    # The others keep their UIDs and are listed still; the visits whose UIDs changed are
    # listed under their new ones.
    assert set(before.sequence) - set(ours) <= set(after.sequence) - set(cancelled)
    assert len(after.planned) == len(before.planned)
    # The old UIDs were moved out of the trail, as an erasure's are (0011).
    with engine.connect() as conn:
        trail = str(conn.execute(text("SELECT detail FROM audit_events")).scalars().all())
    assert not any(uid.split("@")[0] in trail for uid in ours)
