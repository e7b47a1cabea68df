"""An old registry imported again brings acts the household's consent history holds
already: they are not news, and never undo the act that replaced them (a withdrawal
is news unless dated before the act in force: it is never dropped)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services.importing import ImportSummary
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

TODAY = dt.date(2026, 6, 1)


def _import(engine: Engine, tmp_path: Path, name: str, consent: str, day: str) -> ImportSummary:
    rows = [household(household_id="H1", consent=consent, consent_date=day)]
    path = write_csv(tmp_path / name, HOUSEHOLD_HEADER, rows)
    return run_import(engine, "households", path, today=TODAY)


def _act(engine: Engine) -> tuple[str, str]:
    with engine.connect() as conn:
        state, since = conn.execute(
            text("SELECT consent_state, consent_since FROM households WHERE external_id = 'H1'")
        ).one()
    return (state, str(since)[:10] if since else "")


def _history(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, recorded_on FROM consent_records ORDER BY id"))
        return [(a, str(d)[:10]) for a, d in rows.all()]


def test_an_old_registry_does_not_give_back_consent_put_back_to_pending(
    with_areas: Engine, tmp_path: Path
) -> None:
    _import(with_areas, tmp_path, "old.csv", "given", "2025-11-11")
    _import(with_areas, tmp_path, "change.csv", "pending", "")
    assert _act(with_areas) == ("pending", "")
    history = _history(with_areas)
    summary = _import(with_areas, tmp_path, "old.csv", "given", "2025-11-11")
    assert _act(with_areas) == ("pending", "")  # not given again
    assert _history(with_areas) == history
    assert summary.unchanged == 1
    assert any("already in its consent history" in n for n in summary.notes)


def test_an_old_registry_with_an_undated_pending_does_not_undo_consent_given_since(
    with_areas: Engine, tmp_path: Path
) -> None:
    _import(with_areas, tmp_path, "old.csv", "pending", "")
    _import(with_areas, tmp_path, "change.csv", "given", "2026-05-30")
    summary = _import(with_areas, tmp_path, "old.csv", "pending", "")
    assert _act(with_areas) == ("given", "2026-05-30")
    assert summary.unchanged == 1


def test_an_act_the_history_does_not_hold_is_applied_as_before(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Given, withdrawn, then given again on a new day: the new act is news.
    _import(with_areas, tmp_path, "a.csv", "given", "2025-11-11")
    _import(with_areas, tmp_path, "b.csv", "withdrawn", "2026-01-10")
    summary = _import(with_areas, tmp_path, "c.csv", "given", "2026-05-02")
    assert _act(with_areas) == ("given", "2026-05-02")
    assert summary.updated == 1
    assert not summary.notes
    # An undated act of a decision the history does not hold counts from today.
    _import(with_areas, tmp_path, "d.csv", "pending", "")
    assert _act(with_areas) == ("pending", "")


def test_a_new_households_undated_consent_counts_from_today(
    with_areas: Engine, tmp_path: Path
) -> None:
    _import(with_areas, tmp_path, "a.csv", "pending", "")
    summary = _import(with_areas, tmp_path, "b.csv", "given", "")
    assert _act(with_areas) == ("given", TODAY.isoformat())
    assert summary.updated == 1


def test_an_undated_act_the_history_holds_needs_a_date_to_be_recorded_anew(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Undated, "given" would count from today and undo the withdrawal: an old file that
    # carried no dates would give back consent withdrawn since.
    _import(with_areas, tmp_path, "a.csv", "given", "2026-01-05")
    _import(with_areas, tmp_path, "b.csv", "withdrawn", "2026-05-20")
    summary = _import(with_areas, tmp_path, "c.csv", "given", "")
    assert _act(with_areas) == ("withdrawn", "2026-05-20")
    assert any("give it a consent_date" in n for n in summary.notes)
    _import(with_areas, tmp_path, "d.csv", "given", "2026-05-31")
    assert _act(with_areas) == ("given", "2026-05-31")


def test_an_undated_withdrawal_is_applied_though_the_household_withdrew_before(
    with_areas: Engine, tmp_path: Path
) -> None:
    _import(with_areas, tmp_path, "a.csv", "given", "2025-11-11")
    _import(with_areas, tmp_path, "b.csv", "withdrawn", "2026-01-10")
    _import(with_areas, tmp_path, "c.csv", "given", "2026-05-02")
    summary = _import(with_areas, tmp_path, "d.csv", "withdrawn", "")
    assert _act(with_areas) == ("withdrawn", TODAY.isoformat())  # counts from today
    assert _history(with_areas)[-1] == ("given", "2026-05-02")
    assert summary.updated == 1
    assert not summary.notes


def test_a_withdrawal_on_the_day_of_the_consent_in_force_wins(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Withdrawn today (undated), given again today, withdrawn again today: the last act
    # must hold, and a date of today is the only one it can have (a later one is refused).
    _import(with_areas, tmp_path, "a.csv", "given", "2026-01-05")
    _import(with_areas, tmp_path, "b.csv", "withdrawn", "")
    _import(with_areas, tmp_path, "c.csv", "given", TODAY.isoformat())
    assert _act(with_areas) == ("given", TODAY.isoformat())
    summary = _import(with_areas, tmp_path, "d.csv", "withdrawn", TODAY.isoformat())
    assert _act(with_areas) == ("withdrawn", TODAY.isoformat())
    assert summary.updated == 1


def test_an_old_registry_does_not_undo_consent_given_since_its_withdrawal(
    with_areas: Engine, tmp_path: Path
) -> None:
    _import(with_areas, tmp_path, "a.csv", "given", "2025-11-11")
    _import(with_areas, tmp_path, "old.csv", "withdrawn", "2026-01-10")
    _import(with_areas, tmp_path, "c.csv", "given", "2026-05-02")
    history = _history(with_areas)
    summary = _import(with_areas, tmp_path, "old.csv", "withdrawn", "2026-01-10")
    assert _act(with_areas) == ("given", "2026-05-02")  # superseded: dated before it
    assert _history(with_areas) == history
    assert summary.unchanged == 1
