"""``doorstep visits``: the coordinator's working lists, visitors' calendars, and visits
recorded as made or missed."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from doorstep.cli.common import (
    PATH_METAVAR,
    check_out_dir,
    console,
    count,
    err_console,
    handle_errors,
    household_argument,
    id_argument,
    out_file,
    parse_day,
)
from doorstep.cli.context import actor, attempted, cli_today, session, stored_id
from doorstep.cli.listing import FormatOpt, Output, print_for_scripts
from doorstep.cli.work_table import work_table
from doorstep.domain.enums import VisitStatus
from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES
from doorstep.domain.work_lists import DEFAULT_DAYS
from doorstep.errors import InvalidInput

app = typer.Typer(
    help="Due, overdue and upcoming visits; calendars; visits made or missed.\n\n"
    "Example: doorstep visits overdue --area GZ",
    no_args_is_help=True,
)


VisitorOpt = typer.Option(
    None, "--visitor", help="Only this visitor's households (visitor id).", callback=id_argument
)
TeamOpt = typer.Option(
    None, "--team", help="Only households of this team's members (team code).", callback=id_argument
)
AreaOpt = typer.Option(
    None, "--area", help="Only households in this area (area code).", callback=id_argument
)
TodayOpt = typer.Option(None, "--today", help="Pretend today is this day (YYYY-MM-DD).")
#: The longest --max-gap-days and --days: ten years (as for `doorstep plan`).
MAX_DAYS = 3660
GapOpt = typer.Option(
    None,
    "--max-gap-days",
    min=1,
    max=MAX_DAYS,
    # The brackets are escaped: Typer renders help as Rich markup.
    help="The cadence: most days between visits \\[default: the programme's, `doorstep "
    "cadence show`].",
    show_default=False,
)


def _show(kind: str, rows: list[dict[str, Any]], fmt: Output) -> None:
    from doorstep.services.work_lists import COLUMNS

    cols = COLUMNS[kind]
    if print_for_scripts(cols, rows, fmt):
        return
    table, note = work_table(kind, cols, rows, console)
    console.print(table)
    if note:
        console.print(note, style="dim")


def _list(
    kind: str,
    *,
    visitor: str | None,
    team: str | None,
    area: str | None,
    today: str | None,
    max_gap_days: int | None,
    days: int,
    fmt: Output,
) -> None:
    from doorstep.services import work_lists

    day = cli_today(today)
    visitor = stored_id("visitor", visitor)
    # A window reaching past the calendar's ends stops there (services.work_lists), as the
    # API's and the pages' lists do: nothing lies beyond it to list.
    with session() as s:
        rows = work_lists.work_list(
            s,
            kind,
            actor=actor(),
            today=day,
            max_gap_days=max_gap_days,
            days=days,
            visitor=visitor,
            team=team,
            area=area,
        )
    if not rows and fmt is Output.table:
        # An empty table would still name the columns that gave way to ones with nothing in.
        console.print(f"No {kind} visits as of {day}.", markup=False)
        return
    _show(kind, rows, fmt)


@app.command("overdue")
@handle_errors
def overdue_cmd(
    visitor: str | None = VisitorOpt,
    team: str | None = TeamOpt,
    area: str | None = AreaOpt,
    today: str | None = TodayOpt,
    max_gap_days: int | None = GapOpt,
    fmt: Output = FormatOpt,
) -> None:
    """Households whose cadence deadline has passed without a recorded visit.

    The deadline is the household's last recorded visit, or the first day of a planned
    stay begun before today, not over and not yet recorded (column "under way"), plus the cadence;
    never visited, the start of its uninterrupted run of pairings (a hand-over does not
    reset it) plus the cadence.
    A household whose visitor has left is listed with the status "visitor left on DAY":
    it needs a new visitor (paired with another already, it is listed once, on that row).

    Example: doorstep visits overdue --area GZ-14-03 --format csv
    """
    _list(
        "overdue",
        visitor=visitor,
        team=team,
        area=area,
        today=today,
        max_gap_days=max_gap_days,
        days=0,
        fmt=fmt,
    )


@app.command("due")
@handle_errors
def due_cmd(
    visitor: str | None = VisitorOpt,
    team: str | None = TeamOpt,
    area: str | None = AreaOpt,
    today: str | None = TodayOpt,
    max_gap_days: int | None = GapOpt,
    days: int = typer.Option(
        DEFAULT_DAYS["due"],
        min=1,
        max=MAX_DAYS,
        help="Deadlines within this many days (one that many days away included).",
    ),
    fmt: Output = FormatOpt,
) -> None:
    """Households whose cadence deadline falls in the next days, soonest first.

    A household whose visitor has left is listed with the status "visitor left on DAY".
    Next planned is the household's next planned visit and next visitor who is to make
    it: handed to an incoming visitor, that visitor's first visit.

    Example: doorstep visits due --visitor V0000123 --days 7
    """
    _list(
        "due",
        visitor=visitor,
        team=team,
        area=area,
        today=today,
        max_gap_days=max_gap_days,
        days=days,
        fmt=fmt,
    )


@app.command("upcoming")
@handle_errors
def upcoming_cmd(
    visitor: str | None = VisitorOpt,
    team: str | None = TeamOpt,
    area: str | None = AreaOpt,
    today: str | None = TodayOpt,
    days: int = typer.Option(
        DEFAULT_DAYS["upcoming"],
        min=1,
        max=MAX_DAYS,
        help="Planned visits starting within this many days (that day included).",
    ),
    fmt: Output = FormatOpt,
) -> None:
    """Planned visits starting in the next days, by day.

    Example: doorstep visits upcoming --team GZ-14-03-002-T1 --days 30
    """
    _list(
        "upcoming",
        visitor=visitor,
        team=team,
        area=area,
        today=today,
        max_gap_days=None,
        days=days,
        fmt=fmt,
    )


@app.command("unrecorded")
@handle_errors
def unrecorded_cmd(
    visitor: str | None = VisitorOpt,
    team: str | None = TeamOpt,
    area: str | None = AreaOpt,
    today: str | None = TodayOpt,
    days: int = typer.Option(
        DEFAULT_DAYS["unrecorded"],
        min=1,
        max=MAX_DAYS,
        help="Planned visits that started within this many days before today.",
    ),
    fmt: Output = FormatOpt,
) -> None:
    """Planned visits over and neither recorded as made nor marked missed, oldest first:
    whether they were made is not known, so ask their visitors to record each (`visits
    record`) or mark it missed (`visits missed`).

    Example: doorstep visits unrecorded --area GZ-14-03 --days 60
    """
    _list(
        "unrecorded",
        visitor=visitor,
        team=team,
        area=area,
        today=today,
        max_gap_days=None,
        days=days,
        fmt=fmt,
    )


@app.command("calendar")
@handle_errors
def calendar_cmd(
    visitor: str | None = typer.Option(
        None, "--visitor", help="The visitor's id (with --out).", callback=id_argument
    ),
    # Text, not a Path, which would forget the separator of `--out cal/` (out_file).
    out: str | None = typer.Option(
        None, "--out", metavar=PATH_METAVAR, help="The .ics file to write."
    ),
    team: str | None = typer.Option(
        None,
        "--team",
        help="A team's code: a file for each member (with --out-dir).",
        callback=id_argument,
    ),
    out_dir: Path | None = typer.Option(
        None, "--out-dir", help="The folder for the team's files, one VISITOR.ics each."
    ),
    since: str | None = typer.Option(None, help="From this day (YYYY-MM-DD; default today)."),
) -> None:
    """Write a visitor's planned visits as an iCalendar (.ics) file for any calendar app,
    or with --team every member's, one file each.

    Each visit keeps its UID from file to file; one recorded as made is listed with the days
    it was made on, under the UID of the planned visit it took over. A visit an earlier file
    listed that is no longer planned (moved or removed by a re-plan, cancelled by a visit of
    the visitor recorded on its days, marked missed, or nobody is to make it), and one made
    at a household that withdrew or was erased, is written as cancelled under the same UID
    (its days and no more), so a calendar app that imported that file drops it. Each event's
    SEQUENCE rises when it changes, so phones take the change.

    Example: doorstep visits calendar --visitor V0000123 --out v0000123.ics

    Example: doorstep visits calendar --team GZ-14-03-002-T1 --out-dir calendars/
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.reports.calendar import ics_filename
    from doorstep.services import calendars
    from doorstep.services.outfile import write_whole

    if (visitor is None) == (team is None):
        raise InvalidInput("give --visitor ID with --out FILE, or --team CODE with --out-dir DIR")
    day = parse_day("--since", since) if since else cli_today()
    if team is not None:
        if out is not None or out_dir is None:
            raise InvalidInput("--team writes a file for each member: give --out-dir DIR")
        _team_calendars(team, out_dir, day)
        return
    assert visitor is not None
    if out is None or out_dir is not None:
        raise InvalidInput("--visitor writes one file: give --out FILE")
    visitor = stored_id("visitor", visitor)
    path = out_file("--out", out, example=ics_filename(visitor))
    tried = Attempt(actor(), "read", "visits", detail={"calendar": visitor})
    with session(tried) as s:
        events = calendars.calendar_events(s, visitor, actor=tried.actor, since=day)
    data, listed, cancelled = calendars.calendar_file(visitor, events)
    # After the commit: a database that refuses the audit row writes no file, and a file
    # of households' whereabouts is never on disk without the read in the trail.
    with attempted(tried):
        write_whole(
            path,
            lambda part: part.write_bytes(data),
            note=" (the audit trail records the calendar as failed)",
        )
    also = f" and {cancelled:,} cancelled" if cancelled else ""
    console.print(f"Wrote {count(listed, 'visits')}{also} of {visitor} to {path}.")


def _bytes_writer(data: bytes) -> Callable[[Path], int]:
    return lambda part: part.write_bytes(data)


def _team_calendars(team: str, out_dir: Path, day: dt.date) -> None:
    """``visits calendar --team``: every member's file, each whole; read and audited in one
    transaction, written after it (as one visitor's is)."""
    from doorstep.privacy.audit import Attempt
    from doorstep.reports.calendar import ics_filename
    from doorstep.services import calendars
    from doorstep.services.outfile import write_whole

    check_out_dir("--out-dir", out_dir)
    tried = Attempt(actor(), "read", "visits", detail={"calendar_team": team})
    with session(tried) as s:
        members = calendars.team_calendar_events(s, team, actor=tried.actor, since=day)
    if not members:
        console.print(f"Team {team} has no members: no calendar written.", markup=False)
        return
    files = [(ics_filename(v), *calendars.calendar_file(v, events)) for v, events in members]
    with attempted(tried):
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data, _, _ in files:
            write_whole(
                out_dir / name,
                _bytes_writer(data),
                note=" (the audit trail records the calendars as failed)",
            )
    listed = sum(f[2] for f in files)
    cancelled = sum(f[3] for f in files)
    also = f" and {cancelled:,} cancelled" if cancelled else ""
    console.print(
        f"Wrote {count(len(files), 'calendars')} of team {team} to {out_dir}: "
        f"{count(listed, 'visits')}{also}.",
        markup=False,
        soft_wrap=True,  # a path broken across lines cannot be copied
    )


@app.command("record")
@handle_errors
def record_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=household_argument),
    visitor: str = typer.Option(
        ..., "--visitor", help="The visitor who made it (visitor id).", callback=id_argument
    ),
    start: str = typer.Option(..., "--start", help="Its first day (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--end", help="Its last day (default: --start)."),
    note: str | None = typer.Option(None, "--note", help="A note on the visit."),
    activity: list[str] | None = typer.Option(
        None,
        "--activity",
        metavar="CODE",
        help=f"What the visitor did (repeat it, or join codes with ';'): {ACTIVITIES.listed}.",
    ),
    outcome: list[str] | None = typer.Option(
        None,
        "--outcome",
        metavar="CODE",
        help=f"What came of it for the household (repeat it, or join codes with ';'): "
        f"{OUTCOMES.listed} (alone).",
    ),
    today: str | None = TodayOpt,
) -> None:
    """Record a visit as made: the planner never moves it, and the next is due from it.

    A planned visit of the pair on those days becomes the recorded one, and the visitor's
    other planned visits that share a day with it are cancelled. --activity and --outcome
    take codes from closed lists (any case). Refused, writing nothing: an unknown
    household or visitor, no pairing of the two on every day of it, a household without
    consent on its first or last day, a household and visitor excluded (pair exclude)
    since a day of it or before, an end before the start, a day after today, a day
    shared with another recorded visit of the visitor, or a code not in its list. It
    prints the visit's id, as an export writes it, for the visitor to quote.
    """
    from doorstep.services import visit_records

    day = cli_today(today)
    household = stored_id("household", household)
    visitor = stored_id("visitor", visitor)
    made = visit_records.MadeVisit(
        household,
        visitor,
        parse_day("--start", start),
        parse_day("--end", end) if end is not None else None,
        note or None,
        activities=tuple(activity) if activity else None,
        outcome_codes=tuple(outcome) if outcome else None,
    )
    tried = visit_records.visit_attempt(
        actor(), household, visitor, made.start, VisitStatus.DONE, today=day
    )
    with session(tried, writer=True) as s:
        recorded = visit_records.record_visit(s, made, actor=tried.actor, today=day)
        on_leave = visit_records.leave_during(s, visitor, made.start, made.last, actor=tried.actor)
    planned = f" (planned from {recorded.was_planned})" if recorded.was_planned is not None else ""
    console.print(
        f"Recorded the visit of {visitor} to {household} from {made.start} to {made.last}{planned}."
    )
    # The id an export writes and an import knows the visit by: for the visitor to quote.
    console.print(f"Visit id: {recorded.visit_id}.", markup=False)
    for label, codes in (("Activities", made.activities), ("Outcomes", made.outcome_codes)):
        if codes:
            console.print(f"{label}: {', '.join(codes)}.")
    for other, first in recorded.cancelled:
        console.print(
            f"Cancelled the visit of {visitor} to {other} planned from {first}: "
            f"{visitor} was at {household} then."
        )
    if on_leave is not None:
        err_console.print(
            "Note: " + visit_records.leave_words(visitor, *on_leave) + ".",
            markup=False,
            soft_wrap=True,
        )


@app.command("missed")
@handle_errors
def missed_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=household_argument),
    visitor: str = typer.Option(..., "--visitor", help="The visitor's id.", callback=id_argument),
    start: str = typer.Option(..., "--start", help="The planned visit's first day (YYYY-MM-DD)."),
    today: str | None = TodayOpt,
) -> None:
    """Mark a planned visit as missed: the next plan pulls the pair's next visit early, and
    the visitor's next calendar sends its event cancelled.
    """
    from doorstep.services import visit_records

    day = cli_today(today)
    first = parse_day("--start", start)
    household = stored_id("household", household)
    visitor = stored_id("visitor", visitor)
    tried = visit_records.visit_attempt(
        actor(), household, visitor, first, VisitStatus.MISSED, today=day
    )
    with session(tried, writer=True) as s:
        done = visit_records.mark_missed(s, household, visitor, first, actor=tried.actor, today=day)
    if done.already:
        console.print(
            f"The visit of {visitor} to {household} planned from {first} was marked missed "
            "already; nothing changed."
        )
        return
    console.print(
        f"Marked the visit of {visitor} to {household} planned from {first} as missed; "
        "plan the area again to pull the next one early."
    )


# The examples name a pair of the county demo and visits of its plan from 2027-01-04 (see
# docs/cli.md); too long for a docstring line, so added here, last, as help ends with one.
record_cmd.__doc__ = (
    inspect.cleandoc(record_cmd.__doc__ or "")
    + "\n\nExample: doorstep visits record H0005959 --visitor V0000123 --start 2027-01-04"
    " --end 2027-01-08 --outcome none --today 2027-03-20"
)
missed_cmd.__doc__ = (
    inspect.cleandoc(missed_cmd.__doc__ or "")
    + "\n\nExample: doorstep visits missed H0006074 --visitor V0000123 --start 2027-02-17"
    " --today 2027-03-20"
)
