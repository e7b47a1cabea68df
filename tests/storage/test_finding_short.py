"""A search of one or two characters (migration 0026's indexes) finds exactly the rows, in
the order, that checking every row finds; and it checks only the rows its index gives, not
every row, for a text few hold."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from doorstep.domain.folding import fold
from doorstep.storage.repositories import finding
from tests.factories.db import run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)
from tests.storage.test_finding import TODAY

#: Characters the generated names and addresses are drawn from, the first far more often
#: than the last, so that a short text is held by most rows, by a few, or by none.
ALPHABET = "王李张村1组号Aaé ßΣσ龘"
#: Texts searched: every character (``ẞ`` and ``Ａ`` fold to others), pairs, one no row
#: holds, the start of ids.
TEXTS = [*ALPHABET, "ẞ", "Ａ", "王李", "村1", "1组", "a ", "σσ", "é王", "ꙮ", "h1", "h0"]
LIMIT = 7


def _text(rng: random.Random, size: int) -> str:
    weights = [2 ** -(i / 2) for i in range(len(ALPHABET) - 1)]
    # The last character (龘) is held by no row: a text no one holds.
    return "".join(rng.choices(ALPHABET[:-1], weights=weights, k=size))


@pytest.fixture
def generated(with_areas: Engine, tmp_path: Path) -> Engine:
    """120 households and 60 visitors with names (and addresses) drawn from
    :data:`ALPHABET`, some of one or two characters, in two areas."""
    rng = random.Random(26)
    rows = [
        household(
            household_id=f"H{i:03}",
            head_name=_text(rng, rng.choice([1, 2, 3, 5])),
            address=_text(rng, rng.choice([1, 2, 8])),
            area_code=rng.choice(["R-C-V1", "R-C-V2"]),
        )
        for i in rng.sample(range(1000), 120)
    ]
    people = [
        visitor(visitor_id=f"V{i:03}", name=_text(rng, rng.choice([1, 2, 4])))
        for i in rng.sample(range(1000), 60)
    ]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, people))
    return with_areas


def _scanned(conn: Connection, table: str, typed: str, area_path: str | None) -> list[str]:
    """What the search is to find, by checking every row: the id typed first, then each row
    whose folded id begins with the folded text or whose folded texts hold it, by id."""
    texts = "h.folded_name, h.folded_address" if table == "households" else "h.folded_name, ''"
    joins = "JOIN areas a ON a.id = h.area_id" if table == "households" else ""
    inside = "a.path LIKE :p" if area_path else "1 = 1"
    rows = conn.execute(
        text(
            f"SELECT h.external_id, h.folded_id, {texts} FROM {table} h {joins} "
            f"WHERE {inside} ORDER BY h.external_id"
        ),
        {"p": f"{area_path}%"},
    ).all()
    folded = fold(typed)
    exact = [r[0] for r in rows if r[0] == typed]
    others = [
        r[0]
        for r in rows
        if r[0] != typed and (r[1].startswith(folded) or folded in r[2] or folded in r[3])
    ]
    return (exact + others)[:LIMIT]


@pytest.fixture(params=["index", "walk"])
def either_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test twice: through the index of short texts, and as for a text most rows hold
    (on SQLite every row in id order; on PostgreSQL the first rows, then the index)."""
    monkeypatch.setattr(finding, "WINDOW", 5)  # PostgreSQL: the index past five rows
    if request.param == "walk":
        monkeypatch.setattr(finding, "MANY_CANDIDATES", -1)
        monkeypatch.setattr(finding, "SHORT_CANDIDATES", -1)
    return str(request.param)


@pytest.mark.parametrize("area", [None, "R-C-V1"], ids=["programme", "village"])
def test_a_short_search_finds_the_rows_checking_every_row_finds_in_their_order(
    generated: Engine, either_way: str, area: str | None
) -> None:
    with generated.connect() as conn:
        path = None
        if area is not None:
            path = conn.execute(
                text("SELECT path FROM areas WHERE code = :c"), {"c": area}
            ).scalar_one()
        for typed in TEXTS:
            found = finding.households(conn, typed, limit=LIMIT, today=TODAY, area_path=path)
            assert [r["household"] for r in found] == _scanned(conn, "households", typed, path), (
                typed
            )
            if path is None:
                people = finding.visitors(conn, typed, limit=LIMIT)
                assert [r["visitor"] for r in people] == _scanned(conn, "visitors", typed, None), (
                    typed
                )


def _steps(conn: Connection, run: object) -> int:
    """SQLite virtual machine steps (in thousands) ``run()`` took on ``conn``."""
    raw = conn.connection.driver_connection
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    raw.set_progress_handler(count, 1000)  # type: ignore[union-attr]
    try:
        run()  # type: ignore[operator]
    finally:
        raw.set_progress_handler(None, 0)  # type: ignore[union-attr]
    return steps[0]


def test_a_short_text_few_hold_is_looked_up_not_checked_in_every_row(
    with_areas: Engine, tmp_path: Path
) -> None:
    # SQLite alone: its steps can be counted. 3,000 households, one holding ꙮ.
    if with_areas.dialect.name != "sqlite":
        pytest.skip("SQLite's steps are counted")
    rows = [household(household_id=f"H{i:04}", head_name=f"张{i}") for i in range(3000)]
    rows[1500] = household(household_id="H1500", head_name="张ꙮ")
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows))
    with with_areas.connect() as conn:
        found: list[object] = []

        def search() -> None:
            found[:] = finding.households(conn, "ꙮ", limit=LIMIT, today=TODAY)

        def scan() -> None:
            conn.execute(text("SELECT COUNT(*) FROM households WHERE instr(folded_name, 'ꙮ')"))

        looked_up, scanned = _steps(conn, search), _steps(conn, scan)
    assert [r["household"] for r in found] == ["H1500"]  # type: ignore[index]
    assert looked_up * 10 < scanned
