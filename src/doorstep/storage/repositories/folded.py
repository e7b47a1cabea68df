"""The folded copies of households' and visitors' ids, names and addresses, written with
them (migration 0024).

Every writer of those columns goes through :mod:`~doorstep.storage.repositories.bulk` (an
import, the demo, which imports) or sets them in SQL here (an erasure): ``bulk`` adds the
folded column of each column its frame holds, so a writer cannot store a name and leave its
folded copy stale. Each folded column follows one column alone, so a frame that updates the
address alone updates ``folded_address`` alone.

PostgreSQL's trigram index is an index of the table, kept by the database. SQLite's is an
FTS5 table beside it (``households_fts``, ``visitors_fts``): triggers keep it on an update
of a folded text and on a delete, and ``bulk`` adds the rows it inserts to it in one
statement, as a trigger per row made an import of 300,000 households three times as slow
(33 s against 11 s; one ``INSERT ... SELECT`` costs 0.4 s).

A text of one or two characters has no trigram: SQLite's FTS index holds each text with two
characters after it (migration 0026: its view ``households_search_text``, ``visitors_...``,
is what it indexes), so that the trigrams beginning with such a text are a range of the
index's terms; PostgreSQL has a GIN index of the characters of each row's texts
(:data:`CHARACTERS`).
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


#: By table (its alias in a search): PostgreSQL's index of the characters of a row's texts,
#: as a query writes it to use the index (migration 0026).
CHARACTERS: Final[dict[str, str]] = {
    "households": "string_to_array(h.folded_name || h.folded_address, NULL)",
    "visitors": "string_to_array(v.folded_name, NULL)",
}


def search_text(table: str) -> str:
    """The view of ``table``'s texts as its SQLite FTS index holds them (padded)."""
    return f"{table}_search_text"


def texts(table: str) -> list[str]:
    """The folded columns of ``table`` that its trigram index holds (all but the id)."""
    return [f for f in FOLDED.get(table, {}).values() if f != "folded_id"]


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
