"""Referrals of households to services that other organisations give (migration 0017).

A referral is the household's record: it goes with the household's erasure (``ON DELETE
CASCADE``) and is in its export. The visitor who made it is named, and kept by the
visitor's erasure as a visit is (the row then names no one:
:data:`~doorstep.storage.repositories.visitor_data.KEPT`). A referral made on a phone
carries the id the phone gave it (``client_id``, migration 0021), so one sent twice is
stored once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.base import Base, Timestamped


class Referral(Timestamped, Base):
    """A household referred to an organisation for a service, and where that stands."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    service: Mapped[str] = mapped_column(String(20))  # domain.enums.ReferralService
    made_on: Mapped[dt.date] = mapped_column(Date)
    # The visitor who made it, if one did (a coordinator may refer a household too).
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("visitors.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # domain.enums.ReferralStatus
    # The day it took its status (``made_on`` while open).
    status_on: Mapped[dt.date] = mapped_column(Date)
    # The id the device that sent it gave it (a uuid), if one did: sent again, it is found
    # by this and not made twice (none: made at the command line, or by an older client).
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
