"""An event's area is stored when it is written, by one rule: the household, visitor or
proposal it is about, else the area, team or visitor its detail names, else none (the whole
programme's). An area's reading of the trail reads that stored area: an event keeps the
area it had when its household moves; an erased household's events leave it with their
details."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, text

from doorstep.privacy.audit import record_event, record_events, record_row_events
from doorstep.services import audit_trail, household_rights
from doorstep.storage.repositories import trail
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

#: One event of each kind (entity, entity_id, detail) and the village it belongs to (None:
#: the whole programme's). H1 and V1 live in village one, H2 and V2 in village two; team
#: T2 is village two's, proposal P (its id put in at run time) village one's.
KINDS: list[tuple[str, str | None, dict[str, Any], str | None]] = [
    ("household", "H1", {"list": "due"}, "R-C-V1"),
    # An event about a household is the household's, whatever its detail names.
    ("household", "H2", {"visitor": "V1", "area": "R-C-V1"}, "R-C-V2"),
    ("visitor", "V2", {"list": "due"}, "R-C-V2"),
    ("pairing_proposal", "P", {"area": "R-C-V2"}, "R-C-V1"),
    ("visits", None, {"area": "R-C-V2"}, "R-C-V2"),
    ("visits", None, {"team": "T2"}, "R-C-V2"),
    ("visits", None, {"visitor": "V1"}, "R-C-V1"),
    ("visit_plan", None, {"area": "R-C", "team": "T2"}, "R-C"),  # the first named
    ("account", "a1", {"area": "NOWHERE"}, None),  # an area no one has: no area
    ("households", None, {"file": "h.csv"}, None),  # a programme's file
    ("household", "H9", {"area": "R-C-V1"}, None),  # no such household: no area
]


@pytest.fixture
def people(with_areas: Engine, tmp_path: Path) -> tuple[Engine, int]:
    """H1 and V1 in village one, H2 and V2 in village two, team T2 of village two, and a
    proposal of village one (its id)."""
    hh = [household(household_id="H1"), household(household_id="H2", area_code="R-C-V2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V2", home_area_code="R-C-V2")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    teams = write_csv(
        tmp_path / "t.csv",
        ["code", "name", "area_code", "starts_on"],
        [["T2", "Two", "R-C-V2", "2026-01-01"]],
    )
    run_import(with_areas, "teams", teams)
    with with_areas.begin() as conn:
        proposal = conn.execute(
            text(
                "INSERT INTO pairing_proposals (area_id, created_at, created_by, status, "
                "params, figures, inputs_digest) SELECT id, CURRENT_TIMESTAMP, 'test', 'open', "
                "'{}', '{}', 'x' FROM areas WHERE code = 'R-C-V1' RETURNING id"
            )
        ).scalar_one()
    return with_areas, int(proposal)


def _kinds(proposal: int) -> list[tuple[str, str | None, dict[str, Any], str | None]]:
    return [(e, str(proposal) if i == "P" else i, d, a) for e, i, d, a in KINDS]


def _paths(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {str(c): str(p) for c, p in conn.execute(text("SELECT code, path FROM areas"))}


def _stored(engine: Engine, after: int) -> list[str | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT area_path FROM audit_events WHERE id > :m ORDER BY id"), {"m": after}
        )
        return [r[0] for r in rows]


def _write(
    engine: Engine, how: str, kinds: list[tuple[str, str | None, dict[str, Any], Any]]
) -> None:
    with unit_of_work(engine) as s:
        for entity, entity_id, detail, _ in kinds:
            if how == "one":
                record_event(
                    s, actor="t", action="read", entity=entity, entity_id=entity_id, detail=detail
                )
            else:
                # A command's own event has no id (``record_events`` takes one all the same).
                one: Any = ("read", entity_id, detail)
                record_events(s, actor="t", entity=entity, events=[one])
            s.flush()


@pytest.mark.parametrize("how", ["one", "many"])
def test_each_writer_stores_the_area_of_each_kind_of_event(
    people: tuple[Engine, int], how: str
) -> None:
    engine, proposal = people
    paths = _paths(engine)
    kinds = _kinds(proposal)
    mark = last_event_id(engine)
    _write(engine, how, kinds)
    assert _stored(engine, mark) == [None if a is None else paths[a] for *_, a in kinds]


def test_a_bulk_write_stores_the_area_of_each_row(people: tuple[Engine, int]) -> None:
    engine, _ = people
    paths = _paths(engine)
    with engine.connect() as conn:
        ids = {
            str(e): int(i) for e, i in conn.execute(text("SELECT external_id, id FROM households"))
        }
        vids = {
            str(e): int(i) for e, i in conn.execute(text("SELECT external_id, id FROM visitors"))
        }
    mark = last_event_id(engine)
    with unit_of_work(engine) as s:
        for entity, source, chosen in (
            ("household", "households", [ids["H1"], ids["H2"]]),
            ("visitor", "visitors", [vids["V1"], vids["V2"]]),
        ):
            record_row_events(
                s,
                actor="t",
                action="read",
                entity=entity,
                source=source,
                key="external_id",
                ids=pl.Series(chosen),
            )
    village = [paths["R-C-V1"], paths["R-C-V2"]]
    assert _stored(engine, mark) == village + village


def _read(engine: Engine, area: str) -> set[tuple[str, str | None, str]]:
    with unit_of_work(engine) as s:
        page = audit_trail.read_trail(s, actor="auditor", area=area, limit=1000)
    return {(e.entity, e.entity_id, e.action) for e in page.events}


@pytest.mark.parametrize("dense", [False, True])
def test_an_area_reads_the_events_of_each_kind_that_are_its_subtree_s(
    people: tuple[Engine, int], dense: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read from the ids in the area's index, and (an area counted dense from one event on)
    # by walking the trail newest first.
    if dense:
        monkeypatch.setattr(trail, "DENSE", 1)
    engine, proposal = people
    mark = last_event_id(engine)
    kinds = _kinds(proposal)
    _write(engine, "many", kinds)
    with engine.connect() as conn:
        ids = conn.execute(
            text("SELECT id FROM audit_events WHERE id > :m ORDER BY id"), {"m": mark}
        ).scalars()
        written = dict(zip(ids, kinds, strict=True))
    paths = _paths(engine)
    for area in ("R", "R-C", "R-C-V1", "R-C-V2"):
        with unit_of_work(engine) as s:
            page = audit_trail.read_trail(s, actor="auditor", area=area, limit=1000)
        got = {e.id for e in page.events if e.id in written}
        expected = {
            i
            for i, k in written.items()
            if k[3] is not None and paths[k[3]].startswith(paths[area])
        }
        assert got == expected, area


def test_an_erased_household_s_events_leave_its_area_s_trail(
    people: tuple[Engine, int],
) -> None:
    """With its id, where it lived is the household's: erased, its events keep who did
    what to that id and when, and become the whole programme's, as its details go."""
    engine, _ = people
    assert ("household", "H1", "create") in _read(engine, "R-C-V1")
    with unit_of_work(engine) as s:
        household_rights.erase_household(s, "H1", actor="manager")
    village = _read(engine, "R-C-V1")
    assert not {e for e in village if e[1] == "H1"}
    assert not {e for e in village if e[1] == "H2"}
    with engine.connect() as conn:
        paths = conn.execute(
            text("SELECT DISTINCT area_path FROM audit_events WHERE entity_id = 'H1'")
        ).scalars()
        assert list(paths) == [None]
    with engine.connect() as conn:
        details = conn.execute(
            text("SELECT detail FROM audit_events WHERE entity_id = 'H1' AND action = 'create'")
        ).scalars()
        assert "household erased" in str(list(details))


def test_a_household_that_moves_keeps_its_older_events_in_its_old_area(
    people: tuple[Engine, int], tmp_path: Path
) -> None:
    engine, _ = people
    moved = [household(household_id="H1", area_code="R-C-V2")]
    run_import(engine, "households", write_csv(tmp_path / "m.csv", HOUSEHOLD_HEADER, moved))
    old, new = _read(engine, "R-C-V1"), _read(engine, "R-C-V2")
    assert ("household", "H1", "create") in old and ("household", "H1", "update") not in old
    assert ("household", "H1", "update") in new and ("household", "H1", "create") not in new
