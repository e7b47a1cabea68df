"""What a household's erasure leaves: after a whole history of it (consent, a pairing, a
plan, a recorded visit, an exclusion added and removed, reads, lists, exports and a
calendar), no table holds its id, name or address anywhere but where the docs promise
(docs/cli.md, "A household's data")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import PLAN_START

#: The erased household: an id no other id or value of the history holds, a name and an
#: address as unlike anything else as the id.
ERASED = "HQZ7"
NAME = "Zhao Xiaoyan"
ADDRESS = "17 Lotus Lane"
#: The household that stays, its visitor V and the visitor W it is kept apart from.
KEPT, V, W = "HKP3", "VQ7", "WQ8"


def _history(cli: Invoke, tmp_path: Path) -> None:
    """Everything the programme does with a household, at the command line."""
    vv = [
        visitor(visitor_id=V, name="Li Wei", capacity=2),
        visitor(visitor_id=W, name="Sun Mei", lat=26.62, capacity=2),
    ]
    hh = [
        household(household_id=ERASED, head_name=NAME, address=ADDRESS),
        household(household_id=KEPT, lat=26.581),
    ]
    exclusions = write_csv(
        tmp_path / "x.csv", ["household_id", "visitor_id", "reason"], [[ERASED, W, "family"]]
    )
    today = dt.date.today().isoformat()
    out = tmp_path / "out"
    steps: list[tuple[tuple[str, ...], int]] = [
        (("import", "visitors", str(write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))), 0),
        (("import", "households", str(write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))), 0),
        (("pair", "--area", "R", "--quiet"), 0),
        (("pair", "show", "1"), 0),
        (("pair", "diff", "1"), 0),
        (("pair", "explain", ERASED, "--quiet"), 0),
        (("pair", "commit", "1", "--quiet"), 0),
        (("plan", "--area", "R", "--start", PLAN_START, "--quiet"), 0),
        (
            (
                *("visits", "record", ERASED, "--visitor", V, "--start", today),
                *("--today", today, "--note", f"met {NAME} at {ADDRESS}"),
                *("--activity", "job_search", "--outcome", "referral_made"),
            ),
            0,
        ),
        (("pair", "exclude", ERASED, W, "--reason", "a neighbour"), 0),
        (("pair", "unexclude", ERASED, W), 0),
        (("pair", "unexclude", ERASED, W), 1),  # refused: not excluded now
        (("import", "exclusions", str(exclusions), "--quiet"), 0),
        (("pair", "exclude", ERASED, W), 0),  # excluded already: a read of both
        (("pair", "unexclude", ERASED, W), 0),
        (("pair", "explain", ERASED, "--quiet"), 0),
        (("pair", "diff", "1"), 0),
        (("visits", "overdue", "--today", "2027-06-01"), 0),
        (("visits", "due", "--today", PLAN_START, "--visitor", V), 0),
        (("visits", "upcoming", "--today", PLAN_START, "--days", "200"), 0),
        (("household", "export", ERASED, "--out", str(out / "h.json")), 0),
        (("visitor", "export", V, "--out", str(out / "v.json")), 0),
        (("visitor", "export", W, "--out", str(out / "w.json")), 0),
        (("visits", "calendar", "--visitor", V, "--out", str(out / "v.ics")), 0),
        (("household", "erase", ERASED, "--yes"), 0),
    ]
    for args, code in steps:
        result = cli(*args)
        assert result.exit_code == code, (args, result.output)


def _text(value: Any) -> str:
    """A stored value as text: a JSON column's as JSON (parsed already on PostgreSQL)."""
    return json.dumps(value, default=str) if isinstance(value, dict | list) else str(value)


def _tables(engine: Engine) -> list[str]:
    """Every table of the database, the database's own statistics among them."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":  # sqlite_stat1 and, in a STAT4 build, samples
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        names = sorted(str(n) for n in conn.execute(text(query)).scalars())
    # PostgreSQL's sampled values of every column (names and addresses among them).
    return [*names, "pg_stats"] if engine.dialect.name == "postgresql" else names


def _holding(engine: Engine) -> list[tuple[str, dict[str, str]]]:
    """Each row of every table that holds the household's id, name or address in any
    column: (table, the row as text)."""
    found = []
    with engine.connect() as conn:
        for table in _tables(engine):
            for row in conn.execute(text(f'SELECT * FROM "{table}"')).mappings():
                as_text = {str(k): _text(v) for k, v in row.items()}
                if any(s in v for v in as_text.values() for s in (ERASED, NAME, ADDRESS)):
                    found.append((table, as_text))
    return found


#: What the erasure makes of the details of the household's own events.
REDACTED = {"redacted": "household erased"}
#: The entities of the household's own events (``household_data.HOUSEHOLD_EVENTS``).
ITS_OWN = ("household", "consent", "pairing_explanation")


def _promised(table: str, row: dict[str, str]) -> bool:
    """Whether docs/cli.md says the row stays: the household's own events keep who did what
    to its id, and when, their details cleared (an attempt's outcome kept), and the
    erasure's event keeps the id and the counts of the rows erased. The trail's index of
    ids (PostgreSQL's sampled values of ``entity_id``) holds what the trail holds."""
    if table == "pg_stats":
        return (row["tablename"], row["attname"]) == ("audit_events", "entity_id")
    if table != "audit_events" or row["entity"] not in ITS_OWN or row["entity_id"] != ERASED:
        return False
    detail = json.loads(row["detail"])
    if row["action"] == "delete" and set(detail) == {"erased"}:
        return ERASED not in row["detail"]
    return {k: v for k, v in detail.items() if k != "outcome"} == REDACTED


def test_an_erased_households_id_name_and_address_are_left_only_where_the_docs_say(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _history(cli, tmp_path)
    # The visitor it was kept apart from asks for their data after the erasure.
    theirs = tmp_path / "w-after.json"
    assert cli("visitor", "export", W, "--out", str(theirs)).exit_code == 0
    held = _holding(with_areas)
    # The scan finds what it looks for: the erasure's own event names the household.
    assert any(t == "audit_events" and r["action"] == "delete" for t, r in held)
    assert [(t, r) for t, r in held if not _promised(t, r)] == []
    # The visitor's export still lists each change to the exclusion (made, removed, a
    # removal refused, imported, shown, removed again), with whom no longer.
    events = json.loads(theirs.read_text(encoding="utf-8"))["records"]["audit_events"]
    kept_apart = [(e["action"], e["detail"]) for e in events if e["detail"].get("table")]
    gone = {"table": "exclusions", "household": "erased household"}
    refused = "erased household and WQ8 are not excluded; nothing to remove"
    assert kept_apart == [
        ("create", gone),
        ("update", {**gone, "removed": True}),
        ("update", {**gone, "removed": True, "outcome": "refused", "error": refused}),
        ("create", {**gone, "file": "x.csv"}),
        ("read", gone),
        ("update", {**gone, "removed": True}),
    ]
