"""Query parameters that routes of the API and pages of the site share, with their bounds in
one place: past them a database refuses the value itself (a 500), where a 422 names it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from doorstep.domain.ids import MAX_EVENT_ID, MAX_OFFSET
from doorstep.domain.reporting import POVERTY_LINE_MAX

#: Where a page of a list starts: from 0 to :data:`~doorstep.domain.ids.MAX_OFFSET`.
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
#: Yearly income a head below which a household is poor: positive, at most
#: :data:`~doorstep.domain.reporting.POVERTY_LINE_MAX`.
PovertyLine = Annotated[float, Query(gt=0, le=POVERTY_LINE_MAX, allow_inf_nan=False)]
#: The trail's events older than this one's id: from 1 to
#: :data:`~doorstep.domain.ids.MAX_EVENT_ID`.
EventsBefore = Annotated[
    int | None, Query(ge=1, le=MAX_EVENT_ID, description="The `next` of the page before")
]
