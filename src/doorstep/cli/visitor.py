"""``doorstep visitor``: a visitor's file, last day, and right to see, export and erase their
data."""

from __future__ import annotations

import datetime as dt

import typer

from doorstep.cli import case_files
from doorstep.cli.common import (
    PATH_METAVAR,
    console,
    count,
    err_console,
    handle_errors,
    id_argument,
    out_file,
    parse_day,
)
from doorstep.cli.context import actor, attempted, cli_today, session, stored_id
from doorstep.cli.subject_export import deliver
from doorstep.cli.visits import GapOpt, TodayOpt
from doorstep.errors import InvalidInput

app = typer.Typer(
    help="One visitor: their file; give them their last day; export everything held about "
    "them, or erase it.\n\n"
    "Example: doorstep visitor show V0000123",
    no_args_is_help=True,
)


@app.command("find")
@handle_errors
def find_cmd(
    text: str = typer.Argument(..., help="An id or its start, or part of a name."),
    area: str | None = typer.Option(
        None, "--area", help="Only visitors living in this area (area code).", callback=id_argument
    ),
    limit: int = typer.Option(50, min=1, max=500, help="Show at most this many."),
) -> None:
    """Find visitors by their id or its start, or by part of their name (in any case); then
    `doorstep visitor show ID`. Each visitor found is recorded in the audit trail as read
    (the text searched for is not kept).

    Example: doorstep visitor find 王 --area GZ-14-03
    """
    from doorstep.services.finding import find_visitors

    with session() as s:
        found = find_visitors(s, text, actor=actor(), area=area, limit=limit)
    case_files.print_found_visitors(found.rows, found.more, limit)


@app.command("show")
@handle_errors
def show_cmd(
    visitor: str = typer.Argument(..., help="The visitor's id.", callback=id_argument),
    today: str | None = TodayOpt,
    max_gap_days: int | None = GapOpt,
    visits: int = case_files.VISITS,
    as_json: bool = case_files.AS_JSON,
) -> None:
    """A visitor's file: who they are (areas, organisation, teams, capacity, first and last
    day), how many households they look after against their capacity, each of those
    households with its deadline (as `visits due` measures it), their leave to come, their
    latest visits and the next ones planned, and the activities they took part in. Recorded
    in the audit trail as a read of the visitor and of each household it names.

    Example: doorstep visitor show V0000123
    """
    import json

    from doorstep.services.visitor_file import visitor_file

    day = cli_today(today)
    visitor = stored_id("visitor", visitor)
    with session() as s:
        file = visitor_file(
            s, visitor, actor=actor(), today=day, max_gap_days=max_gap_days, visits=visits
        )
    if as_json:
        typer.echo(json.dumps(file, default=str, ensure_ascii=False, indent=2))
        return
    case_files.print_visitor_file(file)


@app.command("export")
@handle_errors
def export_cmd(
    visitor: str = typer.Argument(..., help="The visitor's id.", callback=id_argument),
    # Text, not a Path, which would forget the separator of `--out exports/` (out_file).
    out: str | None = typer.Option(
        None, "--out", metavar=PATH_METAVAR, help="Write the JSON here (default: print)."
    ),
) -> None:
    """Everything held about one visitor, as JSON: their record (name, home, languages,
    capacity, active days), team, organisation and areas, leave, exclusions, activities
    attended, pairings and proposed pairs, visits and cancelled visits (households named by
    id only; a visit's notes and outcomes are the household's, and left out), and the
    audit trail's events about them. The export is itself recorded in the audit trail, and
    under each household it names.

    Example: doorstep visitor export V0000123 --out V0000123.json
    """
    from doorstep.privacy.audit import SUBJECT_EXPORT, Attempt
    from doorstep.services import visitor_rights

    visitor = stored_id("visitor", visitor)
    path = None if out is None else out_file("--out", out, example=f"{visitor}.json")
    tried = Attempt(actor(), SUBJECT_EXPORT, "visitor", visitor)
    with session(tried) as s:
        data = visitor_rights.export_visitor(s, visitor, actor=tried.actor)
    with attempted(tried):
        deliver(data, path, visitor)


@app.command("end")
@handle_errors
def end_cmd(
    visitor: str = typer.Argument(..., help="The visitor's id.", callback=id_argument),
    last_day: str = typer.Option(
        ...,
        "--last-day",
        help="Their last working day, YYYY-MM-DD (active from the next, no more).",
    ),
) -> None:
    """Give a visitor who leaves their last day (active_to), as a visitors import of their
    row would, and say what it leaves to do: their planned visits after that day are
    cancelled (a stay under way on it ends on it), but the households they look after keep
    them until a pairing commit after that day hands them over.

    Example: doorstep visitor end V0000123 --last-day 2026-12-31
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import visitor_days
    from doorstep.services.planned_ends import said

    day = parse_day("--last-day", last_day)
    visitor = stored_id("visitor", visitor)
    tried = Attempt(actor(), "update", "visitor", visitor, {"active_to": day.isoformat()})
    with session(tried, writer=True) as s:
        ended = visitor_days.end_visitor(s, visitor, day, actor=tried.actor, today=cli_today())
    if ended is None:
        console.print(f"Visitor {visitor}'s last day is {day} already.", markup=False)
        return
    was = "none" if ended.was is None else str(ended.was)
    console.print(f"Visitor {visitor}'s last day is {day} (was {was}).", markup=False)
    stopped = said(ended.stopped, " after it")
    if stopped:
        console.print(f"{stopped}.", markup=False)
    if ended.households:
        areas = ", ".join(ended.areas[:3]) + (" ..." if len(ended.areas) > 3 else "")
        area = ended.areas[0] if len(ended.areas) == 1 else "AREA"
        kept = f"{visitor} still looks after {count(ended.households, 'households')} (in {areas})."
        # The calendar's last day has no day after it, on which another could take over.
        if day < dt.date.max:
            kept += (
                f" From {day + dt.timedelta(days=1)} on, `doorstep pair --area {area} "
                "--new-only`, then `pair commit` and `plan --area`, hands them over."
            )
        err_console.print(kept, markup=False, soft_wrap=True)


@app.command("erase")
@handle_errors
def erase_cmd(
    visitor: str = typer.Argument(..., help="The visitor's id.", callback=id_argument),
    yes: bool = typer.Option(False, "--yes", help="Confirm: erasing cannot be undone."),
) -> None:
    """Erase a visitor's personal data: their name, home, languages, organisation, team,
    leave, exclusions, activities attended, active days, their account (tokens too) and a
    plan's record of their pairings it left without a visit. The households they looked
    after keep their pairings and visits, naming the visitor by id only. Refused while the
    visitor has a current pairing or a visit planned from today: re-pair those households
    first. The audit trail keeps that they were erased, by whom and how many rows; their
    earlier events keep who did what and when, without their details.

    Example: doorstep visitor erase V0000123 --yes
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import household_rights, visitor_rights

    if not yes:
        raise InvalidInput(f"erasing {visitor} cannot be undone: add --yes to confirm")
    visitor = stored_id("visitor", visitor)
    tried = Attempt(actor(), "delete", "visitor", visitor)
    with session(tried, writer=True) as s:
        done = visitor_rights.erase_visitor(s, visitor, actor=tried.actor, today=cli_today())
    erased = ", ".join(f"{n} from {table}" for table, n in done.erased.items())
    kept = ", ".join(f"{n} {table}" for table, n in done.kept.items()) or "none"
    console.print(
        f"Erased visitor {visitor}: {erased} (the visitor's row kept under its id, empty). "
        f"Kept the households' records naming the id: {kept}."
    )
    if household_rights.still_on_disk(s):
        err_console.print(
            "warning: another program was reading the database, so the erased values are "
            "still in its file; SQLite clears them at its next checkpoint, once that "
            "program is done (at the latest when the last connection to it closes).",
            style="yellow",
        )
