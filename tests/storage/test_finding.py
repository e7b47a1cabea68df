"""The search's folded copies and trigram indexes (migration 0024): a name, an address or an
id's start found in any case of any script, exactly the rows holding the text, within the
scope asked; written by an import, changed with the name, and gone with an erasure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.storage.repositories import finding
from tests.factories.db import run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    household,
    write_csv,
)

TODAY = dt.date(2026, 3, 1)
#: A name of one trigram that shares no byte of its start with any other row's: a segment
#: of SQLite's index writes it whole (a term is written after the bytes it shares with the
#: one before it).
RARE = "ꙮꙮꙮ"

NAMES = {
    "H1": ("ÉLODIE Brûlé", "Straße 5"),
    "H2": ("élodie martin", "STRASSE 7"),
    "H3": ("ΟΔΥΣΣΕΥΣ Παπάς", "Οδός 1"),
    "H4": ("Дмитрий ЁЛКИН", "улица Ленина"),
    "H5": ("李小明", "长坪村3组12号"),
    "H6": ("王小红", "凯里3社区12号"),
    "H7": ("Li 100%_Wang", "No. 7"),
    "H8": ("ＡＢＣ Full-width", "No. 8"),
}


def _import_households(engine: Engine, tmp_path: Path, names: dict[str, tuple[str, str]]) -> None:
    rows = [
        household(
            household_id=h,
            head_name=n,
            address=a,
            area_code="R-C-V1" if int(h[1:]) % 2 else "R-C-V2",
        )
        for h, (n, a) in names.items()
    ]
    path = write_csv(tmp_path / f"h{len(list(tmp_path.iterdir()))}.csv", HOUSEHOLD_HEADER, rows)
    run_import(engine, "households", path)


@pytest.fixture
def named(with_areas: Engine, tmp_path: Path) -> Engine:
    """:data:`NAMES`' households: odd ones in R-C-V1, even ones in R-C-V2."""
    _import_households(with_areas, tmp_path, NAMES)
    return with_areas


def _found(engine: Engine, typed: str, **scope: str) -> list[str]:
    with engine.connect() as conn:
        rows = finding.households(conn, typed, limit=50, today=TODAY, **scope)  # type: ignore[arg-type]
    return [r["household"] for r in rows]


@pytest.fixture(params=["index", "walk"])
def either_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test twice: through the trigram index's candidates, and as for a text most rows
    hold (the first rows in id order, three here, then every row)."""
    if request.param == "walk":
        monkeypatch.setattr(finding, "MANY_CANDIDATES", -1)
        monkeypatch.setattr(finding, "SHORT_CANDIDATES", -1)
        monkeypatch.setattr(finding, "WINDOW", 3)
    return str(request.param)


def test_a_name_or_address_is_found_in_any_case_of_any_script(
    named: Engine, either_path: str
) -> None:
    assert _found(named, "élodie") == ["H1", "H2"]
    assert _found(named, "ÉLODIE") == ["H1", "H2"]
    assert _found(named, "BRÛLÉ") == ["H1"]
    # An accent is a letter of its own: e is not é.
    assert _found(named, "elodie") == []
    # ß is ss (str.casefold), in either direction.
    assert _found(named, "strasse") == ["H1", "H2"]
    assert _found(named, "STRAßE") == ["H1", "H2"]
    # Greek: capital, small and final sigma are one letter.
    assert _found(named, "οδυσσευς") == ["H3"]
    assert _found(named, "ΟΔΥΣΣΕΥΣ") == ["H3"]
    assert _found(named, "παπάς") == ["H3"]
    # Cyrillic, Ё included.
    assert _found(named, "ёлкин") == ["H4"]
    assert _found(named, "ДМИТРИЙ") == ["H4"]
    # Full-width letters are the letters (NFKC); an accent typed apart (NFD) is the accent.
    assert _found(named, "abc") == ["H8"]
    assert _found(named, "E\u0301lodie b") == ["H1"]


def test_chinese_of_one_two_or_three_characters_is_found_in_name_or_address(
    named: Engine, either_path: str
) -> None:
    assert _found(named, "李") == ["H5"]
    assert _found(named, "小") == ["H5", "H6"]
    assert _found(named, "小红") == ["H6"]
    assert _found(named, "3组") == ["H5"]
    assert _found(named, "长坪村") == ["H5"]
    assert _found(named, "12号") == ["H5", "H6"]
    assert _found(named, "王小明") == []
    # Three characters or more are candidates of the trigram index.
    assert _indexed(named, "households", "长坪村") == 1


def test_percent_and_underscore_are_letters_and_an_id_is_found_by_its_start(
    named: Engine, either_path: str
) -> None:
    assert _found(named, "%") == ["H7"]
    assert _found(named, "_wang") == ["H7"]
    assert _found(named, "0%_w") == ["H7"]
    assert _found(named, "０%_Ｗ") == ["H7"]  # full-width, as some keyboards type them
    assert _found(named, "h") == list(NAMES)
    assert _found(named, "h4") == ["H4"]
    # The id asked for first, then by id.
    assert _found(named, "H6") == ["H6"]
    assert _found(named, "no. ")[:1] == ["H7"]
    with named.connect() as conn:
        page = finding.households(conn, "h", limit=2, today=TODAY)
        assert [r["household"] for r in page] == ["H1", "H2"]
        page = finding.households(conn, "H5", limit=2, today=TODAY)
        assert [r["household"] for r in page] == ["H5"]
        page = finding.households(conn, "h", limit=4, today=TODAY)
        assert [r["household"] for r in page] == ["H1", "H2", "H3", "H4"]


def test_a_search_keeps_to_its_area_and_to_a_visitor_s_households(
    named: Engine, either_path: str, tmp_path: Path
) -> None:
    assert _found(named, "élodie", area_path=_path(named, "R-C-V1")) == ["H1"]
    assert _found(named, "STRASSE", area_path=_path(named, "R-C-V1")) == ["H1"]
    assert _found(named, "小", area_path=_path(named, "R-C-V2")) == ["H6"]
    assert _found(named, "李小明", area_path=_path(named, "R-C-V2")) == []
    assert _found(named, "小", visitor="V9") == []
    assert _found(named, "h", visitor="V9") == []


def _path(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(text("SELECT path FROM areas WHERE code = :c"), {"c": code}).scalar_one()
        )


def test_an_import_writes_the_folded_copies_and_a_new_name_replaces_the_old(
    named: Engine, tmp_path: Path, either_path: str
) -> None:
    with named.connect() as conn:
        row = conn.execute(
            text(
                "SELECT folded_id, folded_name, folded_address FROM households "
                "WHERE external_id = 'H1'"
            )
        ).one()
    assert tuple(row) == ("h1", "élodie brûlé", "strasse 5")
    _import_households(named, tmp_path, {"H1": (f"{RARE} Renamed", "Straße 5")})
    assert _found(named, "brûlé") == []
    assert _found(named, "élodie") == ["H2"]
    assert _found(named, RARE.lower()) == ["H1"]
    assert _found(named, "renamed") == ["H1"]
    assert _indexed(named, "households", "brû") == 0
    if named.dialect.name == "sqlite":
        # The FTS index holds exactly the rows' folded texts (an error if not).
        with named.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO households_fts (households_fts, rank) "
                    "VALUES ('integrity-check', 1)"
                )
            )


def _indexed(engine: Engine, table: str, trigram: str) -> int:
    """Rows the trigram index gives for ``trigram`` (PostgreSQL: through the index alone)."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            return int(
                conn.execute(
                    text(f"SELECT COUNT(*) FROM {table}_fts WHERE {table}_fts MATCH :q"),
                    {"q": f'"{trigram}"'},
                ).scalar_one()
            )
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        texts = ["folded_name", "folded_address"] if table == "households" else ["folded_name"]
        holds = " OR ".join(f"{c} LIKE :q" for c in texts)
        return int(
            conn.execute(
                text(f"SELECT COUNT(*) FROM {table} WHERE {holds}"),
                {"q": f"%{trigram}%"},
            ).scalar_one()
        )


QUOTED = {
    "H1": ("Seán O'Brien", "1 Quay's End"),
    "H2": ('Ann "Nan" Kelly', "Back\\Lane 2"),
    "H3": ("Plain Name", "x' OR '1'='1"),
}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("o'brien", ["H1"]),
        ("O'B", ["H1"]),
        ("'", ["H1", "H3"]),
        ('"nan"', ["H2"]),
        ("q\\lane", []),
        ("back\\lane", ["H2"]),
        ("\\", ["H2"]),
        ("x' or '1'='1", ["H3"]),
        ("' OR 1=1 --", []),
        ("'); DROP TABLE households; --", []),
    ],
)
def test_quotes_and_backslashes_are_letters_not_sql(
    with_areas: Engine, tmp_path: Path, either_path: str, typed: str, expected: list[str]
) -> None:
    """The search writes its text into the statement (so the database plans for it): a
    name's apostrophe, a quote or a backslash is matched as typed and never read as SQL."""
    _import_households(with_areas, tmp_path, QUOTED)
    assert _found(with_areas, typed) == expected
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM households")).scalar() == 3
