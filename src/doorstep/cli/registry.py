"""``doorstep import``, ``export`` and ``stats``: the registry at the command line."""

from __future__ import annotations

import inspect
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from doorstep.cli.common import (
    StageBar,
    check_out_file,
    console,
    count,
    err_console,
    handle_errors,
    id_argument,
    progress,
)
from doorstep.cli.context import actor, attempted, cli_today, session
from doorstep.errors import InvalidInput
from doorstep.services.importing import IMPORTS, describe


class Entity(StrEnum):
    areas = "areas"
    organisations = "organisations"
    teams = "teams"
    visitors = "visitors"
    households = "households"
    indicators = "indicators"
    leave = "leave"
    blackouts = "blackouts"
    visits = "visits"
    exclusions = "exclusions"
    activities = "activities"
    attendance = "attendance"
    projects = "projects"
    project_households = "project_households"
    pairings = "pairings"
    referrals = "referrals"


class Imported(StrEnum):
    """What an import file may hold: the registry, calendars, visits made, exclusions,
    group activities and projects with who takes part, and referrals (each kind the
    importer takes, ``importing.IMPORTS``)."""

    areas = "areas"
    organisations = "organisations"
    teams = "teams"
    visitors = "visitors"
    households = "households"
    indicators = "indicators"
    leave = "leave"
    blackouts = "blackouts"
    visits = "visits"
    exclusions = "exclusions"
    activities = "activities"
    attendance = "attendance"
    projects = "projects"
    project_households = "project_households"
    referrals = "referrals"


_SCHEMA_HELP = "\n\n".join(describe(s).replace("\n", "\n\n") for s in IMPORTS.values())


@handle_errors
def import_cmd(
    entity: Imported = typer.Argument(..., help="What the file holds."),
    file: Path = typer.Argument(..., help="A .csv (UTF-8), .xlsx or .parquet file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="leave and blackouts: the file is the whole set of its people's periods from "
        "today on; their stored periods not in it that end today or later are removed.",
    ),
    today: str | None = typer.Option(
        None,
        "--today",
        help="Pretend today is this day (YYYY-MM-DD), as `visits record` does: imports "
        "refuse visits and consent acts after today. The import's event says so.",
    ),
    template: bool = typer.Option(
        False,
        "--template",
        help="Import nothing: write FILE (.xlsx, not one that exists) as an empty spreadsheet "
        "of the file's columns to fill in (ids and codes kept as typed, choices in a "
        "drop-down, each column's note).",
    ),
) -> None:
    """Import a registry file, all rows or none.

    Every row is checked first; with any error nothing is written, the first 50 errors
    are shown and all of them are written to FILE.errors.csv (row, column, reason; for
    files about people, all but areas, organisations and teams, without their values); the
    exit code is 2.
    An import that succeeds removes the FILE.errors.csv an earlier one left, and says so.
    Rows whose id is already in the database are updated in place, and left alone (not
    written, not audited) when they hold nothing new. From a workbook,
    the first visible sheet is read. Import in this order: areas, organisations,
    teams, visitors, households, indicators; then visits made, as devices sync them (each
    row's visit_id names one visit: a file imported twice adds nothing, and a row changed
    since updates its visit; a visit is checked as `doorstep visits record` checks it).
    Exclusions, pairs never to be paired, name a household and a visitor on record; a pair
    imported again changes only its reason, and one paired now is ended by the next
    `pair commit` for its area (`doorstep pair unexclude` removes one).

    Group activities (trips, contests, summer camps, training) and projects come after
    the organisations; then attendance (one household or one visitor per row) and
    project_households. A row of those is added once and imported again changes nothing;
    a new one needs the household's consent given (on an activity's first day; for a
    project, now), and one that withdrew keeps its rows until it is erased.

    Leave and blackouts are calendars: a period is known by its person and starts_on, so
    a file imported twice adds nothing and a changed ends_on or reason updates the period
    in place. One person's periods may not overlap, in the file or with a stored period
    of another starts_on (merge them, or give the stored one's starts_on to change it).
    With --replace the file is the whole set of the named people's periods from today
    on: their stored periods not in it that end today or later are removed (past ones
    stay); people the file does not name keep theirs. The next `doorstep plan --area`
    plans again only the visitors whose visits the change touches.

    Referrals (after the organisations and households) find a stored referral by their
    number (`doorstep export referrals` writes it), or by household, organisation,
    service and made_on: a file imported twice adds nothing, and a status given moves the
    referral on as `doorstep referral status` does (never back). A new one needs the
    household's consent given.

    Example: doorstep import households data/households.csv

    Example: doorstep import leave leave.csv --replace

    Example: doorstep import attendance camp-attendance.csv

    Example: doorstep import households households.xlsx --template
    """
    if template:
        write_template(entity.value, file)
        return
    from doorstep.privacy.audit import Attempt
    from doorstep.services.importing import import_file

    day = cli_today(today)
    with progress(quiet=quiet) as bar:
        task = bar.add_task(f"Importing {file.name}", total=None)

        def report(stage: str, done: int, total: int) -> None:
            bar.update(
                task, completed=done, total=total or None, description=f"{file.name}: {stage}"
            )

        # Its messages quote the file's cells: the trail keeps only how many errors there were.
        tried = Attempt(actor(), "import", entity.value, detail={"file": file.name}, quote=False)
        with session(tried) as s:
            summary = import_file(
                s,
                entity.value,
                file,
                actor=tried.actor,
                progress=report,
                today=day,
                replace_future=replace,
            )
    sheet = f" ({summary.sheet})" if summary.sheet else ""
    console.print(
        f"Imported {count(summary.rows, entity.value)} from {file.name}{sheet}: "
        f"{summary.created:,} new, {summary.updated:,} updated, {summary.unchanged:,} unchanged.",
        markup=False,
    )
    for note in summary.notes:
        console.print(note, markup=False)
    if summary.stale_errors is not None:
        console.print(str(summary.stale_errors), markup=False, soft_wrap=True)


def write_template(entity: str, file: Path) -> None:
    """``file``, new, as the empty spreadsheet of ``entity``'s columns (in English)."""
    from doorstep.services.importing.template import template_xlsx
    from doorstep.services.outfile import write_whole

    if file.suffix.lower() != ".xlsx":
        raise InvalidInput(f"--template writes a spreadsheet: give a .xlsx file, not {file.name}")
    if file.exists():
        raise InvalidInput(f"{file} exists: --template writes a new file; give another name")
    check_out_file("FILE", file, example=f"{entity}.xlsx")
    book = template_xlsx(IMPORTS[entity])
    write_whole(file, lambda part: part.write_bytes(book))
    console.print(
        f"Wrote {file}: the columns of a {entity} file, to fill in and import with "
        f"`doorstep import {entity} {file}`.",
        markup=False,
    )


import_cmd.__doc__ = inspect.cleandoc(import_cmd.__doc__ or "") + "\n\nColumns:\n\n" + _SCHEMA_HELP


@handle_errors
def export_cmd(
    entity: Entity = typer.Argument(..., help="What to export."),
    file: Path = typer.Argument(..., help="Output .csv, .xlsx or .parquet file."),
    all_pairings: bool = typer.Option(
        False, "--all", help="pairings: the ended ones too, with ended_on and end_reason."
    ),
    area: str | None = typer.Option(
        None,
        "--area",
        help="Only the households of this area and the areas below it (area code): "
        "visits, exclusions, pairings, referrals, households, indicators, blackouts.",
        callback=id_argument,
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Export a registry table, the leave or blackouts, the visits, the exclusions, the
    activities, projects and who took part in them, or the pairings, in the same columns
    that import reads (edit an export of leave and import it with --replace to correct or
    cancel it).

    visits adds each visit's status (planned, done, missed, cancelled) and gives the days
    it was made on, or, not made, planned on: its done rows import back unchanged (a visit
    recorded by hand has the visit_id it was given, or, recorded before visits had ids, the
    one it would be given now, which import knows it by). pairings, which only
    `pair commit` makes, gives the current pairings (household_id, visitor_id, since,
    distance_m); with --all the ended ones too. referrals, which `doorstep referral`
    makes, gives each with its number, where it stands and since when. Each
    household and visitor in a file about people is named in the audit trail.

    --area CODE keeps the rows of the households in that area and the areas below it
    (visits, exclusions, pairings, referrals, households, indicators, blackouts), as pair and plan
    take an area; an unknown code is refused.

    Text cells starting with = + - or @ get a leading apostrophe so a spreadsheet
    shows them instead of running them as formulas; import takes it off again.

    Example: doorstep export households households.xlsx

    Example: doorstep export pairings pairings.csv --all

    Example: doorstep export visits visits-gz.csv --area GZ
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services.exporting import export_entity

    # As `doorstep pair` checks its --out: before any work; missing folders are made.
    check_out_file("output", file, example=f"{entity.value}.csv")
    detail: dict[str, object] = {"file": file.name}
    detail |= ({"all": True} if all_pairings else {}) | ({"area": area} if area else {})
    tried = Attempt(actor(), "export", entity.value, detail=detail)
    with progress(quiet=quiet) as bar:
        stages = StageBar(bar)
        stages.stage(f"Reading {entity.value}", 1)
        with session(tried) as s:
            pending = export_entity(
                s, entity.value, file, actor=tried.actor, ended=all_pairings, area=area
            )
        stages.stage(f"Writing {pending.rows:,} {entity.value} to {file.name}", pending.rows)
        with attempted(tried):  # after the commit: never a file without its audit events
            n = pending.write()
        stages.advance(max(n, 1))
    console.print(f"Wrote {count(n, entity.value)} to {file}.")


@handle_errors
def stats_cmd(
    area: str | None = typer.Option(
        None,
        "--area",
        help="Count this area's subtree only (area code): its areas, the organisations and "
        "teams placed in it, the visitors living in it, its households and their pairings.",
        callback=id_argument,
    ),
) -> None:
    """Print the programme summary: headline counts and counts by area level.

    Visitors and their capacity are those active today (the places pairing can use); those
    whose active_to has passed, or whose active_from is to come, are counted apart.
    With --area, the counts of that area's subtree only (visitors by the area they live
    in); `doorstep report` gives the figures of its areas and months.

    Example: doorstep stats --area GZ-14
    """
    from doorstep.services.registry import programme_summary

    with session() as s:
        summary = programme_summary(s, actor=actor(), today=cli_today(), area=area)
    t, levels = summary.totals, summary.levels
    if t["areas"] == 0:
        err_console.print(
            f"The database is empty ({summary.database}): run `doorstep demo` or "
            "`doorstep import`, or set DOORSTEP_DATABASE_URL to the one meant.",
            markup=False,
            soft_wrap=True,
        )
    title = "Programme summary" if area is None else f"Summary of area {area}"
    head = Table(title=title, show_header=False)
    head.add_column("what")
    head.add_column("count", justify="right")
    # No households, no share (as `report` prints it), not "0 (0.0%)".
    consent_share = f"{t['consenting'] / t['households']:.1%}" if t["households"] else "-"
    for label, value in (
        ("Areas", f"{t['areas']:,}"),
        ("Organisations", f"{t['organisations']:,}"),
        ("Teams", f"{t['teams']:,}"),
        ("Visitors active today", f"{t['visitors']:,}"),
        ("  their capacity (households)", f"{t['capacity']:,}"),
        ("Visitors not active today (left or not started)", f"{t['visitors_inactive']:,}"),
        ("Households", f"{t['households']:,}"),
        ("  with consent", f"{t['consenting']:,} ({consent_share})"),
        ("People in households", f"{t['members']:,}"),
        ("Active pairings", f"{t['active_pairings']:,}"),
    ):
        head.add_row(label, value)
    console.print(head)
    table = Table(title="By area level")
    for col in ("Level", "Areas", "Households", "With consent", "Active visitors living there"):
        table.add_column(col, justify="left" if col == "Level" else "right")
    for lv in levels:
        table.add_row(
            lv.level,
            f"{lv.areas:,}",
            f"{lv.households:,}",
            f"{lv.consenting:,}",
            f"{lv.visitors:,}",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
    app.command("export")(export_cmd)
    app.command("stats")(stats_cmd)
