"""The audit trail's events in a household's export: all of them, and only its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import Conflict
from doorstep.privacy.audit import Attempt, record_attempt
from doorstep.privacy.consent import consent_history
from doorstep.services import household_rights
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv


def _trail(engine: Engine, external_id: str) -> list[tuple[str, str]]:
    with unit_of_work(engine) as s:
        data = household_rights.export_household(s, external_id, actor="test")
    return [(e["action"], e["entity"]) for e in data["records"].get("audit_events", [])]


def test_a_read_of_its_consent_acts_is_in_the_export(with_areas: Engine, tmp_path: Path) -> None:
    run_import(
        with_areas,
        "households",
        write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H1")]),
    )
    with unit_of_work(with_areas) as s:
        consent_history(s, "H1", actor="officer")
    # Who looked at its consent is held about it, as an explanation of its pair is.
    assert _trail(with_areas, "H1") == [("create", "household"), ("read", "consent")]


def test_a_household_imported_under_an_erased_ones_id_gets_none_of_its_trail(
    with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H1")])
    run_import(with_areas, "households", path)
    assert _trail(with_areas, "H1") == [("create", "household")]
    assert _trail(with_areas, "H1") == [("create", "household"), ("subject_export", "household")]
    with unit_of_work(with_areas) as s:
        household_rights.erase_household(s, "H1", actor="test")
    # The id is used again (a new family, or the same one starting afresh): a new record,
    # whose export must not name what the erased one held (the erasure counts its rows).
    run_import(with_areas, "households", path)
    assert _trail(with_areas, "H1") == [("create", "household")]
    assert _trail(with_areas, "H1") == [("create", "household"), ("subject_export", "household")]


def test_erasing_a_household_clears_the_details_of_its_earlier_events_and_keeps_who_did_what(
    with_areas: Engine, tmp_path: Path
) -> None:
    rows = [household(household_id="H1"), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    with unit_of_work(with_areas) as s:
        consent_history(s, "H1", actor="officer")
        household_rights.export_household(s, "H1", actor="officer")
        household_rights.export_household(s, "H2", actor="officer")
    with unit_of_work(with_areas) as s:
        household_rights.erase_household(s, "H1", actor="manager")
    with with_areas.connect() as conn:
        events = [
            (actor, action, entity, entity_id, _json(detail))
            for actor, action, entity, entity_id, detail in conn.execute(
                text(
                    "SELECT actor, action, entity, entity_id, detail FROM audit_events "
                    "WHERE entity_id IS NOT NULL ORDER BY id"
                )
            )
        ]
    # What an export held (its tables and their row counts) is about H1: gone with it. Who
    # read or exported H1, and when, stays: the trail answers for the programme's staff.
    assert events == [
        ("test", "create", "household", "H1", {"redacted": "household erased"}),
        ("test", "create", "household", "H2", {"file": "h.csv"}),
        ("officer", "read", "consent", "H1", {"redacted": "household erased"}),
        ("officer", "subject_export", "household", "H1", {"redacted": "household erased"}),
        (
            "officer",
            "subject_export",
            "household",
            "H2",
            {"rows": {"households": 1, "areas": 1, "audit_events": 1}},
        ),
        ("manager", "delete", "household", "H1", {"erased": {"households": 1}}),
    ]


#: How an erasure that does not complete ends: Ctrl-C while it waits for the pairing lock
#: (failed), or SQLite's one writer busy past the timeout (refused).
_NOT_DONE = [(KeyboardInterrupt(), "failed"), (Conflict("another command is writing"), "refused")]


@pytest.mark.parametrize(("error", "outcome"), _NOT_DONE)
def test_an_erasure_that_did_not_complete_leaves_the_households_trail_its_own(
    with_areas: Engine, tmp_path: Path, error: BaseException, outcome: str
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H1")])
    run_import(with_areas, "households", path)
    with unit_of_work(with_areas) as s:
        consent_history(s, "H1", actor="officer")
    # What `household erase` records when it does not complete (cli.context.attempted).
    assert record_attempt(with_areas, Attempt("manager", "delete", "household", "H1"), error)
    # It erased nothing: the household's trail is still all of its events, the attempt
    # among them (who tried to erase it, and how that ended).
    with unit_of_work(with_areas) as s:
        data = household_rights.export_household(s, "H1", actor="officer")
    events = data["records"]["audit_events"]
    assert [(e["action"], e["entity"]) for e in events] == [
        ("create", "household"),
        ("read", "consent"),
        ("delete", "household"),
    ]
    assert events[-1]["detail"]["outcome"] == outcome
    with unit_of_work(with_areas) as s:
        household_rights.erase_household(s, "H1", actor="manager")
    with with_areas.connect() as conn:
        details = [
            _json(d)
            for (d,) in conn.execute(
                text("SELECT detail FROM audit_events WHERE entity_id = 'H1' ORDER BY id")
            )
        ]
    # The erasure clears every earlier event's detail, the attempt's but for its outcome
    # (which names no one, and tells a reader that it erased nothing).
    redacted = {"redacted": "household erased"}
    assert details == [
        redacted,  # its import
        redacted,  # the read of its consent
        {**redacted, "outcome": outcome},  # the erasure tried
        redacted,  # its export
        {"erased": {"households": 1}},
    ]


def _json(value: object) -> object:
    """A JSON column as read back: parsed already on PostgreSQL, text on SQLite."""
    return json.loads(value) if isinstance(value, str) else value
