"""Whether an area's pairing inputs can have changed since a proposal's digest was taken,
told by the count of writes to the tables they come from, without reading the area.

Triggers count every write to those tables (:class:`~doorstep.storage.tables.
PairingInputWrite`, migration 0004), updates of households and visitors only where they set
a column a proposal reads (``PAIRING_INPUT_COLUMNS``, migration 0005). A proposal keeps the
count from just before its area was read, and a commit the count its own writes left. Where
the count is the same now, nothing the digest covers can have changed, except which
visitors are active, which depends on the day: that too is unchanged when no visitor's
first or last active day lies between the day the digest was taken and today. Nor which
visitors are leaving (:mod:`.leaving`), which depends on the day and on the programme's
window: unchanged when the window is the one the proposal keeps and no visitor's last day
lies between the kept window's day and today, each plus the window. Otherwise the area must
be read and compared (:mod:`.staleness`): a count that moved says only that something may
have.

The count is read before the area, so a write that lands while the area is read makes the
kept count too low, never too high: at worst the area is read again for nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, update

from doorstep.services.cadence import gap_days
from doorstep.services.pairing import digest as digests
from doorstep.services.pairing.leaving import WINDOW_AFTER_COMMIT, WINDOW_KEY, Window
from doorstep.services.pairing.staleness import COMMITTED_ON
from doorstep.storage.repositories import pairing as repo
from doorstep.storage.session import take_turn
from doorstep.storage.tables import PairingProposal

#: Key in a proposal's ``params``: the count of input writes just before its area was read.
WRITES_KEY = "input_writes"
#: Key in a committed proposal's ``params``: the count its commit left.
WRITES_AFTER_COMMIT = "input_writes_after_commit"


def before_commit(conn: Connection) -> int:
    """The count a commit starts from, less its own transaction's writes so far (called
    with the pairing lock held: :func:`after_commit` adds the transaction's writes)."""
    if conn.dialect.name == "postgresql":
        return repo.input_writes(conn) - repo.own_input_writes(conn)
    return repo.input_writes(conn)


def after_commit(conn: Connection, before: int) -> int:
    """The count once the commit's transaction ends, if no other writes land meanwhile.

    PostgreSQL: ``before`` plus this transaction's writes (others' commits since do not
    count: were they in the area read, a count above the kept one sends the next check to
    read the area). SQLite: the count now, as no one else can write while the commit holds
    the write lock.
    """
    if conn.dialect.name == "postgresql":
        return before + repo.own_input_writes(conn)
    return repo.input_writes(conn)


def unchanged(conn: Connection, proposal: PairingProposal, today: dt.date) -> bool:
    """Whether the proposal's area is surely as its digest describes it on ``today`` (as it
    was computed for an open proposal; as its commit left it for a committed one). ``False``
    means only "not known without reading the area" (so does a proposal stored before its
    window of leaving visitors was kept: the area read, an open one is stale and a
    committed one cannot be told, :func:`~.staleness.staleness_of`)."""
    if not digests.current_format(proposal.params):
        return False
    params = proposal.params
    if proposal.status == "committed":
        kept, on = params.get(WRITES_AFTER_COMMIT), params.get(COMMITTED_ON)
        window = Window.kept(params, WINDOW_AFTER_COMMIT)
    elif proposal.status in ("open", "discarded"):
        kept, on = params.get(WRITES_KEY), params.get("today")
        window = Window.kept(params, WINDOW_KEY)
    else:
        return False
    if kept is None or on is None or window is None or repo.input_writes(conn) != kept:
        return False
    if window.days != gap_days(conn, None):  # `cadence set` since: read who is leaving
        return False
    if repo.activity_changes_between(conn, dt.date.fromisoformat(on), today):
        return False
    shift = dt.timedelta(days=window.days)
    try:
        ends = window.on + shift, today + shift
    except OverflowError:  # a window past the calendar's last day: not known, read the area
        return False
    return not repo.last_days_between(conn, *ends)


def checked(conn: Connection, proposal: PairingProposal, count: int, window: Window) -> None:
    """Keep ``count`` as the proposal's count, and ``window`` as the one its leaving visitors
    are as of: its area, read after ``count`` was taken as of ``window`` (the day and the
    programme's window then), still gives its digest and the same visitors leaving (as
    computed for an open or discarded one, as its commit left a committed one). Without
    this, any write to what pairing reads, even elsewhere, sent every later `pair explain`
    back to the whole area, and so did every day after `cadence set`.

    Written only while the proposal keeps the status it was checked in: a commit of it
    meanwhile (which sets its status and its own count) is never overwritten.
    """
    committed = proposal.status == "committed"
    key = WRITES_AFTER_COMMIT if committed else WRITES_KEY
    at = WINDOW_AFTER_COMMIT if committed else WINDOW_KEY
    if proposal.params.get(key) == count and Window.kept(proposal.params, at) == window:
        return
    # What it keeps was read in one snapshot, and the status guard below keeps a commit
    # meanwhile: it need not be refused for another's write since (SQLite).
    take_turn(conn)
    conn.execute(
        update(PairingProposal)
        .where(PairingProposal.id == proposal.id, PairingProposal.status == proposal.status)
        .values(params={**proposal.params, key: count, at: window.stored()})
    )
