"""The work lists a coordinator or a visitor works from, and how far each looks by default.

Here rather than in the service so that every front door (the command line's options
included, which import no service until they run) takes the same defaults."""

from __future__ import annotations

from typing import Final

#: The lists: households due a visit soon, overdue now; planned visits coming up; planned
#: visits gone by and neither recorded nor marked missed.
KINDS: Final = ("due", "overdue", "upcoming", "unrecorded")

#: Each list's ``days`` when none is given: deadlines two weeks ahead; a month of visits
#: coming up, or gone by unrecorded. Overdue looks at today alone.
DEFAULT_DAYS: Final = {"due": 14, "overdue": 0, "upcoming": 30, "unrecorded": 30}
