"""``doorstep activity``: group activities one at a time (files of them: ``doorstep import
activities|attendance``)."""

from __future__ import annotations

from dataclasses import asdict

import typer

from doorstep.cli.common import console, count, handle_errors, id_argument, parse_day
from doorstep.cli.context import actor, session, stored_ids
from doorstep.cli.listing import FormatOpt, Layout, Output, show_list

app = typer.Typer(
    help="Group activities (trips, contests, summer camps, training): add one, list them, "
    "record who took part.\n\n"
    "Example: doorstep activity attend CAMP27 --household H0000042 --visitor V0000123",
    no_args_is_help=True,
)

#: The columns of ``activity list``, named as ``import activities`` names them.
_COLUMNS = ("code", "kind", "title", "area_code", "starts_on", "ends_on", "households", "visitors")
_COUNTS = frozenset({"households", "visitors"})
_LAYOUT = Layout(
    whole=frozenset({"code", "kind", "area_code", "starts_on", "ends_on"}) | _COUNTS,
    give_way=("area_code", "kind", "visitors", "ends_on"),
    right=_COUNTS,
)


@app.command("add")
@handle_errors
def add_cmd(
    code: str = typer.Argument(..., help="A new code for the activity.", callback=id_argument),
    kind: str = typer.Option(..., "--kind", help="trip, contest, summer_camp, training or other."),
    title: str = typer.Option(..., "--title", help="What it is, e.g. 'Summer camp 2027'."),
    area: str = typer.Option(..., "--area", help="Area where it is held.", callback=id_argument),
    starts: str = typer.Option(..., "--starts", help="First day, YYYY-MM-DD."),
    ends: str | None = typer.Option(None, "--ends", help="Last day (default: the first)."),
    organiser: str | None = typer.Option(
        None, "--organiser", help="Code of the organisation that runs it.", callback=id_argument
    ),
) -> None:
    """Add a group activity, held in an area on one day or more.

    The code must be new (an import of activities updates stored ones). The activity
    holds no one's data; record who took part with `doorstep activity attend`.

    Example: doorstep activity add TRIP27 --kind trip --title Zoo --area GZ --starts 2027-07-01
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import activities

    tried = Attempt(actor(), "create", "activity", code)
    with session(tried, writer=True) as s:
        activities.add_activity(
            s,
            code,
            kind=kind,
            title=title,
            area=area,
            starts_on=parse_day("--starts", starts),
            ends_on=None if ends is None else parse_day("--ends", ends),
            organiser=organiser,
            actor=tried.actor,
        )
    console.print(f"Added activity {code}.", markup=False)


@app.command("list")
@handle_errors
def list_cmd(
    area: str | None = typer.Option(
        None,
        "--area",
        help="Only activities held in this area or an area within it.",
        callback=id_argument,
    ),
    fmt: Output = FormatOpt,
) -> None:
    """List the group activities by first day, with how many households and visitors took
    part (counts only: no one is named).

    On a narrow terminal the columns needed least give way, and a line names them;
    --format csv or json has them all.

    Example: doorstep activity list --area GZ
    """
    from doorstep.services import activities

    with session() as s:
        rows = activities.list_activities(s, area=area)
    if not rows and fmt is Output.table:
        console.print("No activities" + (f" in {area}." if area else "."), markup=False)
        return
    title = "Activities" + (f" in {area}" if area else "") + f" ({len(rows)})"
    show_list(title, _COLUMNS, [asdict(r) for r in rows], fmt, _LAYOUT, console)


@app.command("attend")
@handle_errors
def attend_cmd(
    code: str = typer.Argument(..., help="The activity's code.", callback=id_argument),
    household: list[str] = typer.Option(
        [], "--household", help="A household that took part (repeat for more)."
    ),
    visitor: list[str] = typer.Option(
        [], "--visitor", help="A visitor that took part (repeat for more)."
    ),
) -> None:
    """Record who took part in a group activity: households and visitors, all or none.

    A household is added only with its consent given on the activity's first day (one
    that withdrew keeps what was recorded before, until it is erased); an erased person
    not at all. Each person added
    is audited under their own id; one recorded already is left as it is.

    Example: doorstep activity attend CAMP27 --household H0000042 --visitor V0000123
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import activities

    households = stored_ids("household", [id_argument(h) or h for h in household])
    visitors = stored_ids("visitor", [id_argument(v) or v for v in visitor])
    # Not quoted: a refusal's line may say a household's consent, which its erasure must
    # reach, and this event is the activity's.
    tried = Attempt(actor(), "create", "activity", code, {"attendance": True}, quote=False)
    with session(tried, writer=True) as s:
        done = activities.attend(
            s, code, households=households, visitors=visitors, actor=tried.actor
        )
    console.print(
        f"Recorded {count(len(done.added), 'attendance')} for {code}"
        + (f"; {', '.join(done.already)} recorded already." if done.already else "."),
        markup=False,
        soft_wrap=True,
    )
