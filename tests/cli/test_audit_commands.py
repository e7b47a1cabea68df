"""Every command that reads or writes personal data leaves one audit row saying who did
what to which entity, and one more per person whose data it read or wrote (an import or
export per household or visitor, a work list, calendar or diff per household it shows, a
work list, an explanation or a diff per visitor it shows, a
commit or plan per household whose pairing or visits it wrote); a command that fails leaves
one event for its attempt, after its rollback, or none when it touched no one's data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.audit import last_event_id
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import PLAN_START, plan_day


def _events(engine: Engine, after: int) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, action, entity, entity_id FROM audit_events "
                "WHERE id > :after ORDER BY id"
            ),
            {"after": after},
        ).all()
    return [tuple(r) for r in rows]


def test_each_command_on_personal_data_is_audited_once_and_a_failure_as_its_attempt(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    vv = [visitor(visitor_id="V1", capacity=3)]
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in (1, 2)]
    steps: list[tuple[tuple[str, ...], tuple[str, str, str | None]]] = [
        (
            ("import", "visitors", str(write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))),
            ("import", "visitors", None),
        ),
        (
            ("import", "households", str(write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))),
            ("import", "households", None),
        ),
        (("export", "households", str(tmp_path / "out.csv")), ("export", "households", None)),
        (("stats",), ("read", "summary", None)),
        (("pair", "--area", "R", "--quiet"), ("create", "pairing_proposal", "1")),
        (("pair", "show", "1"), ("read", "pairing_proposal", "1")),
        (("pair", "diff", "1"), ("read", "pairing_diff", "1")),
        (("pair", "explain", "H1", "--quiet"), ("read", "pairing_explanation", "H1")),
        (("pair", "commit", "1", "--quiet"), ("update", "pairing_proposal", "1")),
        (
            ("plan", "--area", "R", "--start", PLAN_START, "--quiet"),
            ("create", "visit_plan", None),
        ),
        (("visits", "overdue", "--today", plan_day(148)), ("read", "visits", None)),
        (("visits", "due", "--today", plan_day()), ("read", "visits", None)),
        (
            ("visits", "upcoming", "--today", plan_day(), "--days", "200"),
            ("read", "visits", None),
        ),
        (
            ("visits", "calendar", "--visitor", "V1", "--out", str(tmp_path / "v1.ics")),
            ("read", "visits", None),
        ),
        (("household", "export", "H1"), ("subject_export", "household", "H1")),
        (("pair", "--area", "R", "--quiet"), ("create", "pairing_proposal", "2")),
        (("pair", "discard", "2"), ("update", "pairing_proposal", "2")),
        (("household", "erase", "H2", "--yes"), ("delete", "household", "H2")),
    ]

    # An import then names each person it wrote, an export each person it copied, a
    # proposal each household of its area and each visitor it read, a work list, calendar
    # or diff each household it shows (both are overdue 148 days after the start, neither
    # due within 14 days of it), a work list, explanation or diff each visitor it shows, a
    # commit each household and visitor whose pairing it starts or ends and a plan each
    # household and visitor whose visits it writes or deletes; a person's own export each
    # other person it names.
    def both(action: str) -> list[tuple[str, str, str]]:
        return [(action, "household", "H1"), (action, "household", "H2")]

    named = {
        ("import", "visitors"): [("create", "visitor", "V1")],
        ("import", "households"): both("create"),
        ("export", "households"): both("export"),
        ("pair", "--area"): [*both("read"), ("read", "visitor", "V1")],
        ("pair", "diff"): [*both("read"), ("read", "visitor", "V1")],
        ("pair", "commit"): [*both("update"), ("update", "visitor", "V1")],
        ("plan", "--area"): [*both("update"), ("update", "visitor", "V1")],
        ("pair", "explain"): [("read", "visitor", "V1")],
        ("visits", "overdue"): [*both("read"), ("read", "visitor", "V1")],
        ("visits", "upcoming"): [*both("read"), ("read", "visitor", "V1")],
        ("visits", "calendar"): both("read"),
        # H1's own export names its visitor, by id and name, in the file it takes away.
        ("household", "export"): [("export", "visitor", "V1")],
        # The UIDs of H2's visits not over, kept for V1's calendars to cancel.
        ("household", "erase"): [("update", "visitor", "V1")],
    }
    for args, (action, entity, entity_id) in steps:
        before = last_event_id(with_areas)
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
        events = _events(with_areas, before)
        # An erasure's own event comes last: it counts what was erased.
        own = len(events) - 1 if args[:2] == ("household", "erase") else 0
        who, *what = events[own]
        assert who.startswith("cli"), args
        assert what == [action, entity, entity_id], args
        rest = named.get(args[:2], [])
        others = events[:own] + events[own + 1 :]
        assert sorted(e[1:] for e in others) == rest, (args, events)
        assert {e[0] for e in events} == {who}, args

    failing = [
        ("pair", "--area", "NOPE", "--quiet"),
        ("pair", "show", "99"),
        ("pair", "diff", "99"),
        ("pair", "explain", "NOPE", "--quiet"),
        ("pair", "commit", "99", "--quiet"),
        ("pair", "discard", "1"),  # committed: not to be discarded
        ("plan", "--area", "NOPE", "--start", PLAN_START, "--quiet"),
        ("visits", "overdue", "--area", "NOPE"),
        ("visits", "due", "--visitor", "NOPE"),
        ("visits", "upcoming", "--team", "NOPE"),
        ("visits", "calendar", "--visitor", "NOPE", "--out", str(tmp_path / "x.ics")),
        ("household", "export", "NOPE"),
        ("household", "erase", "H1"),  # not confirmed
        ("household", "erase", "NOPE", "--yes"),
        ("export", "households", str(tmp_path / "out.pdf")),
        ("import", "households", str(write_csv(tmp_path / "bad.csv", ["household_id"], [["H9"]]))),
    ]
    # A command that would have read or written people's data records its attempt, once,
    # refused; the others (reads that found nothing to read, a refusal before the
    # database) record nothing.
    attempts = {
        ("pair", "--area"): ("create", "pairing_proposal", None),
        ("pair", "commit"): ("update", "pairing_proposal", "99"),
        ("plan", "--area"): ("create", "visit_plan", None),
        ("visits", "calendar"): ("read", "visits", None),
        ("household", "export"): ("subject_export", "household", "NOPE"),
        ("household", "erase", "NOPE"): ("delete", "household", "NOPE"),
        ("export", "households"): ("export", "households", None),
        ("import", "households"): ("import", "households", None),
    }
    for args in failing:
        before = last_event_id(with_areas)
        result = cli(*args)
        assert result.exit_code in (1, 2), (args, result.output)
        assert len(result.output.strip().splitlines()) >= 1
        expected = attempts.get(args[:3], attempts.get(args[:2]))
        events = [e[1:] for e in _events(with_areas, before)]
        assert events == ([] if expected is None else [expected]), (args, events)
        if expected is not None:
            with with_areas.connect() as conn:
                detail = conn.execute(
                    text("SELECT detail FROM audit_events WHERE id > :b"), {"b": before}
                ).scalar_one()
            detail = detail if isinstance(detail, dict) else json.loads(detail)
            assert detail["outcome"] == "refused", (args, detail)


def test_the_demo_is_audited_as_the_imports_it_makes(cli: Invoke, engine: Engine) -> None:
    result = cli("demo", "--preset", "village", "--quiet")
    assert result.exit_code == 0, result.output
    events = _events(engine, 0)
    entities = [e[2] for e in events if e[1] == "import"]
    assert entities == ["areas", "organisations", "teams", "visitors", "households", "indicators"]
    # Besides, each visitor and household it wrote is named once, and each household with
    # figures once more, for the indicators import.
    with engine.connect() as conn:
        people = conn.execute(
            text("SELECT (SELECT COUNT(*) FROM visitors) + (SELECT COUNT(*) FROM households)")
        ).scalar_one()
        with_figures = conn.execute(
            text("SELECT COUNT(DISTINCT household_id) FROM household_indicators")
        ).scalar_one()
    assert sorted({e[1:3] for e in events if e[1] != "import"}) == [
        ("create", "household"),
        ("create", "visitor"),
        ("update", "household"),
    ]
    created = [e for e in events if e[1] == "create"]
    assert len({e[2:] for e in created}) == len(created) == people
    updated = [e for e in events if e[1] == "update"]
    assert len({e[3] for e in updated}) == len(updated) == with_figures > 0
    assert len(events) == 6 + people + with_figures
    refused = cli("demo", "--preset", "village", "--seed", "2", "--quiet")
    assert refused.exit_code == 1
    assert len(_events(engine, 0)) == len(events)
