"""What the report routes answer (``/report``, ``/outcomes``), as Pydantic models: counts
and shares, naming no one. Each is read from the report's own dataclass by attribute
(its fields, in its order: a test holds them equal), so the answer is what the report
built."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

_FROM_ROWS = ConfigDict(from_attributes=True)


class ReportAreaRead(BaseModel):
    """An area a report is about or is broken into."""

    model_config = _FROM_ROWS

    id: int
    code: str
    name: str
    level: str


class AreaFiguresRead(BaseModel):
    """An area's figures (or the report's whole area's, ``total``) today and over the period."""

    model_config = _FROM_ROWS

    code: str
    name: str
    total: bool = Field(description="The report's whole area (the last row)")
    households: int
    consenting: int
    paired: int
    visitors: int
    planned: int
    due: int
    overdue: int
    visits_made: int
    visits_missed: int
    households_visited: int
    referrals_made: int
    referrals_completed: int
    codes: dict[str, int] = Field(description="Visits' activity and outcome codes, counted")


class MonthFiguresRead(BaseModel):
    """An area's figures (or the whole's, ``total``) in one month of the period."""

    model_config = _FROM_ROWS

    code: str
    name: str
    total: bool = Field(description="The report's whole area")
    month: str = Field(description="YYYY-MM")
    paired: int
    visitors: int
    within_cadence: int
    visits_made: int
    visits_missed: int
    households_visited: int
    referrals_made: int
    referrals_completed: int
    codes: dict[str, int] = Field(description="Visits' activity and outcome codes, counted")


class ProgrammeReportRead(BaseModel):
    """The programme's figures in an area, by the areas within it and by month."""

    model_config = _FROM_ROWS

    area: ReportAreaRead | None = Field(description="None: a programme of several roots")
    start: dt.date
    end: dt.date
    today: dt.date
    max_gap_days: int
    days: int
    level: str | None = Field(description="The level of the areas it is broken into")
    areas: list[AreaFiguresRead] = Field(description="By area, the whole area's row last")
    months: list[MonthFiguresRead] = Field(description="By month, the whole area's rows too")


class OutcomeFiguresRead(BaseModel):
    """What an area's households (or the whole's, ``total``) reported in one year."""

    model_config = _FROM_ROWS

    code: str
    name: str
    total: bool = Field(description="The report's whole area")
    year: int
    households: int
    reported: int
    with_income: int
    below_line: int
    work_reported: int
    in_work: int
    with_services: int
    below_line_share: float | None = Field(
        description="Of those with an income recorded, the share below the line"
    )
    in_work_share: float | None = Field(
        description="Of those that said how many members work, the share with one"
    )
    with_services_share: float | None = Field(
        description="Of those reported, the share enrolled in a service; none where none "
        "named any service"
    )


class OutcomesRead(BaseModel):
    """The households' outcomes in an area: by its areas for a year, then by year."""

    model_config = _FROM_ROWS

    title: str
    area: ReportAreaRead | None = Field(description="None: the whole programme")
    year: int | None = Field(description="The year by_area is of; none: no year reported")
    poverty_line: float = Field(description="Income a head a year below which one is poor")
    by_area: list[OutcomeFiguresRead] = Field(description="By area, the whole area's row last")
    by_year: list[OutcomeFiguresRead] = Field(description="The whole area, by year")
