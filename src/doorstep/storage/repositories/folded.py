"""The folded copies of households' and visitors' ids, names and addresses, written with
them (migration 0024).

Every writer of those columns goes through :mod:`~doorstep.storage.repositories.bulk` (an
import, the demo, which imports) or sets them in SQL here (an erasure): ``bulk`` adds the
folded column of each column its frame holds, so a writer cannot store a name and leave its
folded copy stale. Each folded column follows one column alone, so a frame that updates the
address alone updates ``folded_address`` alone. The databases' own triggers (SQLite) or
index (PostgreSQL) then keep the trigram index of the folded text.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from doorstep.domain.folding import fold

#: By table: each column searched, and the column holding it folded.
FOLDED: Final[dict[str, dict[str, str]]] = {
    "households": {
        "external_id": "folded_id",
        "head_name": "folded_name",
        "address": "folded_address",
    },
    "visitors": {"external_id": "folded_id", "name": "folded_name"},
}


def fold_series(values: pl.Series) -> pl.Series:
    """``values`` folded (a null stays null)."""
    return pl.Series(
        values.name,
        [None if v is None else fold(v) for v in values.cast(pl.String).to_list()],
        dtype=pl.String,
    )


def with_folded(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame``, to be written into ``table``, with the folded copy of each searched column
    it holds (replacing any it had)."""
    columns = FOLDED.get(table, {})
    add = [fold_series(frame[c]).alias(f) for c, f in columns.items() if c in frame.columns]
    return frame.with_columns(add) if add else frame
