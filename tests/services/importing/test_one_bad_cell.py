"""One bad cell anywhere in a valid file, of any kind of import and in any of its columns:
the import is refused, changes nothing (every table, the audit trail too: a refused import
records no event), and its error names that row (the header is row 1) and that column, with
a reason; the file's other rows, valid, are named by no error.

The valid files are the busy-writer test's (one or two rows of each kind, on its programme:
:func:`~tests.factories.busy_writer.import_files`), each column of the kind's schema
present (empty where the file leaves it out); the bad values come from the column's schema
(:mod:`tests.factories.bad_cells`). A refused import changes nothing, so every example of a
kind runs on one copy of the programme: a partial write would show in the next snapshot.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, text

from doorstep.services.importing import ImportRejected
from doorstep.services.importing.columns import IMPORTS
from doorstep.storage.session import make_engine
from tests.factories.bad_cells import bad_values
from tests.factories.busy_writer import Programme, build_programme, import_files
from tests.factories.db import run_import
from tests.factories.emptied import empty_postgres
from tests.factories.files import write_csv, write_xlsx

#: The programme's today (the busy-writer test's): two months into its plan.
TODAY = dt.date(2027, 3, 1)
#: Examples per kind on SQLite: the module in about 30 seconds (measured).
EXAMPLES = 100
#: Examples per kind on PostgreSQL: the first is always the simplest (a NUL in the first
#: column of the first row), so two more draw others.
PG_EXAMPLES = 3


def full_file(kind: str, first: str) -> tuple[list[str], list[list[str]]]:
    """The valid file of ``kind`` with every column of its schema, as text (a column the
    file leaves out: empty, which the schema allows, as it is optional)."""
    header, rows = import_files(first)[kind]
    names = IMPORTS[kind].names
    out = []
    for row in rows:
        given = row if isinstance(row, Mapping) else dict(zip(header, row, strict=True))
        out.append(["" if given.get(n) is None else str(given.get(n)) for n in names])
    return list(names), out


def every_table(engine: Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (the pairings, proposals, plans and locks too, which
    :func:`~tests.factories.db.snapshot` leaves out), in a stable order."""
    with engine.connect() as conn:
        return {
            table: sorted(
                tuple(str(v) for v in row)
                for row in conn.execute(text(f'SELECT * FROM "{table}"')).all()
            )
            for table in inspect(conn).get_table_names()
        }


def refused(engine: Engine, kind: str, path: Path) -> list[tuple[int, str, str]]:
    """Import ``path``; check that it is refused and changes nothing; its errors' (row,
    column, reason)."""
    before = every_table(engine)
    with pytest.raises(ImportRejected) as info:
        run_import(engine, kind, path, today=TODAY)
    assert every_table(engine) == before
    return [(e.row, e.column, e.reason) for e in info.value.errors]


def named(errors: list[tuple[int, str, str]], row: int, column: str, value: str) -> None:
    assert any(r == row and c == column and why.strip() for r, c, why in errors), (
        f"{column}={value!r} in row {row} not named: {errors}"
    )
    assert all(r == row for r, _, _ in errors), f"errors beyond row {row}: {errors}"


@st.composite
def bad_cell(draw: st.DrawFn, kind: str, rows: int) -> tuple[int, str, str]:
    """A row index of the file, a column of ``kind``'s schema, and a bad value for it."""
    schema = IMPORTS[kind]
    column = draw(st.sampled_from(schema.columns))
    value = draw(st.sampled_from(bad_values(schema, column)))
    return draw(st.integers(0, rows - 1)), column.name, value


def one_bad_cell_is_refused(
    engine: Engine, kind: str, first: str, folder: Path, examples: int
) -> None:
    header, rows = full_file(kind, first)

    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(bad_cell(kind, len(rows)))
    def prop(cell: tuple[int, str, str]) -> None:
        index, column, value = cell
        bad = [list(r) for r in rows]
        bad[index][header.index(column)] = value
        path = write_csv(folder / f"{kind}.csv", header, bad)
        named(refused(engine, kind, path), index + 2, column, value)

    prop()


@pytest.fixture
def programme(busy_template: Programme, tmp_path: Path) -> Iterator[Engine]:
    """A copy of the busy-writer tests' programme, on SQLite."""
    path = tmp_path / "programme.db"
    shutil.copy(busy_template.path, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pg_programme(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, str]]:
    """The busy-writer tests' programme on PostgreSQL, built once for the module (a refused
    import changes nothing, which each case checks); H0's first planned day."""
    engine = make_engine(postgres_url)
    empty_postgres(engine)
    _, first = build_programme(postgres_url, tmp_path_factory.mktemp("pg_programme"))
    yield engine, first.isoformat()
    empty_postgres(engine)
    engine.dispose()


@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_one_bad_cell_is_refused_changing_nothing_naming_its_row_and_column(
    kind: str, programme: Engine, busy_template: Programme, tmp_path: Path
) -> None:
    first = busy_template.first.isoformat()
    one_bad_cell_is_refused(programme, kind, first, tmp_path, EXAMPLES)


@pytest.mark.postgres
@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_one_bad_cell_on_postgres(
    kind: str, pg_programme: tuple[Engine, str], tmp_path: Path
) -> None:
    engine, first = pg_programme
    one_bad_cell_is_refused(engine, kind, first, tmp_path, PG_EXAMPLES)


@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_the_valid_files_with_every_column_import(
    kind: str, programme: Engine, busy_template: Programme, tmp_path: Path
) -> None:
    """The other side of the property: without its bad cell, the file is taken."""
    header, rows = full_file(kind, busy_template.first.isoformat())
    summary = run_import(programme, kind, write_csv(tmp_path / "f.csv", header, rows), today=TODAY)
    assert summary.rows == len(rows)


def _as(suffix: str, path: Path, header: list[str], rows: list[list[str]]) -> Path:
    if suffix == ".csv":
        return write_csv(path.with_suffix(suffix), header, rows)
    if suffix == ".xlsx":
        return write_xlsx(path.with_suffix(suffix), [header, *rows])
    frame = pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String), orient="row")
    frame.write_parquet(path.with_suffix(suffix))
    return path.with_suffix(suffix)


@pytest.mark.parametrize("kind", ["households", "visitors"])
def test_a_bad_cell_is_named_alike_in_csv_xlsx_and_parquet(
    kind: str, programme: Engine, busy_template: Programme, tmp_path: Path
) -> None:
    header, rows = full_file(kind, busy_template.first.isoformat())

    @settings(max_examples=10, deadline=None)
    @given(bad_cell(kind, len(rows)))
    def prop(cell: tuple[int, str, str]) -> None:
        index, column, value = cell
        assume("\x00" not in value)  # a workbook cannot hold it (openpyxl refuses it)
        bad: list[list[Any]] = [list(r) for r in rows]
        bad[index][header.index(column)] = value
        seen = {}
        for suffix in (".csv", ".xlsx", ".parquet"):
            errors = refused(programme, kind, _as(suffix, tmp_path / kind, header, bad))
            named(errors, index + 2, column, value)
            seen[suffix] = {(r, c) for r, c, _ in errors}
        assert seen[".csv"] == seen[".xlsx"] == seen[".parquet"], seen

    prop()
