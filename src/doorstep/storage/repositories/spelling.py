"""Ids stored before Doorstep put them in normal form C, spelt otherwise (see
:mod:`doorstep.domain.ids`): found so that an import matches them instead of adding a
twin under the NFC spelling."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, LargeBinary, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

import doorstep.storage.tables  # noqa: F401  (registers every table on the metadata)
from doorstep.domain.ids import normal_id
from doorstep.storage.base import Base


def other_spellings(
    conn: Connection, table: str, columns: Sequence[str]
) -> dict[str, dict[str, str]]:
    """For each of ``columns`` of ``table``: its values not in NFC, by their NFC spelling,
    where no value is stored under that spelling. One scan of the table, reading only the
    rows with a character past ASCII in one of them (an ASCII id is its own NFC): for most
    registries, whose ids are ASCII, no row at all."""
    t = Base.metadata.tables[table]

    def past_ascii(c: ColumnElement[str]) -> ColumnElement[bool]:
        octets = (
            func.length(cast(c, LargeBinary))  # SQLite counts a blob's bytes
            if conn.dialect.name == "sqlite"
            else func.octet_length(c)
        )
        return octets != func.length(c)

    cols = [t.c[c] for c in columns]
    rows = conn.execute(select(*cols).where(or_(*(past_ascii(c) for c in cols)))).all()
    out: dict[str, dict[str, str]] = {}
    for i, c in enumerate(cols):
        found = {
            normal_id(r[i]): r[i] for r in rows if r[i] is not None and normal_id(r[i]) != r[i]
        }
        if found:
            taken = set(conn.execute(select(c).where(c.in_(list(found)))).scalars())
            found = {k: v for k, v in found.items() if k not in taken}
        if found:
            out[c.name] = found
    return out
