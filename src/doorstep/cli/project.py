"""``doorstep project``: development projects one at a time (files of them: ``doorstep
import projects|project_households``)."""

from __future__ import annotations

import inspect
from dataclasses import asdict

import typer

from doorstep.cli.common import console, count, handle_errors, id_argument, parse_day
from doorstep.cli.context import actor, cli_today, session, stored_ids
from doorstep.cli.listing import FormatOpt, Layout, Output, show_list

app = typer.Typer(
    help="Development projects that other organisations sponsor: add one, list them, move "
    "one on, record the households it benefits.\n\n"
    "Example: doorstep project benefit WELL27 --household H0000042",
    no_args_is_help=True,
)

#: The columns of ``project list``, named as ``import projects`` names them.
_COLUMNS = (
    "code",
    "title",
    "sponsor_code",
    "area_code",
    "starts_on",
    "ends_on",
    "status",
    "households",
)
_LAYOUT = Layout(
    whole=frozenset(
        {"code", "sponsor_code", "area_code", "starts_on", "ends_on", "status", "households"}
    ),
    give_way=("area_code", "sponsor_code", "ends_on", "status"),
    right=frozenset({"households"}),
)


@app.command("add")
@handle_errors
def add_cmd(
    code: str = typer.Argument(..., help="A new code for the project.", callback=id_argument),
    title: str = typer.Option(..., "--title", help="What it is, e.g. 'Village well'."),
    sponsor: str = typer.Option(
        ..., "--sponsor", help="Code of the organisation that sponsors it.", callback=id_argument
    ),
    area: str = typer.Option(..., "--area", help="Area it is in.", callback=id_argument),
    starts: str = typer.Option(..., "--starts", help="First day, YYYY-MM-DD."),
    ends: str | None = typer.Option(None, "--ends", help="Last day, if known."),
    status: str = typer.Option("planned", "--status", help="planned, running or done."),
) -> None:
    """Add a development project, sponsored by an organisation, in an area.

    The code must be new (an import of projects updates stored ones). The project holds
    no one's data; record the households it benefits with `doorstep project benefit`.
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import projects

    tried = Attempt(actor(), "create", "project", code)
    with session(tried, writer=True) as s:
        projects.add_project(
            s,
            code,
            title=title,
            sponsor=sponsor,
            area=area,
            starts_on=parse_day("--starts", starts),
            ends_on=None if ends is None else parse_day("--ends", ends),
            status=status,
            actor=tried.actor,
            today=cli_today(),
        )
    console.print(f"Added project {code} ({status}).", markup=False)


@app.command("list")
@handle_errors
def list_cmd(
    area: str | None = typer.Option(
        None,
        "--area",
        help="Only projects in this area or an area within it.",
        callback=id_argument,
    ),
    fmt: Output = FormatOpt,
) -> None:
    """List the projects by first day, with how many households each benefits (a count:
    no one is named).

    On a narrow terminal the columns needed least give way, and a line names them;
    --format csv or json has them all. Projects past their last day and not done are
    named below the table.

    Example: doorstep project list --area GZ
    """
    from doorstep.services import projects

    with session() as s:
        rows = projects.list_projects(s, area=area)
    if not rows and fmt is Output.table:
        console.print("No projects" + (f" in {area}." if area else "."), markup=False)
        return
    title = "Projects" + (f" in {area}" if area else "") + f" ({len(rows)})"
    show_list(title, _COLUMNS, [asdict(r) for r in rows], fmt, _LAYOUT, console)
    late = projects.past_their_end(rows, cli_today())
    if late and fmt is Output.table:
        codes = ", ".join(r.code for r in late)
        console.print(
            f"{count(len(late), 'projects')} past {'its' if len(late) == 1 else 'their'} "
            f"last day and not done: {codes} (`doorstep project status CODE done` when "
            "finished)",
            markup=False,
        )


@app.command("status")
@handle_errors
def status_cmd(
    code: str = typer.Argument(..., help="The project's code.", callback=id_argument),
    status: str = typer.Argument(..., help="running or done (planned, running, done: not back)."),
) -> None:
    """Move a project on: planned, then running, then done (never back).

    Example: doorstep project status WELL27 running
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import projects

    tried = Attempt(actor(), "update", "project", code, {"status": status})
    with session(tried, writer=True) as s:
        was = projects.move_status(s, code, status, actor=tried.actor, today=cli_today())
    if was is None:
        console.print(f"Project {code} is {status} already.", markup=False)
    else:
        console.print(f"Project {code} is {status} (was {was}).", markup=False)


@app.command("benefit")
@handle_errors
def benefit_cmd(
    code: str = typer.Argument(..., help="The project's code.", callback=id_argument),
    household: list[str] = typer.Option(
        [], "--household", help="A household the project benefits (repeat for more)."
    ),
) -> None:
    """Record the households a project benefits, all or none.

    A household is added only with its consent given now (one that withdrew keeps what
    was recorded before, until it is erased); an erased one not at all. Each household
    added is audited under its own id; one recorded already is left as it is.

    Example: doorstep project benefit WELL27 --household H0000042
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import projects

    households = stored_ids("household", [id_argument(h) or h for h in household])
    # Not quoted: a refusal's line may say a household's consent, which its erasure must
    # reach, and this event is the project's.
    tried = Attempt(actor(), "create", "project", code, {"households": True}, quote=False)
    with session(tried, writer=True) as s:
        done = projects.benefit(s, code, households=households, actor=tried.actor)
    console.print(
        f"Recorded {count(len(done.added), 'households')} for {code}"
        + (f"; {', '.join(done.already)} recorded already." if done.already else "."),
        markup=False,
        soft_wrap=True,
    )


# Too long for a docstring line, so added here, last, as help ends with one.
add_cmd.__doc__ = (
    inspect.cleandoc(add_cmd.__doc__ or "")
    + "\n\nExample: doorstep project add WELL27 --title Well --sponsor GZ-P-RUR --area GZ"
    " --starts 2027-03-01"
)
