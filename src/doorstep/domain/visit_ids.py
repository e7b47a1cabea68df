"""The visit id (``visit_id``) of a visit recorded by hand, as a device's visit has its own.

A device gives each visit it records a UUID, and syncing it again changes nothing. A visit
recorded with ``doorstep visits record`` gets one too, at once, so that ``export visits``
followed by ``import visits`` leaves it as it is. It is a UUID of version 8 (RFC 9562's
form for ids made by an application's own rule), derived from the household, the visitor
and the first day, so that:

* it tells itself apart from a device's id (version 4 or 7 in practice): the same visit
  synced afterwards from the device, under the device's id, takes the visit recorded by
  hand as its own instead of being refused as an overlap (``import visits``);
* a visit recorded by hand before visits had ids (``visit_id`` empty in the database) is
  exported under the id a recording would give it now, and a file holding that id matches
  it: exported and imported again, it changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from typing import Final

#: The longest visit id a device may send: a UUID's text, as the stored column holds it.
VISIT_ID_MAX: Final = 36

_RECORDED = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def recorded_visit_id(household: str, visitor: str, start: dt.date, *, n: int = 0) -> str:
    """The id of the visit of ``visitor`` to ``household`` first made on ``start``, in lower
    case; ``n`` > 0 for another when that one is taken (the visit first recorded on that day
    was since moved to another, keeping its id)."""
    name = "\x1f".join(("doorstep recorded visit", household, visitor, start.isoformat()))
    if n:
        name += f"\x1f{n}"
    raw = bytearray(hashlib.sha256(name.encode()).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC's variant
    return str(uuid.UUID(bytes=bytes(raw)))


def is_recorded_visit_id(visit_id: str | None) -> bool:
    """Whether ``visit_id`` has the form :func:`recorded_visit_id` gives (a visit recorded
    by hand, which a device's sync of the same visit may take over)."""
    return visit_id is not None and _RECORDED.match(visit_id) is not None
