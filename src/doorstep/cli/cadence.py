"""``doorstep cadence``: the programme's cadence, shown and set."""

from __future__ import annotations

import typer

from doorstep.cli.common import console, count, handle_errors
from doorstep.cli.context import actor, cli_today, session
from doorstep.cli.visits import MAX_DAYS

app = typer.Typer(
    help="The programme's cadence: at most how many days between two visits to a household "
    "and how many days a stay lasts, the default of every list, report, file and plan.\n\n"
    "Example: doorstep cadence set --max-gap-days 45 --stay-days 1",
    no_args_is_help=True,
)


@app.command("show")
@handle_errors
def show_cmd() -> None:
    """The programme's cadence, and who set it when.

    Example: doorstep cadence show
    """
    from doorstep.services.cadence import programme_cadence

    with session() as s:
        now = programme_cadence(s.connection())
    since = (
        f" (set by {now.set_by} on {now.set_on})"
        if now.set_on
        else " (the default: none was set; `doorstep cadence set` sets it)"
    )
    console.print(
        f"At most {now.max_gap_days} days between visits; stays of {now.stay_days} days{since}.",
        markup=False,
    )


@app.command("set")
@handle_errors
def set_cmd(
    max_gap_days: int | None = typer.Option(
        None, "--max-gap-days", min=1, max=MAX_DAYS, help="Most days between two visits' starts."
    ),
    stay_days: int | None = typer.Option(
        None, "--stay-days", min=1, max=MAX_DAYS, help="Days in one stay (1 for day visits)."
    ),
) -> None:
    """Set the programme's cadence (what is not given stays as it is). Every work list,
    report, household's and visitor's file and plan of the database, at the command line,
    over the API and in the web app, measures deadlines and plans by it unless given its
    own --max-gap-days or --stay-days. Visits already planned stay as they are until the
    next plan. Recorded in the audit trail with the cadence it replaced.

    Example: doorstep cadence set --max-gap-days 45 --stay-days 1
    """
    from doorstep.services.cadence import set_cadence

    with session(writer=True) as s:
        was, now = set_cadence(
            s,
            max_gap_days=max_gap_days,
            stay_days=stay_days,
            actor=actor(),
            today=cli_today(),
            names=("--max-gap-days", "--stay-days"),
        )
    console.print(
        f"The programme's cadence: at most {count(now.max_gap_days, 'days')} between visits, "
        f"stays of {count(now.stay_days, 'days')} (was {was.max_gap_days} and "
        f"{was.stay_days}). Plans "
        "already stored keep their visits until the next `doorstep plan --area`.",
        markup=False,
    )
