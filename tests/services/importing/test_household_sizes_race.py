"""Two imports at once on PostgreSQL, a households file lowering a household's members and an
indicators file raising its members in work: exactly one passes.

Each runs in a thread with its own engine, as two `doorstep import` processes would. The
first imports and holds its transaction open until the second has either finished or is
seen waiting for a lock; then it commits. Without the size lock the second checks its rows
against what the first has not committed yet, passes too, and the household is left with
more members in work than members. SQLite has one writer: the two cannot overlap there.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.services.importing import ImportRejected, import_file
from doorstep.storage.session import make_engine, unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.outcomes import INDICATOR_HEADER

POSTGRES = pytest.mark.parametrize(
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def _files(engine: Engine, tmp_path: Path) -> dict[str, Path]:
    """H1 of 3 members, 1 in work in 2025; a file giving it 1 member, one giving 2025 3 in
    work: each fits what is stored, and the two together do not."""
    start = [household(household_id="H1", members=3)]
    run_import(engine, "households", write_csv(tmp_path / "h0.csv", HOUSEHOLD_HEADER, start))
    year = [["H1", 2025, "", 1, ""]]
    run_import(engine, "indicators", write_csv(tmp_path / "i0.csv", INDICATOR_HEADER, year))
    return {
        "households": write_csv(
            tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H1", members=1)]
        ),
        "indicators": write_csv(tmp_path / "i.csv", INDICATOR_HEADER, [["H1", 2025, "", 3, ""]]),
    }


def _someone_waits(engine: Engine) -> bool:
    """Whether a session of this database waits for a lock it has not been granted."""
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.datname = current_database()"
            )
        ).scalar_one()
    return bool(waiting)


def _race(db_url: str, first: str, second: str, files: dict[str, Path]) -> dict[str, object]:
    """Import ``first``, and ``second`` while ``first``'s transaction is open; each one's
    outcome: "imported" or the error."""
    engines = {e: make_engine(db_url) for e in (first, second)}
    watcher = make_engine(db_url)
    first_in, second_done = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def run_first() -> None:
        try:
            with unit_of_work(engines[first]) as s:
                import_file(s, first, files[first], actor="first")
                first_in.set()
                deadline = time.monotonic() + 30
                while not second_done.is_set() and not _someone_waits(watcher):
                    assert time.monotonic() < deadline, "the second import neither ran nor waited"
                    time.sleep(0.02)
            outcomes[first] = "imported"
        except Exception as exc:  # the outcome under test, whatever it is
            outcomes[first] = exc
            first_in.set()

    def run_second() -> None:
        try:
            assert first_in.wait(30)
            with unit_of_work(engines[second]) as s:
                import_file(s, second, files[second], actor="second")
            outcomes[second] = "imported"
        except Exception as exc:
            outcomes[second] = exc
        finally:
            second_done.set()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for eng in [*engines.values(), watcher]:
        eng.dispose()
    return outcomes


@POSTGRES
@pytest.mark.parametrize("first", ["households", "indicators"])
def test_a_households_and_an_indicators_import_at_once_cannot_both_pass(
    db_url: str, with_areas: Engine, tmp_path: Path, first: str
) -> None:
    files = _files(with_areas, tmp_path)
    second = "indicators" if first == "households" else "households"
    outcomes = _race(db_url, first, second, files)
    assert outcomes[first] == "imported"
    assert isinstance(outcomes[second], ImportRejected), outcomes[second]
    with with_areas.connect() as conn:
        members, work = conn.execute(
            text(
                "SELECT h.members, i.members_in_work FROM households h "
                "JOIN household_indicators i ON i.household_id = h.id"
            )
        ).one()
    assert work <= members
