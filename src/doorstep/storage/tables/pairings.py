"""Pairings of a visitor with a household, exclusions, and reviewable pairing proposals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.domain.lengths import REASON_MAX
from doorstep.storage.base import Base, utcnow


class Pairing(Base):
    """A visitor looking after a household from ``started_on`` until ``ended_on``.

    ``proposal_id`` is the proposal whose commit started it, ``ended_by_proposal_id`` the
    one whose commit ended it (``end_reason`` says why): a pairing ended without a new one
    (consent withdrawn, visitor left, nobody eligible) is traced to its commit too. Both
    are ``NULL`` where no commit did it, or, for rows older than migration 0008, where the
    commit could not be told.
    """

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id"), index=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("pairing_proposals.id"), index=True)
    ended_by_proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairing_proposals.id"), index=True
    )


class Exclusion(Base):
    """A pair that must never be made (conflict of interest, 'do not pair again')."""

    __tablename__ = "exclusions"
    __table_args__ = (UniqueConstraint("visitor_id", "household_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[int] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")


class PairingProposal(Base):
    """A computed pairing of an area, kept for review before it is committed."""

    __tablename__ = "pairing_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open|committed|discarded
    # When its commit ran: the commits after an open proposal was computed are the ones that
    # can have made it stale (NULL: not committed, or committed before migration 0008 with no
    # audit event to tell when).
    committed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Fingerprint of the inputs; a proposal whose inputs changed is stale.
    inputs_digest: Mapped[str] = mapped_column(String(64))


class ProposedPair(Base):
    __tablename__ = "proposed_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("pairing_proposals.id", ondelete="CASCADE"), index=True
    )
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    # Indexed: a visitor's export and erasure count and read their rows by it.
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitors.id"), index=True)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)


#: The tables whose rows a pairing proposal reads (:mod:`doorstep.services.pairing.scope`);
#: every write to them is counted in :class:`PairingInputWrite` by triggers (migration 0004;
#: updates of some only where they set a column of :data:`PAIRING_INPUT_COLUMNS`).
PAIRING_INPUT_TABLES = ("areas", "households", "visitors", "pairings", "exclusions")
#: Of those, the tables where an update counts only when it sets one of these columns, the
#: ones a proposal reads (migrations 0005 and 0010): a household's address, a visitor's name
#: or an exclusion's reason edited does not send `pair explain` back to the whole area.
#: Inserts and deletes always count.
PAIRING_INPUT_COLUMNS = {
    "households": (
        "id", "external_id", "area_id", "lat", "lon", "languages", "remote_pool",
        "consent_state",
    ),
    "visitors": (
        "id", "external_id", "lat", "lon", "languages", "capacity", "active_from",
        "active_to", "service_area_id", "remote_pool",
    ),
    "exclusions": ("id", "visitor_id", "household_id"),
}  # fmt: skip


class PairingLockTakes(Base):
    """How many transactions have taken the pairing lock (one row, ``id = 1``, made by the
    first): each adds one under the lock, so a count that is the same before a plan reads
    and once it holds the lock says that no writer of what it read committed meanwhile
    (:func:`~doorstep.storage.repositories.pairing.lock_pairings`)."""

    __tablename__ = "pairing_lock_takes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taken: Mapped[int] = mapped_column(BigInteger)


class PairingInputWrite(Base):
    """Writes to the tables pairing reads, counted by database triggers: the sum of
    ``writes`` only grows, so where it is the same as when a proposal's digest was taken,
    nothing it was computed from can have changed, and `pair explain` need not read the whole
    area again to tell (see :mod:`doorstep.services.pairing.versions`).

    PostgreSQL adds a row per statement (rows of concurrent transactions never wait for each
    other), with the transaction that wrote it; SQLite, which has one writer at a time and
    no statement triggers, adds one to the single row ``id = 1`` per row written, except
    that a bulk insert adds one for all its rows
    (:mod:`~doorstep.storage.repositories.counted_writes`).
    """

    __tablename__ = "pairing_input_writes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    writes: Mapped[int] = mapped_column(BigInteger, default=1)
    txid: Mapped[int | None] = mapped_column(BigInteger)  # PostgreSQL: txid_current()
