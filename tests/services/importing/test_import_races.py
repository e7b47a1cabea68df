"""Imports racing on PostgreSQL: each kind of file imported twice at once, and an import
racing the one-row writes of the same keys (an activity added while a file adds it, a
household's consent act while a households file writes it, a project's status moved, a
visitor erased while a file names them...). The first holds its transaction open, its
rows written, while the second runs; the second must end as if run after the first: the
file's rows found stored (counted unchanged, not created again) or refused naming the row,
the one-row write refused naming what exists or answered "already"; never an integrity
error ("run it again"), a deadlock, a row dropped unsaid or held twice
(``tests/factories/races``).

On SQLite a unit that writes holds the one writer's lock from its start: nothing races."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from doorstep.errors import Conflict
from doorstep.services import (
    activities,
    exclusions,
    household_consent,
    household_rights,
    projects,
    referrals,
    visit_records,
    visitor_days,
    visitor_rights,
)
from doorstep.services.importing import ImportRejected, ImportSummary, import_file
from doorstep.storage.session import make_engine
from tests.factories.db import area_tree
from tests.factories.emptied import empty_postgres
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
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


@dataclass(frozen=True)
class File:
    """A one-row file of ``kind`` and what counts its row in the database."""

    kind: str
    header: list[str]
    row: list[object]
    held: str  # a count of the row: 1 once imported
    replace: bool = False

    def write(self, folder: Path) -> Path:
        return write_csv(folder / f"{self.kind}.csv", self.header, [self.row])

    def importer(self, path: Path) -> Callable[[Session], ImportSummary]:
        def load(s: Session) -> ImportSummary:
            return import_file(
                s, self.kind, path, actor="test", today=TODAY, replace_future=self.replace
            )

        return load


_H9 = household(household_id="H9", consent_date=TODAY.isoformat())
_LEAVE = File(
    "leave",
    ["visitor_id", "starts_on", "ends_on"],
    ["V2", "2027-04-01", "2027-04-05"],
    "SELECT count(*) FROM visitor_leave",
)
_BLACKOUTS = File(
    "blackouts",
    ["household_id", "starts_on", "ends_on"],
    ["H1", "2027-04-01", "2027-04-05"],
    "SELECT count(*) FROM household_blackouts",
)
_ACTIVITY = File(
    "activities",
    ["code", "kind", "title", "area_code", "starts_on", "ends_on"],
    ["TRIP", "training", "Camp", "R", TODAY, TODAY],
    "SELECT count(*) FROM activities WHERE code = 'TRIP'",
)
_ATTENDANCE = File(
    "attendance",
    ["activity_code", "household_id"],
    ["CAMP", "H0"],
    "SELECT count(*) FROM activity_attendance",
)
_PROJECT = File(
    "projects",
    ["code", "title", "sponsor_code", "area_code", "starts_on", "status"],
    ["ROAD", "Well", "JOBS", "R", TODAY, "planned"],
    "SELECT count(*) FROM projects WHERE code = 'ROAD'",
)
_BENEFICIARY = File(
    "project_households",
    ["project_code", "household_id"],
    ["WELL", "H1"],
    "SELECT count(*) FROM project_households",
)
_REFERRAL = File(
    "referrals",
    ["household_id", "organisation_code", "service", "made_on", "visitor_id"],
    ["H2", "JOBS", "employment", TODAY, "V1"],
    "SELECT count(*) FROM referrals",
)
_EXCLUSION = File(
    "exclusions", ["household_id", "visitor_id"], ["H0", "V2"], "SELECT count(*) FROM exclusions"
)

#: One file of each kind.
FILES = [
    File(
        "organisations",
        ["code", "name", "kind"],
        ["SCHOOL", "School", "department"],
        "SELECT count(*) FROM organisations WHERE code = 'SCHOOL'",
    ),
    File(
        "teams",
        ["code", "name", "area_code", "starts_on"],
        ["T1", "Team one", "R-C", "2027-01-01"],
        "SELECT count(*) FROM teams WHERE code = 'T1'",
    ),
    File(
        "visitors",
        VISITOR_HEADER,
        [visitor(visitor_id="V9").get(h, "") for h in VISITOR_HEADER],
        "SELECT count(*) FROM visitors WHERE external_id = 'V9'",
    ),
    File(
        "households",
        HOUSEHOLD_HEADER,
        [_H9.get(h, "") for h in HOUSEHOLD_HEADER],
        "SELECT count(*) FROM households WHERE external_id = 'H9'",
    ),
    File(
        "indicators",
        ["household_id", "year", "annual_income"],
        ["H0", "2026", "1000"],
        "SELECT count(*) FROM household_indicators",
    ),
    _LEAVE,
    File(**{**_LEAVE.__dict__, "replace": True}),
    _BLACKOUTS,
    File(**{**_BLACKOUTS.__dict__, "replace": True}),
    _EXCLUSION,
    _ACTIVITY,
    _ATTENDANCE,
    _PROJECT,
    _BENEFICIARY,
    _REFERRAL,
]


@pytest.mark.parametrize(
    "file", FILES, ids=[f.kind + (" --replace" if f.replace else "") for f in FILES]
)
def test_a_file_imported_twice_at_once_is_written_once_and_found_unchanged_the_second_time(
    programme: Engine, db_url: str, tmp_path: Path, file: File
) -> None:
    load = file.importer(file.write(tmp_path))
    raced = race(programme, db_url, load, in_unit(programme, load))
    assert raced.error is None, repr(raced.error)
    assert raced.first.created == 1
    second = raced.second
    assert second is not None
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    assert count(programme, file.held) == 1


def test_a_visits_file_imported_twice_at_once_records_the_visit_once(
    programme: Engine, db_url: str, tmp_path: Path
) -> None:
    file = _visits(programme)
    load = file.importer(file.write(tmp_path))
    raced = race(programme, db_url, load, in_unit(programme, load))
    assert raced.error is None, repr(raced.error)
    second = raced.second
    assert second is not None
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    assert count(programme, "SELECT count(*) FROM visits WHERE status = 'done'") == 1


def _visits(engine: Engine) -> File:
    """H0's first planned visit made, sent by a phone as ``phone-0001``."""
    first, last = first_planned(engine, "H0")
    return File(
        "visits",
        ["visit_id", "household_id", "visitor_id", "start", "end"],
        ["phone-0001", "H0", "V1", first.isoformat(), last.isoformat()],
        "SELECT count(*) FROM visits WHERE status = 'done'",
    )


@dataclass(frozen=True)
class Write:
    """A one-row write of the keys a one-row ``file`` imports, and how it ends run after
    the file's import: ``said`` (a refusal's words) or ``answer`` (its result)."""

    name: str
    file: File
    write: Callable[[Session], object]
    said: str = ""
    answer: object = None


def _consent(s: Session) -> object:
    return household_consent.record_consent(
        s, "H9", "withdrawn", actor="test", evidence="a call", today=TODAY
    ).already


def _referral(s: Session) -> object:
    said = {"organisation": "JOBS", "service": "employment", "visitor": "V1"}
    return referrals.add_referral(s, "H2", made_on=TODAY, actor="test", today=TODAY, **said).id


def _ended(s: Session) -> object:
    return visitor_days.end_visitor(s, "V9", TODAY, actor="test", today=TODAY) is not None


WRITES = [
    Write("activity added", _ACTIVITY, lambda s: activity(s, "TRIP"), "'TRIP' exists already"),
    Write(
        "attendance",
        _ATTENDANCE,
        lambda s: activities.attend(s, "CAMP", households=["H0"], visitors=[], actor="test"),
        answer=activities.Attended((), ("H0",)),
    ),
    Write("project added", _PROJECT, lambda s: project(s, "ROAD"), "'ROAD' exists already"),
    Write(
        "beneficiary",
        _BENEFICIARY,
        lambda s: projects.benefit(s, "WELL", households=["H1"], actor="test"),
        answer=projects.Benefited((), ("H1",)),
    ),
    Write(
        "pair excluded",
        _EXCLUSION,
        lambda s: exclusions.exclude(s, "H0", "V2", reason=None, actor="test", today=TODAY).change,
        answer=exclusions.Change.UNCHANGED,
    ),
    Write("consent act", FILES[3], _consent, answer=False),
    Write("visitor ended", FILES[2], _ended, answer=True),
]


@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
def test_a_one_row_write_while_a_file_imports_its_keys_ends_as_if_made_after_it(
    programme: Engine, db_url: str, tmp_path: Path, write: Write
) -> None:
    load = write.file.importer(write.file.write(tmp_path))
    raced = race(programme, db_url, load, in_unit(programme, write.write))
    if write.said:
        assert isinstance(raced.error, Conflict), repr(raced.error)
        assert write.said in str(raced.error), str(raced.error)
        assert count(programme, write.file.held) == 1
    else:
        assert raced.error is None, repr(raced.error)
        assert raced.second == write.answer


#: Files whose row a one-row write made first: the import, run after it, finds it stored.
FOUND = [
    (_ACTIVITY, lambda s: activity(s, "TRIP")),
    (_ATTENDANCE, WRITES[1].write),
    (_PROJECT, lambda s: project(s, "ROAD")),
    (_BENEFICIARY, WRITES[3].write),
    (_EXCLUSION, WRITES[4].write),
    (_REFERRAL, _referral),
]


@pytest.mark.parametrize(("file", "write"), FOUND, ids=[f.kind for f, _ in FOUND])
def test_a_file_imported_while_a_one_row_write_makes_its_row_finds_it_stored(
    programme: Engine,
    db_url: str,
    tmp_path: Path,
    file: File,
    write: Callable[[Session], object],
) -> None:
    load = file.importer(file.write(tmp_path))
    raced = race(programme, db_url, write, in_unit(programme, load))
    assert raced.error is None, repr(raced.error)
    second = raced.second
    assert second is not None
    assert second.created == 0, second
    assert count(programme, file.held) == 1


def test_a_visit_recorded_while_a_file_records_it_is_refused_as_recorded_already(
    programme: Engine, db_url: str, tmp_path: Path
) -> None:
    file = _visits(programme)
    first, last = first_planned(programme, "H0")
    made = visit_records.MadeVisit("H0", "V1", first, last)
    load = file.importer(file.write(tmp_path))

    def record(s: Session) -> object:
        return visit_records.record_visit(s, made, actor="test", today=TODAY)

    raced = race(programme, db_url, load, in_unit(programme, record))
    assert isinstance(raced.error, Conflict), repr(raced.error)
    assert "this visit is recorded already" in str(raced.error)
    assert count(programme, file.held) == 1


def test_a_visits_file_imported_while_a_phone_syncs_the_visit_finds_it_stored(
    programme: Engine, db_url: str, tmp_path: Path
) -> None:
    file = _visits(programme)
    first, last = first_planned(programme, "H0")
    made = visit_records.MadeVisit("H0", "V1", first, last, visit_id="phone-0001")

    def synced(s: Session) -> object:
        return visit_records.record_visit(s, made, actor="test", today=TODAY)

    raced = race(programme, db_url, synced, in_unit(programme, file.importer(file.write(tmp_path))))
    assert raced.error is None, repr(raced.error)
    second = raced.second
    assert second is not None
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)
    assert count(programme, file.held) == 1


def test_a_households_file_imported_while_its_consent_act_is_made_writes_its_own_after_it(
    programme: Engine, db_url: str, tmp_path: Path
) -> None:
    """H1's consent withdrawn while a file gives it again dated today: the file's act comes
    after, and stands."""
    row = household(household_id="H1", lat=26.581, consent_date=TODAY.isoformat())
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [row])

    def act(s: Session) -> object:
        return household_consent.record_consent(
            s, "H1", "withdrawn", actor="test", evidence="a call", today=dt.date(2027, 2, 1)
        )

    load = File("households", HOUSEHOLD_HEADER, [], "").importer(path)
    raced = race(programme, db_url, act, in_unit(programme, load))
    assert raced.error is None, repr(raced.error)
    given = "SELECT count(*) FROM households WHERE external_id = 'H1' AND consent_state = 'given'"
    assert count(programme, given) == 1


def test_a_project_moved_on_while_a_file_moves_it_further_is_refused_as_moving_back(
    programme: Engine, db_url: str, tmp_path: Path
) -> None:
    file = File(**{**_PROJECT.__dict__, "row": ["WELL", "Well", "JOBS", "R", TODAY, "done"]})
    load = file.importer(file.write(tmp_path))

    def moved(s: Session) -> object:
        return projects.move_status(s, "WELL", "running", actor="test", today=TODAY)

    raced = race(programme, db_url, load, in_unit(programme, moved))
    assert isinstance(raced.error, Conflict), repr(raced.error)
    assert "project WELL is done" in str(raced.error), str(raced.error)
    assert count(programme, "SELECT count(*) FROM projects WHERE status = 'done'") == 1


def test_a_referral_moved_on_while_a_file_closes_it_is_refused_as_closed_for_good(
    programme: Engine, db_url: str, tmp_path: Path
) -> None:
    number = in_unit(programme, _referral)()
    assert isinstance(number, int)
    header = ["referral", *_REFERRAL.header, "status", "status_on"]
    file = File("referrals", header, [number, *_REFERRAL.row, "declined", TODAY], "")
    load = file.importer(file.write(tmp_path))

    def moved(s: Session) -> object:
        return referrals.move_status(s, number, "accepted", on=TODAY, actor="test", today=TODAY)

    raced = race(programme, db_url, load, in_unit(programme, moved))
    assert isinstance(raced.error, Conflict), repr(raced.error)
    assert "is declined for good" in str(raced.error), str(raced.error)
    assert count(programme, "SELECT count(*) FROM referrals WHERE status = 'declined'") == 1


def _erase(who: str) -> Callable[[Session], object]:
    """Household or visitor ``who`` erased."""
    if who.startswith("H"):
        return lambda s: household_rights.erase_household(s, who, actor="test", today=TODAY)
    return lambda s: visitor_rights.erase_visitor(s, who, actor="test", today=TODAY)


_V2 = visitor(visitor_id="V2", capacity=0)
#: Files naming someone erased meanwhile, whom, and why a row naming them is refused (as
#: it is once the erasure has committed: indicators and blackouts know no erased id).
ERASED = [
    (File("visitors", VISITOR_HEADER, [_V2.get(h, "") for h in VISITOR_HEADER], ""), "V2"),
    (FILES[4], "H0", "unknown household"),
    (_LEAVE, "V2"),
    (_BLACKOUTS, "H1", "unknown household"),
    (_EXCLUSION, "H0"),
    (_EXCLUSION, "V2"),
    (_ATTENDANCE, "H0"),
    (_BENEFICIARY, "H1"),
    (_REFERRAL, "H2"),
]


@pytest.mark.parametrize("case", ERASED, ids=[f"{case[0].kind} {case[1]}" for case in ERASED])
def test_a_file_imported_while_someone_it_names_is_erased_is_refused_naming_the_row(
    programme: Engine, db_url: str, tmp_path: Path, case: tuple[File, ...]
) -> None:
    file, who, *said = case
    load = file.importer(file.write(tmp_path))
    raced = race(programme, db_url, _erase(who), in_unit(programme, load))
    assert isinstance(raced.error, ImportRejected), repr(raced.error)
    reason = said[0] if said else "erased"
    assert f"(value '{who}')" in str(raced.error), str(raced.error)
    assert reason in str(raced.error), str(raced.error)
