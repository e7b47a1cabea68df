"""Stored rows as the JSON a person's own export hands them."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any


def plain(value: Any) -> Any:
    """A stored value as JSON holds it: dates as ISO text, decimals as text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
