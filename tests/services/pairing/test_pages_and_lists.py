"""A proposal's changes a page at a time, and the proposals of an area's subtree: what the
API and the web app's pairing pages read."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.services import pairing
from doorstep.storage.session import unit_of_work
from tests.services.pairing.tree import TODAY, add, home, propose, tree, worker


def four_new(engine: Engine, tmp_path: Path) -> int:
    """Four households of A1 and a visitor with room for all: a proposal changes all four."""
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=4)])
    homes = [home(household_id=f"H{i}", lat=51.50 + i / 1000) for i in range(1, 5)]
    add(engine, tmp_path, "households", homes)
    return propose(engine, "A1").id


def households(engine: Engine, pid: int, **page: int | None) -> tuple[int, list[str]]:
    with unit_of_work(engine) as s:
        got = pairing.diff(s, pid, actor="test", today=TODAY, **page)  # type: ignore[arg-type]
    return got.total, [c.household for c in got.changes]


def test_a_diff_is_read_a_page_at_a_time_with_the_count_on_every_page(
    engine: Engine, tmp_path: Path
) -> None:
    pid = four_new(engine, tmp_path)
    assert households(engine, pid) == (4, ["H1", "H2", "H3", "H4"])
    assert households(engine, pid, limit=2, offset=1) == (4, ["H2", "H3"])
    assert households(engine, pid, offset=3) == (4, ["H4"])  # no limit: the rest
    assert households(engine, pid, limit=2, offset=4) == (4, [])  # past the last
    with engine.connect() as conn:
        detail = conn.execute(
            text(
                "SELECT detail FROM audit_events WHERE entity = 'pairing_diff' "
                "ORDER BY id DESC LIMIT 1"
            )
        ).scalar_one()
    assert '"offset": 4' in str(detail).replace("'", '"')


def test_the_proposals_listed_are_those_of_the_subtree_newest_first(
    engine: Engine, tmp_path: Path
) -> None:
    first = four_new(engine, tmp_path)
    second = propose(engine, "A").id
    add(engine, tmp_path, "households", [home(household_id="HB", area_code="B1", lat=51.6)])
    other = propose(engine, "B1").id
    with unit_of_work(engine) as s:
        conn = s.connection()
        path_a = conn.execute(text("SELECT path FROM areas WHERE code = 'A'")).scalar_one()
        under_a = pairing.list_proposals(s, under=path_a)
        everything = pairing.list_proposals(s, under=None, limit=2, offset=1)
        opened = pairing.list_proposals(s, under=None, status="committed")
    assert (under_a.total, [v.id for v in under_a.proposals]) == (2, [second, first])
    assert [v.area_code for v in under_a.proposals] == ["A", "A1"]
    assert (everything.total, [v.id for v in everything.proposals]) == (3, [second, first])
    assert other not in [v.id for v in under_a.proposals]
    assert opened.total == 0
