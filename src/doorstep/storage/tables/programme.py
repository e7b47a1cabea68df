"""The programme's own settings (migration 0020): its cadence, once someone sets it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.base import Base


class ProgrammeCadence(Base):
    """How often the programme visits a household and for how long (one row, ``id = 1``,
    written by the first ``cadence set``): the default of every work list, file, report and
    plan of the database, which a command's own ``--max-gap-days`` or ``--stay-days``
    overrides. Without the row, 60 days and stays of 5 days."""

    __tablename__ = "programme_cadence"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint(
            "max_gap_days BETWEEN 1 AND 3660 AND stay_days BETWEEN 1 AND max_gap_days",
            name="days",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    max_gap_days: Mapped[int] = mapped_column(Integer)
    stay_days: Mapped[int] = mapped_column(Integer)
    set_on: Mapped[dt.date] = mapped_column(Date)
    set_by: Mapped[str] = mapped_column(String(200))
