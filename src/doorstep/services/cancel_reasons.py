"""Why a planned visit was cancelled or cut short: the sentences its audit event's
``reason`` stores, in one place, so the trail's page can label each (``web.labels``) and a
test can tell a new one that has no label."""

from __future__ import annotations

#: The household withdrew its consent (an import or the consent service).
NO_LONGER_CONSENTS = "the household no longer consents"
#: The household and the visitor were excluded from being paired.
EXCLUDED = "the household and the visitor were excluded"
#: A visit of the visitor was recorded on the planned visit's days.
RECORDED_ON_ITS_DAYS = "a visit of the visitor is recorded on its days"
#: The planned visit is after the visitor's last day.
VISITOR_LEFT = "the visitor's last day is before it"
#: A stay under way on a visitor's last day now ends on it (a plan's cut reasons say what
#: the new end is: "... begins the day after").
LAST_DAY = "its visitor's last day"
#: A stay under way ends where the visitor's leave begins.
LEAVE_BEGINS = "its visitor's leave begins the day after"
#: A stay under way ends where the household's withdrawal of consent takes effect.
CONSENT_ENDS = "its household's withdrawal of consent takes effect the day after"

#: Every reason above: each needs a label.
ALL = (
    NO_LONGER_CONSENTS,
    EXCLUDED,
    RECORDED_ON_ITS_DAYS,
    VISITOR_LEFT,
    LAST_DAY,
    LEAVE_BEGINS,
    CONSENT_ENDS,
)
