"""The apostrophe that keeps a spreadsheet from running a cell as a formula, put on by
export and taken off by import, so that an exported file imports back exactly.

Export puts one apostrophe before a text value that starts with ``= + - @``, a tab or a
carriage return (OWASP's advice against CSV injection), and before one that already starts
with an apostrophe followed by one of those or by another apostrophe. Import takes one
leading apostrophe off a value that is followed by one of those or by another apostrophe.
The two are inverses: every value survives export and import unchanged, but for spaces
around it: the import strips every cell, so a value stored with them (which the import
itself never stores) comes back without.
"""

from __future__ import annotations

import polars as pl

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def _starts_with_any(col: pl.Expr, starts: tuple[str, ...]) -> pl.Expr:
    return pl.any_horizontal(col.str.starts_with(s) for s in starts)


def _apostrophe_then_any(col: pl.Expr) -> pl.Expr:
    return col.str.starts_with("'") & _starts_with_any(col.str.slice(1), _ESCAPED_STARTS)


def escape(col: pl.Expr) -> pl.Expr:
    """``col`` (text) with an apostrophe before each value a spreadsheet would run."""
    risky = _starts_with_any(col, FORMULA_STARTS) | _apostrophe_then_any(col)
    return pl.when(risky).then(pl.lit("'") + col).otherwise(col)


def escape_text(value: str) -> str:
    """One value as :func:`escape` writes it (for rows written one by one)."""
    risky = value.startswith(FORMULA_STARTS) or (
        value.startswith("'") and value[1:].startswith(_ESCAPED_STARTS)
    )
    return "'" + value if risky else value


def unescape(col: pl.Expr) -> pl.Expr:
    """``col`` (text) with the apostrophe :func:`escape` put on taken off again."""
    return pl.when(_apostrophe_then_any(col)).then(col.str.slice(1)).otherwise(col)


def unescape_text(value: str) -> str:
    """One value with the apostrophe :func:`escape_text` put on taken off again."""
    if value.startswith("'") and value[1:].startswith(_ESCAPED_STARTS):
        return value[1:]
    return value


def typed_forms(value: str) -> tuple[str, ...]:
    """The stored values ``value`` may name, to look up in this order: itself, then (when
    it differs) as :func:`unescape_text` reads it. A user copies ``=X`` from an export as
    ``'=X``, but ``'=X`` may be stored itself (imported as ``''=X``), and then comes first."""
    return tuple(dict.fromkeys((value, unescape_text(value))))


def unescape_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of ``frame`` unescaped (only those with an apostrophe are touched:
    one cheap pass finds them)."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    found = frame.select(pl.col(text).str.starts_with("'").any()).row(0)
    return frame.with_columns(
        unescape(pl.col(name)).alias(name) for name, hit in zip(text, found, strict=True) if hit
    )
