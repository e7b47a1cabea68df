"""A small area tree for the database-mode pairing tests, and helpers to fill and pair it.

R (region) > A (county) > A1, A2 (villages); R > B (county) > B1 (village). Village A1 lies
around 51.50 N 0.10 W and B1 about 11 km north of it, so one visitor can reach both.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.services import pairing
from doorstep.services.pairing import explanations
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)

TODAY = dt.date(2026, 6, 1)

AREAS = [
    {"code": "R", "name": "Region", "parent_code": "", "level": "region"},
    {"code": "A", "name": "County A", "parent_code": "R", "level": "county"},
    {"code": "B", "name": "County B", "parent_code": "R", "level": "county"},
    {"code": "A1", "name": "Village A1", "parent_code": "A", "level": "village"},
    {"code": "A2", "name": "Village A2", "parent_code": "A", "level": "village"},
    {"code": "B1", "name": "Village B1", "parent_code": "B", "level": "village"},
]


def tree(engine: Engine, tmp_path: Path) -> Engine:
    run_import(engine, "areas", write_csv(tmp_path / "areas.csv", AREA_HEADER, AREAS))
    return engine


def areas(engine: Engine, tmp_path: Path, *rows: tuple[str, str]) -> None:
    """Import areas as ``(code, parent_code)``: one of AREAS moves, a new one is a village."""
    known = {a["code"]: a for a in AREAS}
    new = {"name": "New", "level": "village"}
    out = [known.get(c, new | {"code": c}) | {"parent_code": p} for c, p in rows]
    run_import(engine, "areas", write_csv(tmp_path / "areas2.csv", AREA_HEADER, out))


def home(**overrides: Any) -> dict[str, Any]:
    """A household of village A1 speaking English, unless told otherwise."""
    return household(
        **{"area_code": "A1", "lat": 51.50, "lon": -0.10, "languages": "en"} | overrides
    )


def worker(**overrides: Any) -> dict[str, Any]:
    """A visitor living in village A1 speaking English, unless told otherwise."""
    return visitor(
        **{"home_area_code": "A1", "lat": 51.50, "lon": -0.10, "languages": "en"} | overrides
    )


def add(
    engine: Engine,
    tmp_path: Path,
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    extra: Sequence[str] = (),
) -> None:
    """Import ``rows`` of ``kind`` ("households" or "visitors") through a CSV file, with the
    ``extra`` columns (such as ``remote_pool``) after the usual ones."""
    header = HOUSEHOLD_HEADER if kind == "households" else VISITOR_HEADER
    run_import(engine, kind, write_csv(tmp_path / f"{kind}.csv", [*header, *extra], rows))


def near_and_far(engine: Engine, tmp_path: Path, *households: str) -> Engine:
    """``households`` (default H1) in village A1; VNEAR next door, VFAR 5.5 km north: the
    pair an exclusion moves a household between."""
    tree(engine, tmp_path)
    vv = [worker(visitor_id="VNEAR", lat=51.501), worker(visitor_id="VFAR", lat=51.55)]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id=h) for h in households or ("H1",)])
    return engine


def exclude(engine: Engine, where: str, params: Mapping[str, Any] | None = None) -> None:
    """Add an exclusion for every visitor ``v`` and household ``h`` matching ``where``."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO exclusions (visitor_id, household_id, reason) "
                f"SELECT v.id, h.id, 'test' FROM visitors v, households h WHERE {where}"
            ),
            dict(params or {}),
        )


def propose(
    engine: Engine, area: str, *, today: dt.date = TODAY, max_km: float = 30.0
) -> pairing.ProposalView:
    params = PairingParams(max_km=max_km, keep_km=min(5.0, max_km))
    with unit_of_work(engine) as s:
        return pairing.propose(s, area, params=params, actor="test", today=today)


def commit(engine: Engine, proposal_id: int, *, today: dt.date = TODAY) -> dict[str, int]:
    with unit_of_work(engine) as s:
        return pairing.commit(s, proposal_id, actor="test", today=today)


def proposed(engine: Engine, proposal_id: int) -> dict[str, str | None]:
    """Household -> proposed visitor (``None``: unpaired) in a proposal."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id FROM proposed_pairs pp "
                "JOIN households h ON h.id = pp.household_id "
                "LEFT JOIN visitors v ON v.id = pp.visitor_id WHERE pp.proposal_id = :p"
            ),
            {"p": proposal_id},
        ).all()
    return {r[0]: r[1] for r in rows}


def reasons(engine: Engine, proposal_id: int) -> dict[str, str | None]:
    """Household -> why it is unpaired in a proposal (``None``: paired)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, pp.reason FROM proposed_pairs pp "
                "JOIN households h ON h.id = pp.household_id WHERE pp.proposal_id = :p"
            ),
            {"p": proposal_id},
        ).all()
    return {r[0]: r[1] for r in rows}


def open_pairings(engine: Engine) -> list[tuple[str, str]]:
    """``(visitor, household)`` of every open pairing, sorted."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id, h.external_id FROM pairings p "
                "JOIN visitors v ON v.id = p.visitor_id "
                "JOIN households h ON h.id = p.household_id WHERE p.ended_on IS NULL"
            )
        ).all()
    return sorted((r[0], r[1]) for r in rows)


def mixed_region(engine: Engine, tmp_path: Path, rng: random.Random, seed: int) -> None:
    """The tree of villages with random households and visitors: some far, some in pools,
    some inactive on TODAY, some serving one county; and exclusions picked by ``seed``."""
    tree(engine, tmp_path)
    vv = [
        {
            **worker(
                visitor_id=f"V{i}",
                lat=51.5 + rng.uniform(-0.05, 0.3) * rng.choice([1, 1, 1, 4]),
                lon=-0.1 + rng.uniform(-0.1, 0.1),
                capacity=rng.randint(0, 3),
                languages=rng.choice(["en", "en;fr", "fr"]),
                service_area_code=rng.choice(["", "", "A", "B1"]),
                active_to=rng.choice(["", "", str(TODAY - dt.timedelta(days=1))]),
            ),
            "remote_pool": rng.choice(["", "", "", "CITY", "COAST"]),
        }
        for i in range(12)
    ]
    add(engine, tmp_path, "visitors", vv, extra=["remote_pool"])
    hh = [
        {
            **home(
                household_id=f"H{i}",
                area_code=rng.choice(["A1", "A2", "B1"]),
                lat=51.5 + rng.uniform(0, 0.15),
                lon=-0.1 + rng.uniform(-0.05, 0.05),
                languages=rng.choice(["en", "fr"]),
            ),
            "remote_pool": rng.choice(["", "", "", "CITY"]),
        }
        for i in range(15)
    ]
    add(engine, tmp_path, "households", hh, extra=["remote_pool"])
    exclude(engine, "(v.id * 7 + h.id * 3) % 11 = :r", {"r": seed})


def reads_of_the_area(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The areas read whole by explanations from now on (the real read runs)."""
    read: list[str] = []
    real = explanations.load_scope

    def counted(session: Any, area_code: str, **kw: Any) -> Any:
        read.append(area_code)
        return real(session, area_code, **kw)

    monkeypatch.setattr(explanations, "load_scope", counted)
    return read
