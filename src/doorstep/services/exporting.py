"""Export registry tables to CSV, XLSX or Parquet, safe to open in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from doorstep.errors import InvalidInput
from doorstep.privacy.audit import record_event
from doorstep.reports.render import XLSX_MAX_ROWS, write_xlsx
from doorstep.services.importing.columns import SCHEMAS
from doorstep.storage.repositories.registry import export_frame

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells a spreadsheet would run as a formula with an apostrophe (OWASP).

    Only text columns are touched: a negative longitude stays a number.
    """
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = pl.any_horizontal(col.str.starts_with(s) for s in FORMULA_STARTS)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def export_entity(session: Session, entity: str, path: Path, *, actor: str) -> int:
    """Write every ``entity`` row to ``path`` (format from the suffix); returns the row count."""
    if entity not in SCHEMAS:
        raise InvalidInput(f"unknown entity {entity!r}; choose one of {', '.join(SCHEMAS)}")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".parquet"):
        raise InvalidInput(f"unknown file type {path.suffix!r}; use .csv, .xlsx or .parquet")
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; give a file name")
    frame = export_frame(session.connection(), entity)
    if suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix == ".csv":
        neutralise_formulas(frame).write_csv(path)
    else:
        if frame.height + 1 > XLSX_MAX_ROWS:
            raise InvalidInput(
                f"{frame.height} rows do not fit in one sheet ({XLSX_MAX_ROWS - 1} at most); "
                "export to .csv or .parquet"
            )
        write_xlsx(neutralise_formulas(frame), path, entity)
    record_event(
        session,
        actor=actor,
        action="export",
        entity=entity,
        detail={"file": path.name, "rows": frame.height},
    )
    session.flush()
    return frame.height
