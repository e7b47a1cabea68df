"""Stored rows as the JSON a person's own export hands them."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from sqlalchemy.orm import Session

from doorstep.domain.ids import file_stem
from doorstep.privacy.audit import SUBJECT_EXPORT, record_event, record_events
from doorstep.storage.base import as_utc

#: The detail of the read a person's rights page records (``form``: which page).
RIGHTS_PAGE = {"form": "rights"}

#: The media type of a person's own export, as the API and the web app hand it.
MEDIA_TYPE = "application/json"


def subject_export(
    session: Session,
    *,
    entity: str,
    external_id: str,
    records: dict[str, list[dict[str, Any]]],
    events: list[dict[str, Any]],
    actor: str,
) -> dict[str, Any]:
    """A household's or visitor's own export: their ``records`` and the trail's ``events``
    about them, with the export itself recorded (how many rows each table held)."""
    if events:
        records["audit_events"] = events
    record_event(
        session,
        actor=actor,
        action=SUBJECT_EXPORT,
        entity=entity,
        entity_id=external_id,
        detail={"rows": {table: len(rows) for table, rows in records.items()}},
    )
    session.flush()
    return {
        entity: external_id,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "records": plain(records),
    }


def export_text(data: dict[str, Any]) -> str:
    """The export as its file holds it, whoever writes it (``household export --out``, the
    API's and the web app's download): UTF-8 JSON, indented, names as they are spelt."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def export_filename(external_id: str) -> str:
    """The name a downloaded export is offered under: the person's id, made safe
    (:func:`~doorstep.domain.ids.file_stem`), as the command line's examples name it."""
    return f"{file_stem(external_id)}.json"


def plain(value: Any) -> Any:
    """A stored value as JSON holds it: dates as ISO text, decimals as text. Every stored
    time is UTC; SQLite gives it back without its offset, which is written as PostgreSQL's
    is (``+00:00``), so that the export reads the same from either store."""
    if isinstance(value, dt.datetime):
        return as_utc(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def rights_page_read(session: Session, *, entity: str, external_id: str, actor: str) -> None:
    """A ``read`` under the household or visitor whose rights page (their export and
    erasure) an account opened: the page shows their id as one on record in the account's
    scope, and that is theirs to know was shown. None under an erased visitor's id."""
    record_events(session, actor=actor, entity=entity, events=[("read", external_id, RIGHTS_PAGE)])
