"""A household's data at the command line: export it, erase it."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.cli.household import erase_cmd
from doorstep.config import get_settings
from doorstep.storage.repositories.household_data import referencing
from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv


def test_a_household_is_exported_as_json_and_erased_only_when_confirmed(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    rows = [household(household_id="H1"), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    out = tmp_path / "exports" / "h1.json"
    result = cli("household", "export", "H1", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["records"]["households"][0]["head_name"] == "Wang Fang"
    printed = cli("household", "export", "H1")
    assert json.loads(printed.output)["household"] == "H1"

    refused = cli("household", "erase", "H1")
    assert refused.exit_code == 2
    assert "add --yes" in refused.output
    done = cli("household", "erase", "H1", "--yes")
    assert done.exit_code == 0, done.output
    assert "warning" not in done.output
    with with_areas.connect() as conn:
        left = conn.execute(text("SELECT external_id FROM households")).scalars().all()
    assert left == ["H2"]
    gone = cli("household", "export", "H1")
    assert gone.exit_code == 1
    assert "household H1 was erased: nothing is held about it" in " ".join(gone.output.split())
    # Every command that looks the household up says so, not "no household" (a typo?).
    for command in (("pair", "explain", "H1"), ("pair", "exclude", "H1", "V1")):
        said = cli(*command)
        assert "household H1 was erased" in " ".join(said.output.split()), command


def test_an_erasure_says_so_when_a_reader_keeps_the_erased_rows_in_the_sqlite_file(
    cli: Invoke, with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if with_areas.dialect.name != "sqlite":
        pytest.skip("SQLite's write-ahead log; PostgreSQL frees erased rows at VACUUM")
    # The checkpoint waits for the reader up to the busy timeout: the setting's, a fifth of
    # a second here, where the default's 10 s were waited out.
    monkeypatch.setenv("DOORSTEP_SQLITE_BUSY_TIMEOUT_MS", "200")
    get_settings.cache_clear()
    rows = [household(household_id="H1", head_name="Qiu Xiaohong"), household(household_id="H2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    reader = sqlite3.connect(str(with_areas.url.database), isolation_level=None)
    try:  # a read under way (a report, a server's request) past the busy timeout
        reader.execute("BEGIN")
        assert reader.execute("SELECT COUNT(*) FROM households").fetchall() == [(2,)]
        done = cli("household", "erase", "H1", "--yes")
    finally:
        reader.close()
    assert done.exit_code == 0, done.output
    assert "Erased household H1" in done.output
    assert "warning: another program was reading the database" in done.output


#: How `household erase --help` names each table that refers to a household.
ERASED_AS = {
    "activity_attendance": "activities attended",
    "cancelled_visits": "visits",
    "consent_records": "consent acts",
    "consent_client_ids": "ids phones sent them under",
    "exclusions": "exclusions",
    "household_blackouts": "blackouts",
    "household_indicators": "indicators",
    "pairings": "pairings",
    "project_households": "projects that benefit it",
    "proposed_pairs": "proposed pairs",
    "referrals": "referrals to other organisations",
    "unvisited_pairings": "a plan left without a visit",
    "visits": "visits",
}


def test_erase_help_names_every_kind_of_row_an_erasure_deletes() -> None:
    """A table added that refers to households must be named here and in the help."""
    help_text = " ".join((erase_cmd.__doc__ or "").split())
    tables = {t.name for t, _ in referencing()}
    assert tables == set(ERASED_AS), tables ^ set(ERASED_AS)
    assert [t for t, words in ERASED_AS.items() if words not in help_text] == []


def test_a_household_s_consent_is_recorded_and_its_planned_visits_taken_off(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    from tests.factories.visits import PLAN_START, plan_three

    # Planned from today at the earliest, so that a withdrawal today has visits to take off.
    plan_three(with_areas, tmp_path, start=dt.date.fromisoformat(PLAN_START))
    today = dt.date.today()
    done = cli("household", "consent", "H2", "--state", "withdrawn", "--evidence", "a letter")
    assert done.exit_code == 0, done.output
    assert f"household H2's consent is withdrawn from {today} (was given" in done.output
    assert "no longer consents" in done.output
    again = cli("household", "consent", "H2", "--state", "withdrawn", "--evidence", "x")
    assert again.exit_code != 0
    assert f"withdrawn already since {today}" in again.output
    with with_areas.connect() as conn:
        planned = conn.execute(
            text(
                "SELECT COUNT(*) FROM visits vi JOIN households h ON h.id = vi.household_id "
                "WHERE h.external_id = 'H2' AND vi.status = 'planned'"
            )
        ).scalar_one()
    assert planned == 0


def test_a_consent_act_given_again_under_its_id_is_recorded_once(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    from tests.factories.visits import PLAN_START, plan_three

    # Planned from today at the earliest, so that a withdrawal today has visits to take off.
    plan_three(with_areas, tmp_path, start=dt.date.fromisoformat(PLAN_START))
    act = ("household", "consent", "H2", "--state", "withdrawn", "--evidence", "a letter")
    given = ("--id", "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D")
    first = cli(*act, *given)
    assert first.exit_code == 0, first.output
    said, notes = " ".join(first.output.split()).split("). ", 1)
    assert said.startswith("Recorded: household H2's consent is withdrawn")
    assert notes.startswith("1 household that no longer consents: ")
    again = cli(*act, *given)
    assert again.exit_code == 0, again.output
    # What the first run said, recorded already, its notes after a line that says so.
    assert " ".join(again.output.split()) == (
        f"Recorded already{said.removeprefix('Recorded')}). This act was recorded already, "
        f"when first sent: nothing was recorded again. What it did then, as first answered: "
        f"{notes}"
    )
    # An act kept before migration 0027 kept no figures: the note it had.
    with with_areas.begin() as conn:
        conn.execute(text("UPDATE consent_client_ids SET cancelled = NULL, cut = NULL"))
    kept = cli(*act, *given)
    assert kept.exit_code == 0, kept.output
    assert " ".join(kept.output.split()) == (
        f"Recorded already{said.removeprefix('Recorded')}). This act was recorded already, "
        "when first sent: nothing was recorded again, and the household's planned visits it "
        "took off, if any, were taken off then."
    )
    other = cli("household", "consent", "H2", "--state", "given", "--evidence", "a call", *given)
    assert other.exit_code == 1
    assert "a new act needs a new id" in other.output
    assert cli(*act, "--id", "not-a-uuid").exit_code == 2
    with with_areas.connect() as conn:
        ids = conn.execute(text("SELECT client_id FROM consent_client_ids")).scalars().all()
        history = conn.execute(
            text(
                "SELECT COUNT(*) FROM consent_records c JOIN households h "
                "ON h.id = c.household_id WHERE h.external_id = 'H2'"
            )
        ).scalar_one()
        state = conn.execute(
            text("SELECT consent_state FROM households WHERE external_id = 'H2'")
        ).scalar_one()
    assert ids == ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
    assert (history, state) == (1, "withdrawn")


def test_household_show_prints_the_file_and_its_json(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    from tests.factories.visits import first_planned, plan_three

    plan_three(with_areas, tmp_path)
    first, last = first_planned(with_areas, "H0")
    after = (last + dt.timedelta(days=1)).isoformat()
    shown = cli("household", "show", "H0", "--today", after, "--max-gap-days", "45")
    assert shown.exit_code == 0, shown.output
    text_out = " ".join(shown.output.split())
    assert "Household H0: Wang Fang, 4 members, Village one (R-C-V1)" in text_out
    assert "Consent today: given" in text_out
    assert f"not recorded │ {first} │ {last} │ V1" in text_out
    assert "at most 45 days between visits" in text_out and "with V1 Li Wei" in text_out
    # Its planned visit is over but not recorded: no visit is on record yet.
    assert "Li Wei: no visit recorded yet, " in text_out and "last visit" not in text_out
    as_json = cli("household", "show", "H0", "--today", after, "--json", "--visits", "0")
    assert as_json.exit_code == 0, as_json.output
    file = json.loads(as_json.output)
    assert (file["household"]["household"], file["as_of"]) == ("H0", after)
    assert file["visits_made"] == [] and file["visits_made_total"] == 1
    [row] = file["cadence"]
    assert row["last_visit"] is None and row["visitor"] == "V1"
    unknown = cli("household", "show", "H9")
    assert unknown.exit_code == 1 and "no household with id 'H9'" in unknown.output


def test_household_find_lists_the_households_found(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    rows = [household(household_id="H1"), household(household_id="H2", head_name="Li Na")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    found = cli("household", "find", "li n")
    assert found.exit_code == 0, found.output
    assert "H2" in found.output and "H1" not in found.output
    some = cli("household", "find", "h", "--limit", "1")
    assert "More than 1 found" in " ".join(some.output.split())
    assert "No household found." in cli("household", "find", "zz").output
    assert cli("household", "find", "h", "--area", "NOPE").exit_code == 1
