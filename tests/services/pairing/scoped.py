"""The programme the tests of what an area's account is told of pairing share: the tree of
:mod:`tests.services.pairing.tree` with visitors near one household of village A1 living in
other areas, one of whom stops being active, and the accounts that read it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from doorstep.privacy.access import Principal
from doorstep.storage.repositories import pairing as pairing_repo
from tests.services.pairing.tree import TODAY, add, home, tree, worker

#: The day after VGONE's last: a proposal for TODAY is stale then, for VGONE alone.
LATER = TODAY + dt.timedelta(days=1)
#: A manager of the whole programme: sees every visitor.
BOSS = Principal("boss", "manager", None, None, None)


def nearby(engine: Engine, tmp_path: Path) -> Engine:
    """H1 in village A1 with VNEAR (A1) 110 m off; nearer, VB of village B1, with no
    places; VANY, who works anywhere (no home area), speaking French; VA2 of village A2,
    past VNEAR, with room; VDE of B1, past VA2, speaking German alone, as does H2 of A1,
    which VDE alone can visit; and VGONE of B1, 5.5 km north, active until TODAY: a
    proposal for TODAY is stale on LATER for VGONE alone."""
    tree(engine, tmp_path)
    vv = [
        worker(visitor_id="VNEAR", lat=51.501),
        worker(visitor_id="VB", home_area_code="B1", lat=51.5005, capacity=0),
        worker(visitor_id="VANY", home_area_code="", lat=51.5007, languages="fr"),
        worker(visitor_id="VA2", home_area_code="A2", lat=51.502),
        worker(visitor_id="VDE", home_area_code="B1", lat=51.503, languages="de"),
        worker(visitor_id="VGONE", home_area_code="B1", lat=51.55, active_to=str(TODAY)),
    ]
    add(engine, tmp_path, "visitors", vv)
    add(
        engine,
        tmp_path,
        "households",
        [home(household_id="H1"), home(household_id="H2", languages="de")],
    )
    return engine


def coordinator(engine: Engine, area: str) -> Principal:
    """A coordinator of ``area`` (named ``coord-AREA``), as a request makes it."""
    with engine.connect() as conn:
        path = pairing_repo.area_by_code(conn, area)[1]
    return Principal(f"coord-{area}", "coordinator", area, path, None)


def visitor_reads(engine: Engine, after: int) -> list[tuple[str, dict[str, Any]]]:
    """(visitor, detail) of each ``read`` under a visitor since event ``after``, in order."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity_id, detail FROM audit_events WHERE entity = 'visitor' "
                "AND action = 'read' AND id > :after ORDER BY id"
            ),
            {"after": after},
        ).all()
    return [(i, d if isinstance(d, dict) else json.loads(d)) for i, d in rows]
