"""Exclusions imported from a file: pairing honours them, `pair explain` names them, an
open proposal made before them is stale, and a pair paired now ends at the next commit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.engine.pairing.explain import NotChosen
from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import Conflict
from doorstep.services import pairing
from doorstep.services.importing import ImportSummary
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.services.pairing.tree import (
    TODAY,
    commit,
    near_and_far,
    open_pairings,
    propose,
    proposed,
)

LATER = TODAY + dt.timedelta(days=7)


@pytest.fixture
def area(engine: Engine, tmp_path: Path) -> Engine:
    """H1 in village A1; VNEAR next door, VFAR 5.5 km north; room for it with both."""
    return near_and_far(engine, tmp_path)


def _exclude(engine: Engine, tmp_path: Path, *rows: tuple[str, str, str]) -> ImportSummary:
    path = write_csv(tmp_path / "exclusions.csv", ["household_id", "visitor_id", "reason"], rows)
    return run_import(engine, "exclusions", path)


def _history(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, p.ended_on, p.end_reason FROM pairings p "
                "JOIN households h ON h.id = p.household_id "
                "JOIN visitors v ON v.id = p.visitor_id ORDER BY p.id"
            )
        ).all()
    return [(r[0], r[1], None if r[2] is None else str(r[2]), r[3]) for r in rows]


def test_pairing_honours_an_imported_exclusion_and_explain_names_it(
    area: Engine, tmp_path: Path
) -> None:
    _exclude(area, tmp_path, ("H1", "VNEAR", "asked not to"))
    view = propose(area, "A")
    assert proposed(area, view.id) == {"H1": "VFAR"}
    with unit_of_work(area) as s:
        out = pairing.explain_household(s, "H1", actor="test", today=TODAY)
    assert not out.stale
    why = {a.visitor_id: a.why for a in out.explanation.alternatives}
    assert why == {"VNEAR": NotChosen.EXCLUDED}


def test_an_open_proposal_made_before_the_import_is_stale_and_says_the_exclusions_changed(
    area: Engine, tmp_path: Path
) -> None:
    view = propose(area, "A")
    assert proposed(area, view.id) == {"H1": "VNEAR"}
    _exclude(area, tmp_path, ("H1", "VNEAR", ""))
    with unit_of_work(area) as s:
        out = pairing.explain_household(s, "H1", actor="test", today=TODAY)
    assert out.stale and out.stale_reason is not None
    assert (
        "the exclusions between the households of A and the visitors in reach" in out.stale_reason
    )
    with pytest.raises(Conflict) as refused:
        commit(area, view.id)
    assert f"proposal {view.id} is stale" in str(refused.value)
    assert "the exclusions between the households of A and the visitors in reach" in str(
        refused.value
    )
    assert open_pairings(area) == []


@pytest.mark.parametrize("new_only", [False, True])
def test_a_pair_paired_now_stays_paired_until_the_next_commit_ends_it_as_excluded(
    area: Engine, tmp_path: Path, new_only: bool
) -> None:
    commit(area, propose(area, "A").id)
    assert open_pairings(area) == [("VNEAR", "H1")]
    summary = _exclude(area, tmp_path, ("H1", "VNEAR", "conflict of interest"))
    assert summary.notes == (
        "1 excluded pair is paired now (H1 with VNEAR): each pairing stays until the next "
        "`doorstep pair --area` for its area (A1) is committed, which ends it; until then "
        "`doorstep plan` plans no visits for it.",
    )
    assert open_pairings(area) == [("VNEAR", "H1")]
    params = PairingParams(max_km=30.0, keep_km=5.0)
    with unit_of_work(area) as s:
        view = pairing.propose(s, "A", params=params, actor="test", today=LATER, new_only=new_only)
    assert proposed(area, view.id) == {"H1": "VFAR"}
    counts = commit(area, view.id, today=LATER)
    assert (counts["ended"], counts["started"]) == (1, 1)
    assert _history(area) == [
        ("H1", "VNEAR", str(LATER), "excluded"),
        ("H1", "VFAR", None, None),
    ]
