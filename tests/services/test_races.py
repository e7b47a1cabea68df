"""Check-then-insert races on PostgreSQL: two runs of one entry point at once, the first's
insert made but not committed while the second checks. The second must end as if sent
after the first: the duplicate refused naming what exists, or the idempotent "already
done"; never an integrity error, and the database holds the row once.

On SQLite a unit that writes holds the one writer's lock from its start, so the two take
turns; these tests are PostgreSQL's (``tests/factories/races``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from doorstep.errors import Conflict
from doorstep.services import (
    accounts,
    activities,
    exclusions,
    household_consent,
    projects,
    referrals,
    visit_records,
)
from doorstep.storage.session import make_engine
from tests.factories.db import area_tree
from tests.factories.emptied import empty_postgres
from tests.factories.files import AREA_HEADER, write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.races import TODAY, activity, count, in_unit, project, race, race_programme
from tests.factories.visits import first_planned


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(postgres_url: str) -> str:
    """PostgreSQL alone: on SQLite writers take turns, so nothing races."""
    eng = make_engine(postgres_url)
    empty_postgres(eng)
    eng.dispose()
    return postgres_url


@pytest.fixture
def programme(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    prebuilt(with_areas, tmp_path, race_programme, over=area_tree)
    return with_areas


def _refused(error: BaseException | None, says: str) -> None:
    assert isinstance(error, Conflict), repr(error)
    assert says in str(error), str(error)


def test_an_account_made_twice_at_once_is_made_once_and_the_second_refused_by_name(
    programme: Engine, db_url: str
) -> None:
    def add(s: Session) -> object:
        return accounts.add_account(s, "clerk", "manager", actor="test")

    raced = race(programme, db_url, add, in_unit(programme, add))
    _refused(raced.error, "account 'clerk' exists already")
    assert count(programme, "SELECT count(*) FROM accounts WHERE name = 'clerk'") == 1


def test_two_accounts_for_one_visitor_at_once_are_one_account_and_a_refusal_naming_it(
    programme: Engine, db_url: str
) -> None:
    def add(name: str) -> Callable[[Session], object]:
        return lambda s: accounts.add_account(s, name, "visitor", visitor="V2", actor="test")

    raced = race(programme, db_url, add("v2-a"), in_unit(programme, add("v2-b")))
    _refused(raced.error, "visitor V2 has an account already: 'v2-a'")
    assert count(programme, "SELECT count(*) FROM accounts WHERE visitor_id IS NOT NULL") == 1


def test_an_activity_code_added_twice_at_once_is_added_once(programme: Engine, db_url: str) -> None:
    add = lambda s: activity(s, "TRIP")  # noqa: E731
    raced = race(programme, db_url, add, in_unit(programme, add))
    _refused(raced.error, "an activity with code 'TRIP' exists already")
    assert count(programme, "SELECT count(*) FROM activities WHERE code = 'TRIP'") == 1


def test_attendance_sent_twice_at_once_is_recorded_once_and_answered_already(
    programme: Engine, db_url: str
) -> None:
    def attend(s: Session) -> activities.Attended:
        return activities.attend(s, "CAMP", households=["H0"], visitors=["V1"], actor="test")

    raced = race(programme, db_url, attend, in_unit(programme, attend))
    assert raced.error is None, repr(raced.error)
    assert raced.first.added == ("H0", "V1")
    assert raced.second == activities.Attended((), ("H0", "V1"))
    assert count(programme, "SELECT count(*) FROM activity_attendance") == 2


def test_a_project_code_added_twice_at_once_is_added_once(programme: Engine, db_url: str) -> None:
    add = lambda s: project(s, "ROAD")  # noqa: E731
    raced = race(programme, db_url, add, in_unit(programme, add))
    _refused(raced.error, "a project with code 'ROAD' exists already")
    assert count(programme, "SELECT count(*) FROM projects WHERE code = 'ROAD'") == 1


def test_a_beneficiary_sent_twice_at_once_is_recorded_once_and_answered_already(
    programme: Engine, db_url: str
) -> None:
    def benefit(s: Session) -> projects.Benefited:
        return projects.benefit(s, "WELL", households=["H1"], actor="test")

    raced = race(programme, db_url, benefit, in_unit(programme, benefit))
    assert raced.error is None, repr(raced.error)
    assert raced.second == projects.Benefited((), ("H1",))
    assert count(programme, "SELECT count(*) FROM project_households") == 1


def _referral(client_id: str) -> Callable[[Session], tuple[int, bool]]:
    """The API's and the outbox's unit: the referral sent again, else made."""

    def send(s: Session) -> tuple[int, bool]:
        said = {"organisation": "JOBS", "service": "employment", "visitor": "V1"}
        found = referrals.sent_again(s, client_id, "H2", made_on=TODAY, actor="test", **said)
        if found is not None:
            return found.id, True
        made = referrals.add_referral(
            s, "H2", made_on=TODAY, actor="test", today=TODAY, client_id=client_id, **said
        )
        return made.id, False

    return send


def test_a_referral_sent_twice_at_once_is_made_once_and_answered_already(
    programme: Engine, db_url: str
) -> None:
    send = _referral("5b1f7a52-0000-4000-8000-000000000001")
    raced = race(programme, db_url, send, in_unit(programme, send))
    assert raced.error is None, repr(raced.error)
    assert raced.second == (raced.first[0], True)
    assert count(programme, "SELECT count(*) FROM referrals") == 1


def _visit(engine: Engine, visit_id: str) -> Callable[[Session], bool]:
    """The API's and the outbox's unit: H0's first planned visit, sent again, else
    recorded; whether it was recorded."""
    first, last = first_planned(engine, "H0")
    made = visit_records.MadeVisit("H0", "V1", first, last, visit_id=visit_id)

    def send(s: Session) -> bool:
        if visit_records.sent_again(s, made, actor="test"):
            return False
        visit_records.record_visit(s, made, actor="test", today=TODAY)
        return True

    return send


def test_a_visit_synced_twice_at_once_is_recorded_once_and_answered_already(
    programme: Engine, db_url: str
) -> None:
    send = _visit(programme, "phone-0001")
    raced = race(programme, db_url, send, in_unit(programme, send))
    assert raced.error is None, repr(raced.error)
    assert (raced.first, raced.second) == (True, False)
    done = "SELECT count(*) FROM visits WHERE status = 'done'"
    assert count(programme, done) == 1


def test_a_consent_act_sent_twice_at_once_is_recorded_once_and_answered_already(
    programme: Engine, db_url: str
) -> None:
    def act(s: Session) -> household_consent.ConsentRecorded:
        return household_consent.record_consent(
            s,
            "H1",
            "withdrawn",
            actor="test",
            evidence="a call",
            today=TODAY,
            client_id="0b7c1d2e-0000-4000-8000-000000000002",
        )

    raced = race(programme, db_url, act, in_unit(programme, act))
    assert raced.error is None, repr(raced.error)
    assert not raced.first.already
    assert raced.second is not None and raced.second.already
    assert count(programme, "SELECT count(*) FROM consent_client_ids") == 1


def test_a_pair_excluded_twice_at_once_is_one_exclusion_and_answered_unchanged(
    programme: Engine, db_url: str
) -> None:
    def exclude(s: Session) -> exclusions.ExclusionChange:
        return exclusions.exclude(s, "H0", "V2", reason=None, actor="test", today=TODAY)

    raced = race(programme, db_url, exclude, in_unit(programme, exclude))
    assert raced.error is None, repr(raced.error)
    assert raced.first.change is exclusions.Change.ADDED
    assert raced.second is not None and raced.second.change is exclusions.Change.UNCHANGED
    assert count(programme, "SELECT count(*) FROM exclusions") == 1


def test_an_area_imported_twice_at_once_is_one_area(
    programme: Engine, db_url: str, tmp_path: Path
) -> None:
    from doorstep.services.importing.service import import_file

    rows = [{"code": "R-C-V3", "name": "Village 3", "parent_code": "R-C", "level": "village"}]
    path = write_csv(tmp_path / "new.csv", AREA_HEADER, rows)

    def load(s: Session) -> object:
        return import_file(s, "areas", path, actor="test", today=TODAY)

    raced = race(programme, db_url, load, in_unit(programme, load))
    assert raced.error is None, repr(raced.error)
    assert count(programme, "SELECT count(*) FROM areas WHERE code = 'R-C-V3'") == 1


def test_a_visit_recorded_twice_at_once_without_a_device_id_is_recorded_once(
    programme: Engine, db_url: str
) -> None:
    first, last = first_planned(programme, "H0")
    made = visit_records.MadeVisit("H0", "V1", first, last)

    def record(s: Session) -> visit_records.Recorded:
        return visit_records.record_visit(s, made, actor="test", today=TODAY)

    raced = race(programme, db_url, record, in_unit(programme, record))
    _refused(raced.error, "this visit is recorded already")
    assert count(programme, "SELECT count(*) FROM visits WHERE status = 'done'") == 1


def test_a_visit_marked_missed_twice_at_once_is_answered_marked_already(
    programme: Engine, db_url: str
) -> None:
    first, _ = first_planned(programme, "H0")

    def missed(s: Session) -> visit_records.Missed:
        return visit_records.mark_missed(s, "H0", "V1", first, actor="test", today=TODAY)

    raced = race(programme, db_url, missed, in_unit(programme, missed))
    assert raced.error is None, repr(raced.error)
    assert not raced.first.already
    assert raced.second is not None and raced.second.already
    assert count(programme, "SELECT count(*) FROM visits WHERE status = 'missed'") == 1


def test_a_consent_act_made_twice_at_once_without_a_device_id_is_refused_as_in_force(
    programme: Engine, db_url: str
) -> None:
    def act(s: Session) -> household_consent.ConsentRecorded:
        return household_consent.record_consent(
            s, "H1", "withdrawn", actor="test", evidence="a call", today=TODAY
        )

    history = "SELECT count(*) FROM consent_records"
    before = count(programme, history)
    raced = race(programme, db_url, act, in_unit(programme, act))
    _refused(raced.error, "household H1's consent is withdrawn already")
    assert count(programme, history) == before + 1  # the act it replaced, once


def test_a_visit_synced_while_an_import_writes_it_is_answered_recorded_already(
    programme: Engine, db_url: str, tmp_path: Path
) -> None:
    from doorstep.services.importing.service import import_file

    first, last = first_planned(programme, "H0")
    header = ["visit_id", "household_id", "visitor_id", "start", "end"]
    rows = [["phone-0001", "H0", "V1", first.isoformat(), last.isoformat()]]
    path = write_csv(tmp_path / "visits.csv", header, rows)

    def imported(s: Session) -> object:
        return import_file(s, "visits", path, actor="test", today=TODAY)

    send = _visit(programme, "phone-0001")
    raced = race(programme, db_url, imported, in_unit(programme, send))
    assert raced.error is None, repr(raced.error)
    assert raced.second is False  # found, not recorded again
    assert count(programme, "SELECT count(*) FROM visits WHERE status = 'done'") == 1


def test_an_account_disabled_twice_at_once_is_disabled_once_and_the_second_told_so(
    programme: Engine, db_url: str
) -> None:
    in_unit(programme, lambda s: accounts.add_account(s, "clerk", "manager", actor="test"))()

    def disable(s: Session) -> int:
        return accounts.disable_account(s, "clerk", actor="test")

    raced = race(programme, db_url, disable, in_unit(programme, disable))
    _refused(raced.error, "account 'clerk' is disabled already")
    disabled = "SELECT count(*) FROM audit_events WHERE entity_id = 'clerk' AND action = 'update'"
    assert count(programme, disabled) == 1


def test_a_pairing_proposal_committed_twice_at_once_is_committed_once(
    programme: Engine, db_url: str
) -> None:
    from doorstep.engine.pairing.params import PairingParams
    from doorstep.services import pairing

    def propose(s: Session) -> int:
        return pairing.propose(s, "R", params=PairingParams(), actor="test", today=TODAY).id

    number = in_unit(programme, propose)()

    def commit(s: Session) -> object:
        return pairing.commit(s, number, actor="test", today=TODAY)

    raced = race(programme, db_url, commit, in_unit(programme, commit))
    _refused(raced.error, f"proposal {number} is committed")
    committed = "SELECT count(*) FROM audit_events WHERE entity = 'pairing_proposal'"
    assert count(programme, committed + f" AND entity_id = '{number}' AND action = 'update'") == 1
