"""Each consent act keeps the day it was entered (migration 0028), and an undated act counts
from that day: not on every day before it (an act that does not give consent), and not from
the household row's last write (an act that does), which any later change of the household
moved on. Acts entered before 0028 have no such day and keep the rule they had."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from doorstep.services import work_lists
from doorstep.services.household_consent import record_consent
from doorstep.services.visit_records import MadeVisit, record_visit
from doorstep.storage.repositories import visits
from doorstep.storage.repositories.visit_records import consent_on_day
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

#: Days before the machine's clock, so that a row written by a test is written after them,
#: as a later change of the household is (``updated_at`` is the database's own clock).
FIRST = dt.date(2026, 3, 2)  # H1's consent given, dated; paired with V1
D = dt.date(2026, 4, 6)  # the undated act entered
WITHDREW = dt.date(2026, 3, 9)


def _households(
    engine: Engine, tmp_path: Path, rows: list[dict[str, object]], day: dt.date
) -> None:
    run_import(
        engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows), today=day
    )


@pytest.fixture
def paired(with_areas: Engine, tmp_path: Path) -> Engine:
    """H1, its consent given (dated FIRST) and entered on FIRST, paired with V1 since."""
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    _households(with_areas, tmp_path, [household(consent_date=str(FIRST))], FIRST)
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (household_id, visitor_id, started_on) "
                "SELECT h.id, v.id, :d FROM households h, visitors v"
            ),
            {"d": FIRST},
        )
    return with_areas


def _hid(conn: Connection) -> int:
    return int(
        conn.execute(text("SELECT id FROM households WHERE external_id = 'H1'")).scalar_one()
    )


def _consent(engine: Engine, day: dt.date) -> str | None:
    with engine.connect() as conn:
        return consent_on_day(conn, _hid(conn), day)


def _act(engine: Engine) -> tuple[str, str | None, str | None]:
    with engine.connect() as conn:
        state, since, entered = conn.execute(
            text(
                "SELECT consent_state, consent_since, consent_entered_on FROM households "
                "WHERE external_id = 'H1'"
            )
        ).one()
    return str(state), None if since is None else str(since)[:10], _text(entered)


def _history(engine: Engine) -> list[tuple[str, str | None, str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, recorded_on, entered_on, replaced_on FROM consent_records "
                "ORDER BY id"
            )
        ).all()
    return [(str(a), _text(r), _text(e), _text(z)) for a, r, e, z in rows]


def _text(day: object) -> str | None:
    return None if day is None else str(day)[:10]


def _due(engine: Engine, day: dt.date) -> list[str]:
    with unit_of_work(engine) as s:
        rows = work_lists.work_list(s, "due", actor="test", today=day, days=60)
    return sorted(r["household"] for r in rows)


@pytest.mark.parametrize("state", ["pending", "withdrawn"])
def test_an_undated_act_withholding_consent_counts_from_the_day_it_was_entered(
    paired: Engine, tmp_path: Path, state: str
) -> None:
    # Entered on D without a date: an import leaves a pending act so; a withdrawal it dates
    # D, and here it is undated as one written some other way is.
    _households(paired, tmp_path, [household(consent=state, consent_date="")], D)
    if state == "withdrawn":
        with paired.begin() as conn:
            conn.execute(text("UPDATE households SET consent_since = NULL"))
    assert _act(paired) == (state, None, str(D))
    # The act replaced, with the day it was entered and the day it was replaced.
    assert _history(paired) == [("given", str(FIRST), str(FIRST), str(D))]
    before = D - dt.timedelta(days=3)
    assert (_consent(paired, before), _consent(paired, D)) == ("given", state)
    # The household consented before D: a visit made then is recorded, the work list of
    # the day before lists it, and a plan from before D plans it until the day before.
    with unit_of_work(paired) as s:
        made = record_visit(s, MadeVisit("H1", "V1", before), actor="test", today=D)
    assert made.was_planned is None
    assert (_due(paired, D - dt.timedelta(days=1)), _due(paired, D)) == (["H1"], [])
    with paired.connect() as conn:
        found = visits.scope_pairings(conn, "", before)
    assert found.select("consent_on_start", "consent_ends_on").rows() == [("given", D)]


def _given_again_undated(paired: Engine, tmp_path: Path, cleared: str) -> None:
    """H1 withdrew on WITHDREW; on D its consent was given again, its row last written at
    noon UTC, then made undated by ``cleared`` (as an act written some other way would be:
    an import takes an undated act the history holds already for an old registry's, and
    dates the others)."""
    _households(
        paired, tmp_path, [household(consent="withdrawn", consent_date=str(WITHDREW))], WITHDREW
    )
    _households(paired, tmp_path, [household(consent="given", consent_date=str(D))], D)
    noon = dt.datetime.combine(D, dt.time(12), tzinfo=dt.UTC)
    with paired.begin() as conn:
        conn.execute(text(f"UPDATE households SET {cleared}, updated_at = :t"), {"t": noon})


def test_an_undated_consent_counts_from_the_day_it_was_entered_whatever_changes_later(
    paired: Engine, tmp_path: Path
) -> None:
    _given_again_undated(paired, tmp_path, "consent_since = NULL")
    after = D + dt.timedelta(days=2)
    assert [_consent(paired, d) for d in (D - dt.timedelta(days=1), D, after)] == [
        "withdrawn",
        "given",
        "given",
    ]
    # A later change of the household, its address, writes its row again: the act still
    # counts from D (the row's last write is not when it was entered).
    _households(
        paired,
        tmp_path,
        [household(consent="", consent_date="", address="No. 2")],
        D + dt.timedelta(days=10),
    )
    assert _act(paired) == ("given", None, str(D))
    assert [_consent(paired, d) for d in (D - dt.timedelta(days=1), D, after)] == [
        "withdrawn",
        "given",
        "given",
    ]
    assert _due(paired, after) == ["H1"]
    with paired.connect() as conn:
        found = visits.scope_pairings(conn, "", D - dt.timedelta(days=7))
    assert found.select("consent_on_start", "consent_act_from").rows() == [("withdrawn", D)]


def test_an_undated_act_entered_before_0028_keeps_the_rule_it_had(
    paired: Engine, tmp_path: Path
) -> None:
    # As above, but the act has no day of entry (written before migration 0028): an
    # undated consent counts from the row's last write, which the change of address moves
    # on (the acts it replaced decide until then); an undated withdrawal on every day.
    _given_again_undated(paired, tmp_path, "consent_since = NULL, consent_entered_on = NULL")
    after = D + dt.timedelta(days=2)
    assert _consent(paired, after) == "given"
    _households(
        paired,
        tmp_path,
        [household(consent="", consent_date="", address="No. 2")],
        D + dt.timedelta(days=10),
    )
    assert _act(paired) == ("given", None, None)
    assert _consent(paired, after) == "withdrawn"
    with paired.begin() as conn:
        conn.execute(
            text(
                "UPDATE households SET consent_state = 'withdrawn', consent_since = NULL, "
                "consent_entered_on = NULL"
            )
        )
    assert _consent(paired, FIRST) == "withdrawn"


def test_an_undated_act_replaced_by_household_consent_is_kept_from_the_day_it_was_entered(
    paired: Engine, tmp_path: Path
) -> None:
    # Pending, undated, from D; consent given again at the door on D + 10. Between the two
    # the household was pending: the history keeps that act, dated by the day it was
    # entered (it used to be dropped, and the consent given before it decided those days).
    _households(paired, tmp_path, [household(consent="pending", consent_date="")], D)
    back = D + dt.timedelta(days=10)
    with unit_of_work(paired) as s:
        record_consent(s, "H1", "given", actor="v1", evidence="form", today=back)
    assert _act(paired) == ("given", str(back), str(back))
    assert _history(paired) == [
        ("given", str(FIRST), str(FIRST), str(D)),
        ("pending", str(D), str(D), str(back)),
    ]
    assert [_consent(paired, d) for d in (D - dt.timedelta(days=1), D, back)] == [
        "given",
        "pending",
        "given",
    ]
    # A withdrawal at the door replaces a dated act: kept with its date and its days.
    later = back + dt.timedelta(days=3)
    with unit_of_work(paired) as s:
        record_consent(s, "H1", "withdrawn", actor="v1", evidence="call", on=later, today=later)
    assert _history(paired)[-1] == ("given", str(back), str(back), str(later))
    assert _act(paired) == ("withdrawn", str(later), str(later))


def test_an_act_dated_before_the_one_in_force_is_filed_with_the_day_it_came(
    paired: Engine, tmp_path: Path
) -> None:
    _households(paired, tmp_path, [household(consent="withdrawn", consent_date=str(D))], D)
    filed = D + dt.timedelta(days=4)
    _households(paired, tmp_path, [household(consent="given", consent_date="2026-03-20")], filed)
    assert _act(paired) == ("withdrawn", str(D), str(D))
    assert _history(paired) == [
        ("given", str(FIRST), str(FIRST), str(D)),
        ("given", "2026-03-20", str(filed), str(filed)),
    ]
