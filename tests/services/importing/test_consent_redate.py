"""A household's row that keeps its consent but gives it another date corrects the date of
the act in force, audited; it never puts that act before one of another decision."""

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


def _act(engine: Engine) -> tuple[str, str, str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT consent_state, consent_since, consent_recorded_by, consent_evidence "
                "FROM households WHERE external_id = 'H1'"
            )
        ).one()
    return (row[0], str(row[1])[:10], row[2], row[3])


def _history(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, recorded_on FROM consent_records ORDER BY id")
        ).all()
    return [(a, str(d)[:10]) for a, d in rows]


def _updates(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [
            str(d)
            for d in conn.execute(
                text(
                    "SELECT detail FROM audit_events WHERE entity = 'household' "
                    "AND entity_id = 'H1' AND action = 'update' ORDER BY id"
                )
            ).scalars()
        ]


def test_the_same_consent_with_an_earlier_date_corrects_the_act_in_force_and_is_audited(
    with_areas: Engine, tmp_path: Path
) -> None:
    # The first file had no date: the import dated the act on its own day.
    _import(with_areas, tmp_path, "first.csv", "given", "")
    assert _act(with_areas) == ("given", "2026-06-01", "test", "imported from first.csv")
    summary = _import(with_areas, tmp_path, "dated.csv", "given", "2026-03-15")
    assert (summary.updated, summary.unchanged) == (1, 0)
    assert summary.notes == (
        "1 household with the same consent and another consent_date: its current consent "
        "act was re-dated, as a correction.",
    )
    assert _act(with_areas) == ("given", "2026-03-15", "test", "imported from dated.csv")
    assert _history(with_areas) == []  # one act, dated anew: no act was replaced
    assert len(_updates(with_areas)) == 1 and "dated.csv" in _updates(with_areas)[0]
    # The same file again holds nothing new.
    again = _import(with_areas, tmp_path, "dated.csv", "given", "2026-03-15")
    assert (again.updated, again.unchanged, again.notes) == (0, 1, ())


def test_the_same_consent_with_a_later_date_corrects_it_too(
    with_areas: Engine, tmp_path: Path
) -> None:
    _import(with_areas, tmp_path, "first.csv", "given", "2026-02-01")
    summary = _import(with_areas, tmp_path, "fixed.csv", "given", "2026-02-10")
    assert summary.updated == 1
    assert _act(with_areas)[:2] == ("given", "2026-02-10")
    assert _history(with_areas) == []


def test_a_withdrawal_is_never_dated_later_it_counts_from_its_first_date(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Re-dated to 02-10, it would give the household consent for 02-01..02-09.
    _import(with_areas, tmp_path, "first.csv", "withdrawn", "2026-02-01")
    summary = _import(with_areas, tmp_path, "later.csv", "withdrawn", "2026-02-10")
    assert summary.unchanged == 1
    assert _act(with_areas)[:2] == ("withdrawn", "2026-02-01")
    assert any("counts from its first date" in n for n in summary.notes)
    # An earlier date is a correction like any other.
    _import(with_areas, tmp_path, "earlier.csv", "withdrawn", "2026-01-25")
    assert _act(with_areas)[:2] == ("withdrawn", "2026-01-25")


def test_a_date_before_an_act_of_another_decision_joins_the_history_instead(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Given on 01-10, withdrawn on 02-01, given again on 03-01.
    for name, consent, day in (
        ("a.csv", "given", "2026-01-10"),
        ("b.csv", "withdrawn", "2026-02-01"),
        ("c.csv", "given", "2026-03-01"),
    ):
        _import(with_areas, tmp_path, name, consent, day)
    history = [("given", "2026-01-10"), ("withdrawn", "2026-02-01")]
    assert _history(with_areas) == history
    # Re-dated to 01-20, the act in force would undo the withdrawal after it: the row is an
    # act of its own, before the withdrawal, as the history tells it.
    summary = _import(with_areas, tmp_path, "d.csv", "given", "2026-01-20")
    assert summary.notes == (
        "1 consent act dated before the household's current one went to its history; "
        "the current act stays in force.",
    )
    assert _act(with_areas)[:2] == ("given", "2026-03-01")
    assert _history(with_areas) == [*history, ("given", "2026-01-20")]
    # An act the history holds already (an old registry imported again) is not news.
    again = _import(with_areas, tmp_path, "a.csv", "given", "2026-01-10")
    assert (again.updated, again.unchanged, again.notes) == (0, 1, ())
    # After the withdrawal, the act in force is corrected.
    _import(with_areas, tmp_path, "e.csv", "given", "2026-02-15")
    assert _act(with_areas)[:2] == ("given", "2026-02-15")
    assert _history(with_areas) == [*history, ("given", "2026-01-20")]


def test_a_pending_act_in_the_history_does_not_bound_a_correction(
    with_areas: Engine, tmp_path: Path
) -> None:
    # Pending (undated) until the import of 06-01 gave consent dated 05-01: the replaced
    # pending act is recorded on the day it was replaced.
    _import(with_areas, tmp_path, "a.csv", "pending", "")
    _import(with_areas, tmp_path, "b.csv", "given", "2026-05-01")
    assert _history(with_areas) == [("pending", "2026-06-01")]
    _import(with_areas, tmp_path, "c.csv", "given", "2026-04-20")
    assert _act(with_areas)[:2] == ("given", "2026-04-20")
