"""An erased household or visitor leaves nothing of their name to find: not in the search,
not in the folded copies, not in SQLite's FTS index pages (``secure_delete`` zeroes the
pages the index's rewrite frees)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import VISITOR_HEADER, visitor, write_csv
from tests.storage.test_finding import (
    RARE,
    TODAY,
    _found,
    _import_households,
    _indexed,
    named,  # noqa: F401  (a fixture)
)


def _left_in_index_pages(engine: Engine, table: str, trigram: str) -> bool:
    """Whether SQLite's FTS pages still hold the bytes of ``trigram``'s first character
    (an index that marked a row deleted keeps its terms until its segments are merged);
    PostgreSQL: no. A term is stored less what it shares with the term before it, and the
    texts are indexed padded (migration 0026), so ``ꙮꙮꙮ`` follows ``ꙮꙮ`` and a padding
    character and is kept as its last ``ꙮ`` alone: the first of the terms beginning with
    the character holds it whole."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        blobs = conn.execute(text(f"SELECT block FROM {table}_fts_data")).scalars().all()
    return any(trigram[0].encode() in bytes(b) for b in blobs if b is not None)


def test_an_erased_household_leaves_nothing_to_find_nor_in_the_index(
    named: Engine,  # noqa: F811  (the fixture imported)
    tmp_path: Path,
) -> None:
    from doorstep.services.household_rights import erase_household

    _import_households(named, tmp_path, {"H9": (RARE, "No. 9")})
    gram = RARE
    assert _found(named, RARE) == ["H9"]
    assert _indexed(named, "households", gram) == 1
    # The check below can see the trigram where the index keeps it.
    assert _left_in_index_pages(named, "households", gram) is (named.dialect.name == "sqlite")
    with unit_of_work(named) as s:
        erase_household(s, "H9", actor="t", today=TODAY)
    assert _found(named, RARE) == []
    assert _found(named, "h9") == []
    assert _indexed(named, "households", gram) == 0
    assert not _left_in_index_pages(named, "households", gram)
    # The others are found as before.
    assert _found(named, "élodie") == ["H1", "H2"]


def test_an_erased_visitor_leaves_nothing_to_find_nor_in_the_index(
    with_areas: Engine, tmp_path: Path
) -> None:
    from doorstep.services.finding import find_visitors
    from doorstep.services.visitor_rights import erase_visitor

    rows = [visitor(visitor_id="V1", name="Анна Ёлкина"), visitor(visitor_id="V2", name=RARE)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, rows))

    def found(typed: str) -> list[str]:
        with unit_of_work(with_areas) as s:
            return [r["visitor"] for r in find_visitors(s, typed, actor="t").rows]

    assert found("ёлкина") == ["V1"]
    assert found(RARE) == ["V2"]
    gram = RARE
    assert _indexed(with_areas, "visitors", gram) == 1
    assert _left_in_index_pages(with_areas, "visitors", gram) is (
        with_areas.dialect.name == "sqlite"
    )
    with unit_of_work(with_areas) as s:
        erase_visitor(s, "V2", actor="t", today=TODAY)
    assert found(RARE) == []
    assert _indexed(with_areas, "visitors", gram) == 0
    assert not _left_in_index_pages(with_areas, "visitors", gram)
    with with_areas.connect() as conn:
        kept = conn.execute(text("SELECT folded_name FROM visitors WHERE external_id = 'V2'"))
        assert kept.scalar_one() == ""
