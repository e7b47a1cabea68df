"""A key claimed before a check-then-insert: "no row holds this key yet, so insert it".

At PostgreSQL's READ COMMITTED a check cannot see a row another transaction has inserted
and not yet committed: two requests at once (a phone sending a visit again, its first
answer lost; two coordinators adding one code) both found nothing, both inserted, and the
second met the unique key (an integrity error, told "run it again") where it should have
been told the code exists, or that the visit is recorded already. A claim taken before
the check makes the second wait for the first's commit; its check, a later statement,
then reads the first's row and answers as if sent after it.

An import of the table writes the same keys without claiming each (a file of thousands
of rows would hold thousands of locks): it locks the whole table instead
(``bulk.lock_for_import``). The claim therefore also takes the table's ``ROW EXCLUSIVE``
lock, which the check's insert would take anyway, before the check rather than after: an
activity added while a file adds its code waited only at its insert, then met the unique
key ("run it again"); now its check waits for the import's commit and reads its row.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def claim(conn: Connection, table: str, key: str = "") -> None:
    """Hold, until the caller's transaction ends, the claim on ``key`` of ``table`` (``""``:
    the whole table's), waiting for a transaction that holds it: take it before checking
    that no row of ``table`` holds ``key``, then insert.

    A PostgreSQL transaction-level advisory lock on the two names' hashes: a collision only
    makes two unrelated inserts take turns. The two-number locks are a key space of their
    own: they never meet the one-number locks (the pairing lock, the sizes lock). SQLite
    needs none: a unit that writes holds the one writer's lock from its start, and one that
    read first is refused at its write if another wrote meanwhile.

    Then the table's ``ROW EXCLUSIVE`` lock, held as an insert holds it: the check waits for
    an import writing ``table`` (whose ``SHARE ROW EXCLUSIVE`` it conflicts with), not one
    row-write for another (it conflicts with none of theirs). An import takes the pairing
    lock before its table's: a unit that takes both takes the pairing lock first, or the
    two deadlock."""
    if conn.dialect.name != "sqlite":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:table), hashtext(:key))"),
            {"table": table, "key": key},
        )
        conn.execute(text(f'LOCK TABLE "{table}" IN ROW EXCLUSIVE MODE'))
