"""``doorstep household``: a household's case file, its consent, and its right to see, export
and erase its data."""

from __future__ import annotations

import json

import typer

from doorstep.cli import case_files
from doorstep.cli.common import (
    PATH_METAVAR,
    client_id_option,
    console,
    err_console,
    handle_errors,
    id_argument,
    out_file,
    parse_day,
)
from doorstep.cli.context import actor, attempted, cli_today, session, stored_id
from doorstep.cli.subject_export import deliver
from doorstep.cli.visits import GapOpt, TodayOpt
from doorstep.domain.reporting import DEFAULT_POVERTY_LINE
from doorstep.errors import InvalidInput

app = typer.Typer(
    help="One household: its case file; record its consent; export everything held about it, "
    "or erase it."
    "\n\n"
    "Example: doorstep household show H0000042",
    no_args_is_help=True,
)


@app.command("find")
@handle_errors
def find_cmd(
    text: str = typer.Argument(..., help="An id or its start, part of a name or an address."),
    area: str | None = typer.Option(
        None, "--area", help="Only households in this area (area code).", callback=id_argument
    ),
    limit: int = typer.Option(50, min=1, max=500, help="Show at most this many."),
    today: str | None = TodayOpt,
) -> None:
    """Find households by their id or its start, or by part of the head's name or of the
    address (in any case); then `doorstep household show ID`. Each household found is
    recorded in the audit trail as read (the text searched for is not kept).

    Example: doorstep household find 李 --area GZ-14-03
    """

    from doorstep.services.finding import find_households

    with session() as s:
        found = find_households(
            s,
            text,
            actor=actor(),
            today=cli_today(today),
            area=area,
            limit=limit,
        )
    case_files.print_found(found.rows, found.more, limit)


@app.command("show")
@handle_errors
def show_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=id_argument),
    today: str | None = TodayOpt,
    max_gap_days: int | None = GapOpt,
    visits: int = case_files.VISITS,
    poverty_line: float = typer.Option(
        DEFAULT_POVERTY_LINE,
        "--poverty-line",
        help="Yearly income per head below which a household is poor.",
    ),
    as_json: bool = case_files.AS_JSON,
) -> None:
    """A household's case file, as a coordinator or its visitor looks it up before a visit:
    who it is and whether it consents today, its visitor now and before, its deadline
    (as `visits due` measures it), its latest visits and the next ones planned, its
    referrals, yearly income per head against the poverty line, activities and projects.
    Recorded in the audit trail as a read of the household (and of the visitors it names).

    Example: doorstep household show H0000042 --max-gap-days 45
    """

    from doorstep.services.household_file import household_file

    household = stored_id("household", household)
    day = cli_today(today)
    with session() as s:
        file = household_file(
            s,
            household,
            actor=actor(),
            today=day,
            max_gap_days=max_gap_days,
            visits=visits,
            poverty_line=poverty_line,
        )
    if as_json:
        typer.echo(json.dumps(file, default=str, ensure_ascii=False, indent=2))
        return
    case_files.print_household_file(file)


@app.command("export")
@handle_errors
def export_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=id_argument),
    # Text, not a Path, which would forget the separator of `--out exports/` (out_file).
    out: str | None = typer.Option(
        None, "--out", metavar=PATH_METAVAR, help="Write the JSON here (default: print)."
    ),
) -> None:
    """Everything held about one household, as JSON: its record and consent acts, pairings
    and proposals, visits, indicators, exclusions, blackouts, activities and projects, with
    the area and visitors they name, and the audit trail's events about it. The export is
    itself recorded in the audit trail, and under each visitor it names.

    Example: doorstep household export H0000042 --out H0000042.json
    """
    from doorstep.privacy.audit import SUBJECT_EXPORT, Attempt
    from doorstep.services import household_rights

    household = stored_id("household", household)
    path = None if out is None else out_file("--out", out, example=f"{household}.json")
    tried = Attempt(actor(), SUBJECT_EXPORT, "household", household)
    with session(tried) as s:
        data = household_rights.export_household(s, household, actor=tried.actor)
    with attempted(tried):
        deliver(data, path, household)


@app.command("erase")
@handle_errors
def erase_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=id_argument),
    yes: bool = typer.Option(False, "--yes", help="Confirm: erasing cannot be undone."),
) -> None:
    """Erase a household and everything held about it (consent acts and the ids phones
    sent them under, pairings and which of
    them a plan left without a visit, proposed pairs, visits, indicators, exclusions,
    blackouts, activities attended, projects that benefit it, referrals to other
    organisations). The audit trail keeps that it was erased, by whom and how many rows,
    and nothing about the household itself; its earlier events about the household keep
    who did what and when, without their details.
    The UIDs and days of its visits not over are kept for their visitors' calendars, which
    send them cancelled (a phone keeps an event until then), with nothing that names the
    household.

    Example: doorstep household erase H0000042 --yes
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import household_rights

    if not yes:
        raise InvalidInput(f"erasing {household} cannot be undone: add --yes to confirm")
    household = stored_id("household", household)
    tried = Attempt(actor(), "delete", "household", household)
    with session(tried, writer=True) as s:
        counts = household_rights.erase_household(
            s, household, actor=tried.actor, today=cli_today()
        )
    detail = ", ".join(f"{n} from {table}" for table, n in counts.items())
    console.print(f"Erased household {household}: {detail}.")
    if household_rights.still_on_disk(s):
        err_console.print(
            "warning: another program was reading the database, so the erased rows are "
            "still in its file; SQLite clears them at its next checkpoint, once that "
            "program is done (at the latest when the last connection to it closes).",
            style="yellow",
        )


@app.command("consent")
@handle_errors
def consent_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=id_argument),
    state: str = typer.Option(..., "--state", help="given, withdrawn or pending."),
    evidence: str = typer.Option(
        ..., "--evidence", help="What the act rests on: a signed form, a call, a letter."
    ),
    on: str | None = typer.Option(
        None, "--on", help="The day the act was made (YYYY-MM-DD; default: today)."
    ),
    client_id: str | None = typer.Option(
        None,
        "--id",
        help="A uuid for the act (as a phone gives one): given again with the same act, it "
        "is recorded once.",
        callback=client_id_option,
    ),
) -> None:
    """Record a household's new consent act, without importing its whole row. The act in
    force goes to the household's history. A household that withdraws (or is put back to
    pending) has its planned visits from that day cancelled at once, a stay under way cut
    the day before, each audited; its pairing ends at the next pair commit for its area.
    Refused: the same state as the act in force, an act after today, or one dated before
    the act in force (`import households` files such an act in the history). With --id,
    running the command again records the act once and says again what the first run said
    of the visits it took off (another act under that id is refused).

    Example: doorstep household consent H0000042 --state withdrawn --evidence "letter of 2 Dec"
    """
    from doorstep.services import household_consent

    day = parse_day("--on", on) if on else None
    household = stored_id("household", household)
    tried = household_consent.consent_attempt(actor(), household, state)
    with session(tried, writer=True) as s:
        done = household_consent.record_consent(
            s,
            household,
            state,
            actor=tried.actor,
            evidence=evidence,
            on=day,
            client_id=client_id,
            today=cli_today(),
        )
    was = f" (was {done.was}{f' since {done.was_since}' if done.was_since else ''})"
    first = "Recorded already" if done.already else "Recorded"
    console.print(
        f"{first}: household {household}'s consent is {done.state} from {done.since}{was}.",
        markup=False,
    )
    for note in done.notes:
        console.print(note, markup=False)
