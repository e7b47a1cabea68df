"""Accounts of the HTTP API and their tokens.

An account is someone who works with the programme's data over the API: a ``manager`` or
``coordinator`` of an area's subtree (a manager with no area: the whole programme), or a
``visitor`` who sees and records their own work only. Accounts are made and disabled at the
command line (``doorstep account``), never over the API. A token is kept only as its SHA-256
digest: the database never holds what would let someone use it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.domain.lengths import ACCOUNT_NAME_MAX
from doorstep.storage.base import Base, Timestamped, utcnow

#: The roles an account may hold, widest first.
ROLES = ("manager", "coordinator", "visitor")


class Account(Timestamped, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("role IN ('manager', 'coordinator', 'visitor')", name="account_role"),
        # A visitor's account is theirs: it names the visitor, and has no area of its own.
        CheckConstraint(
            "(role = 'visitor') = (visitor_id IS NOT NULL)", name="account_visitor_role"
        ),
        CheckConstraint("role != 'coordinator' OR area_id IS NOT NULL", name="account_area"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(ACCOUNT_NAME_MAX), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    # Deleted with the visitor's other own rows when the visitor is erased.
    visitor_id: Mapped[int | None] = mapped_column(
        ForeignKey("visitors.id", ondelete="CASCADE"), unique=True
    )
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
