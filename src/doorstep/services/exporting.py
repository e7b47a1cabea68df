"""Export registry tables to CSV, XLSX or Parquet, safe to open in a spreadsheet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from doorstep.domain import weekdays
from doorstep.domain.enums import VisitStatus
from doorstep.domain.visit_ids import recorded_visit_id
from doorstep.errors import InvalidInput
from doorstep.privacy.audit import record_event, record_row_events
from doorstep.reports.render import XLSX_MAX_ROWS, write_xlsx
from doorstep.services.importing.columns import EXPORTS, Kind
from doorstep.services.importing.formulas import escape
from doorstep.services.outfile import write_whole
from doorstep.storage.repositories.pairing import area_by_code
from doorstep.storage.repositories.registry import BY_AREA, export_frame


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells a spreadsheet would run as a formula with an apostrophe (OWASP),
    in the reversible way import undoes (:mod:`doorstep.services.importing.formulas`).

    Only text columns are touched: a negative longitude stays a number.
    """
    return frame.with_columns(
        escape(pl.col(name)).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


# Characters an XLSX file cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE) or would not keep
# (XML reads a CR as a line feed), and text a reader would take for the escape OOXML writes
# them as (``_x0001_``).
_XLSX_ILLEGAL = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, 0x0D, *range(0x0E, 0x20))]
_XLSX_ESCAPE_LIKE = r"_(x[0-9A-Fa-f]{4}_)"
_XLSX_NEEDS_ESCAPE = _XLSX_ESCAPE_LIKE + r"|[\x00-\x08\x0B-\x1F]"
_OVERLAPPING_ESCAPE_LIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _escape_underscores(text: str) -> str:
    return _OVERLAPPING_ESCAPE_LIKE.sub("_x005F_", text)


def escape_for_xlsx(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells written as OOXML escapes them: a control character as ``_x0001_``, and a
    ``_`` that starts text looking like such an escape as ``_x005F_``, so that Excel shows,
    and import reads back, exactly the text that was stored.
    """
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype != pl.String or not frame[name].str.contains(_XLSX_NEEDS_ESCAPE).any():
            continue
        # Every "_" that starts an escape-like run, overlapping ones too ("_x0041_x0042_"
        # holds two): a regex match would consume the shared "_" and miss the second.
        col = pl.col(name).map_elements(_escape_underscores, return_dtype=pl.String)
        for char in _XLSX_ILLEGAL:
            col = col.str.replace_all(char, f"_x{ord(char):04X}_", literal=True)
        exprs.append(col.alias(name))
    return frame.with_columns(exprs)


_DTYPES: dict[Kind, pl.DataType] = {
    Kind.INT: pl.Int64(),
    Kind.FLOAT: pl.Float64(),
    Kind.LAT: pl.Float64(),
    Kind.LON: pl.Float64(),
    Kind.DATE: pl.Date(),
    Kind.BOOL: pl.Boolean(),
}


def typed(frame: pl.DataFrame, entity: str) -> pl.DataFrame:
    """Every column as its import column's type, whatever the database handed back: SQLite
    gives dates as text and booleans as 1/0, and a column with no value at all has no type,
    so without this the same rows would export differently from each database."""
    exprs = []
    for column in EXPORTS[entity].columns:
        if column.name not in frame.columns:
            continue
        want = _DTYPES.get(column.kind, pl.String())
        col = pl.col(column.name)
        have = frame.schema[column.name]
        if want == pl.Date() and have == pl.String():
            col = col.str.slice(0, 10).str.to_date("%Y-%m-%d")
        elif want == pl.Date() and isinstance(have, pl.Datetime):
            col = col.dt.date()
        if column.kind is Kind.WEEKDAYS:
            # Stored as the planner reads it (0;2;4), written as a coordinator does
            # (mon;wed;fri), which import reads back to the same.
            texts = frame[column.name].cast(pl.String).drop_nulls().unique()
            names = pl.Series([weekdays.named(t) for t in texts.to_list()], dtype=pl.String)
            col = col.cast(pl.String).replace_strict(texts, names, default=None)
        exprs.append(col.cast(want).alias(column.name))
    return frame.with_columns(exprs)


def _with_own_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Visits made that were recorded by hand before visits had ids (``visit_id`` empty)
    under the id recording them now would give them
    (:func:`~doorstep.domain.visit_ids.recorded_visit_id`): ``import visits`` knows a row
    under that id as the visit (unchanged, it writes nothing), so the file imports back as
    no change. Planned, missed and cancelled visits keep theirs empty: they are not made."""
    lacking = frame["visit_id"].is_null() & (frame["status"] == VisitStatus.DONE.value)
    if not lacking.any():
        return frame
    ids = [
        recorded_visit_id(h, v, start) if need else given
        for need, given, h, v, start in zip(
            lacking,
            frame["visit_id"],
            frame["household_id"],
            frame["visitor_id"],
            frame["start"],
            strict=True,
        )
    ]
    return frame.with_columns(pl.Series("visit_id", ids, dtype=pl.String))


#: The table of each kind of person an export names, by the entity its events name.
_PEOPLE_TABLES = {"household": "households", "visitor": "visitors"}


@dataclass(frozen=True)
class PendingExport:
    """An export whose audit events are recorded, to be written once they are committed:
    a file of people's data is never on disk without the events that name them."""

    entity: str
    path: Path
    frame: pl.DataFrame

    @property
    def rows(self) -> int:
        return self.frame.height

    def write(self) -> int:
        """Write the file whole (or nothing, see :func:`write_whole`); the row count."""
        write_table(
            self.frame,
            self.path,
            self.entity,
            note=" (the audit trail records the export as failed)",
        )
        return self.frame.height


def write_table(frame: pl.DataFrame, path: Path, sheet: str, *, note: str = "") -> None:
    """Write ``frame`` to ``path`` by its suffix (Parquet, CSV, else XLSX in sheet ``sheet``),
    whole or not at all (:func:`write_whole`); in CSV and XLSX a cell a spreadsheet would run
    as a formula gets an apostrophe, since cells hold the programme's own text."""
    suffix = path.suffix.lower()

    def write(part: Path) -> None:
        if suffix == ".parquet":
            frame.write_parquet(part)
        elif suffix == ".csv":
            neutralise_formulas(frame).write_csv(part)
        else:
            write_xlsx(escape_for_xlsx(neutralise_formulas(frame)), part, sheet)

    write_whole(path, write, note=note)


def export_entity(
    session: Session,
    entity: str,
    path: Path,
    *,
    actor: str,
    ended: bool = False,
    area: str | None = None,
) -> PendingExport:
    """Read every ``entity`` row for ``path`` (format from the suffix) and record the
    export's audit events; call :meth:`PendingExport.write` after the commit.

    ``ended``: pairings only, the ended ones too, with when and why they ended (a file of
    current pairings has no column for them). ``area``: only the rows of the households in
    that area and the areas below it (entities whose rows are each a household's:
    :data:`~doorstep.storage.repositories.registry.BY_AREA`); an unknown code is
    :class:`~doorstep.errors.NotFound`, as for ``pair --area``."""
    if entity not in EXPORTS:
        raise InvalidInput(f"unknown entity {entity!r}; choose one of {', '.join(EXPORTS)}")
    if ended and entity != "pairings":
        raise InvalidInput(f"--all is for pairings only, not {entity}")
    if area is not None and entity not in BY_AREA:
        raise InvalidInput(
            f"--area is for the files of households' rows ({', '.join(BY_AREA)}), not {entity}"
        )
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".parquet"):
        raise InvalidInput(f"unknown file type {path.suffix!r}; use .csv, .xlsx or .parquet")
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name")
    try:  # a folder that cannot be made fails the export before anything is recorded
        path.absolute().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a folder on the way that is a file, no permission...
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    conn = session.connection()
    path_of = None if area is None else area_by_code(conn, area)[1]
    rows, people = export_frame(conn, entity, ended=ended, area_path=path_of)
    if entity == "pairings" and not ended:
        rows = rows.drop("ended_on", "end_reason")
    frame = typed(rows, entity)
    if entity == "visits":
        frame = _with_own_ids(frame)
    if suffix == ".xlsx" and frame.height + 1 > XLSX_MAX_ROWS:
        raise InvalidInput(
            f"{frame.height} rows do not fit in one sheet ({XLSX_MAX_ROWS - 1} at most); "
            "export to .csv or .parquet"
        )
    # The events are committed before the file is written: a database that refuses them
    # (read-only) writes no file, and a kill mid-write leaves no data the trail misses.
    record_event(
        session,
        actor=actor,
        action="export",
        entity=entity,
        detail={"file": path.name, "rows": frame.height}
        | ({"all": True} if ended else {})
        | ({"area": area} if area is not None else {}),
    )
    session.flush()
    # The file holds their data: each person exported is named, once, under the entity and
    # id that their own export lists and their erasure redacts (households first).
    for named, ids in sorted(people.items()):
        record_row_events(
            session,
            actor=actor,
            action="export",
            entity=named,
            source=_PEOPLE_TABLES[named],
            key="external_id",
            ids=ids,
            detail={"file": path.name, "export": entity},
        )
        session.flush()
    return PendingExport(entity, path, frame)
