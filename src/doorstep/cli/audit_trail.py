"""``doorstep audit``: read the audit trail, who did what to whose data and when."""

from __future__ import annotations

import json

import typer

from doorstep.cli.common import console, handle_errors, household_argument, id_argument, parse_day
from doorstep.cli.context import actor, session, stored_id
from doorstep.cli.listing import FormatOpt, Layout, Output, show_list
from doorstep.domain.ids import MAX_EVENT_ID

_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "detail")
_LAYOUT = Layout(
    whole=frozenset({"id", "at", "action", "entity", "entity_id"}),
    give_way=("detail", "actor"),
    right=frozenset({"id"}),
    wide={"detail": 60},
)


@handle_errors
def audit_cmd(
    who: str | None = typer.Option(
        None, "--actor", help="Only this actor's events (a user here, api:NAME over the API)."
    ),
    action: str | None = typer.Option(
        None,
        "--action",
        help="Only events of this action: read, create, update, delete, import, export or"
        " subject_export (a person's own export).",
    ),
    entity: str | None = typer.Option(
        None,
        "--entity",
        help="Only events about this kind of record: household, visitor, visits, visit_plan,"
        " pairing_proposal, account, audit_events...",
    ),
    household: str | None = typer.Option(
        None,
        "--household",
        help="Only the events about this household.",
        callback=household_argument,
    ),
    visitor: str | None = typer.Option(
        None, "--visitor", help="Only the events about this visitor.", callback=id_argument
    ),
    area: str | None = typer.Option(
        None,
        "--area",
        help=(
            "Only the events of this area: about its households and the visitors who live in"
            " it, and its lists, plans, proposals, imports and accounts."
        ),
        callback=id_argument,
    ),
    since: str | None = typer.Option(None, "--since", help="From this day (UTC, YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="To this day (UTC, included)."),
    before: int | None = typer.Option(
        None,
        "--before",
        min=1,
        max=MAX_EVENT_ID,
        help="Only events older than this id: the next page.",
    ),
    limit: int = typer.Option(100, "--limit", min=1, max=1000, help="How many events at most."),
    fmt: Output = FormatOpt,
) -> None:
    """The audit trail, newest first: who read or wrote whose data, when, and how.

    Reading it is recorded too: one event for the reading, and a read under each household
    and visitor whose events it showed. The last line says how to read the next page.

    Example: doorstep audit --household H0000042 --since 2026-01-01

    Example: doorstep audit --action delete --entity household   # who erased households
    """
    from doorstep.services import audit_trail

    household = stored_id("household", household)
    visitor = stored_id("visitor", visitor)
    with session() as s:
        page = audit_trail.read_trail(
            s,
            actor=actor(),
            who=who,
            action=action,
            entity=entity,
            household=household,
            visitor=visitor,
            area=area,
            since=parse_day("--since", since) if since else None,
            until=parse_day("--until", until) if until else None,
            before=before,
            limit=limit,
        )
    rows = [audit_trail.row(e) for e in page.events]
    if fmt is not Output.json:
        rows = [r | {"detail": json.dumps(r["detail"], ensure_ascii=False)} for r in rows]
    if not rows and fmt is Output.table:
        console.print("No events.", markup=False)
        return
    show_list(f"Audit trail ({len(rows)})", _COLUMNS, rows, fmt, _LAYOUT, console)
    if page.next_before is not None and fmt is Output.table:
        console.print(f"Older events: add --before {page.next_before}", markup=False)
