"""Ids stored before Doorstep put them in normal form C, spelt otherwise (see
:mod:`doorstep.domain.ids`): found so that an import matches them instead of adding a
twin under the NFC spelling."""

from __future__ import annotations

from sqlalchemy import Connection, LargeBinary, cast, func, select

import doorstep.storage.tables  # noqa: F401  (registers every table on the metadata)
from doorstep.domain.ids import normal_id
from doorstep.storage.base import Base


def other_spellings(conn: Connection, table: str, column: str) -> dict[str, str]:
    """The values of ``table.column`` not in NFC, by their NFC spelling, where no value
    is stored under that spelling. Only values with a character past ASCII are read (an
    ASCII id is its own NFC): a scan of the column without a row in Python for most
    registries, whose ids are ASCII."""
    c = Base.metadata.tables[table].c[column]
    octets = (
        func.length(cast(c, LargeBinary))  # SQLite counts a blob's bytes
        if conn.dialect.name == "sqlite"
        else func.octet_length(c)
    )
    stored = conn.execute(select(c).where(octets != func.length(c))).scalars()
    found = {normal_id(v): v for v in stored if v is not None and normal_id(v) != v}
    if found:
        taken = set(conn.execute(select(c).where(c.in_(list(found)))).scalars())
        found = {k: v for k, v in found.items() if k not in taken}
    return found
