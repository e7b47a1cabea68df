"""``doorstep referral``: households referred to other organisations' services, and
whether the service followed."""

from __future__ import annotations

from dataclasses import asdict

import typer

from doorstep.cli.common import (
    client_id_option,
    console,
    count,
    handle_errors,
    household_argument,
    id_argument,
    parse_day,
)
from doorstep.cli.context import actor, cli_today, session, stored_id
from doorstep.cli.listing import FormatOpt, Layout, Output, show_list

app = typer.Typer(
    help="Referrals of households to other organisations' services (a job centre, a clinic, "
    "a school): record one, move it on, list those to follow up.\n\n"
    "Example: doorstep referral add H0000042 --to GZ-14-HRS --service employment",
    no_args_is_help=True,
)

TodayOpt = typer.Option(None, "--today", help="Pretend today is this day (YYYY-MM-DD).")

_COLUMNS = (
    "id",
    "household",
    "area",
    "organisation",
    "service",
    "made_on",
    "visitor",
    "status",
    "status_on",
    "days",
    "follow_up",
)
_LAYOUT = Layout(
    whole=frozenset({"id", "household", "made_on", "status", "days"}),
    give_way=("visitor", "status_on", "area", "follow_up"),
    right=frozenset({"id", "days"}),
)


@app.command("add")
@handle_errors
def add_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=household_argument),
    to: str = typer.Option(
        ..., "--to", help="Code of the organisation it is referred to.", callback=id_argument
    ),
    service: str = typer.Option(
        ...,
        "--service",
        help="employment, benefits, health, education, housing, childcare, training or other.",
    ),
    on: str | None = typer.Option(None, "--on", help="The day it was made (default: today)."),
    visitor: str | None = typer.Option(
        None, "--visitor", help="The visitor who made it, if one did.", callback=id_argument
    ),
    client_id: str | None = typer.Option(
        None,
        "--id",
        help="A uuid for it (as a phone gives one): given again with the same referral, "
        "it is made once.",
        callback=client_id_option,
    ),
    today: str | None = TodayOpt,
) -> None:
    """Record that a household was referred to an organisation for a service: open until
    the service answers.

    The household's consent must be given. The referral is the household's record (in its
    export, gone with its erasure); its number moves it on with `doorstep referral status`.
    With --id, running the command again records it once (another referral under that id
    is refused).

    Example: doorstep referral add H0000042 --to GZ-14-HRS --service employment --visitor V0000123
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import referrals

    day = cli_today(today)
    made_on = parse_day("--on", on) if on else day
    household = stored_id("household", household)
    visitor = stored_id("visitor", visitor)
    tried = Attempt(actor(), "create", "household", household, detail={"table": "referrals"})
    with session(tried, writer=True) as s:
        made = referrals.sent_again(
            s,
            client_id,
            household,
            organisation=to,
            service=service.strip().lower(),
            made_on=made_on if on else None,
            visitor=visitor,
            actor=tried.actor,
        )
        already = made is not None
        if made is None:
            made = referrals.add_referral(
                s,
                household,
                organisation=to,
                service=service.strip().lower(),
                made_on=made_on,
                visitor=visitor,
                actor=tried.actor,
                today=day,
                client_id=client_id,
            )
        number, made_on, now = made.id, made.made_on, made.status
    first = f"Referral {number}{' (made already)' if already else ''}"
    console.print(
        f"{first}: {household} referred to {to} for {service.strip().lower()} on "
        f"{made_on} ({now}).",
        markup=False,
    )


@app.command("status")
@handle_errors
def status_cmd(
    number: int = typer.Argument(..., help="The referral's number (`referral list`)."),
    status: str = typer.Argument(
        ..., help="accepted, completed, declined (by the service) or withdrawn (by the household)."
    ),
    on: str | None = typer.Option(None, "--on", help="The day it took it (default: today)."),
    today: str | None = TodayOpt,
) -> None:
    """Move a referral on: open -> accepted -> completed, or declined or withdrawn; a
    completed, declined or withdrawn referral stays so.

    Example: doorstep referral status 12 completed --on 2027-04-02
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import referrals

    day = cli_today(today)
    when = parse_day("--on", on) if on else day
    status = status.strip().lower()
    tried = Attempt(actor(), "update", "referral", str(number), detail={"status": status})
    with session(tried, writer=True) as s:
        was = referrals.move_status(s, number, status, on=when, actor=tried.actor, today=day)
    console.print(f"Referral {number}: {was} -> {status} on {when}.", markup=False)


@app.command("list")
@handle_errors
def list_cmd(
    area: str | None = typer.Option(
        None,
        "--area",
        help="The households of this area and the areas within it.",
        callback=id_argument,
    ),
    household: str | None = typer.Option(
        None, "--household", help="One household's referrals.", callback=household_argument
    ),
    status: str | None = typer.Option(
        None, "--status", help="Only this status (open, accepted, completed, declined, withdrawn)."
    ),
    follow_up: bool = typer.Option(
        False, "--follow-up", help="Only those still open after --days days."
    ),
    days: int = typer.Option(
        30, "--days", help="Days an open referral waits before it is due a follow-up."
    ),
    today: str | None = TodayOpt,
    fmt: Output = FormatOpt,
) -> None:
    """List referrals, oldest first, with the days since each was made; those open for
    --days days or more are marked for follow-up, and counted by status below the table.

    Example: doorstep referral list --area GZ-14 --follow-up
    """
    from doorstep.services import referrals

    household = stored_id("household", household)
    with session() as s:
        rows = referrals.list_referrals(
            s,
            actor=actor(),
            today=cli_today(today),
            area=area,
            household=household,
            status=None if status is None else status.strip().lower(),
            follow_up_only=follow_up,
            follow_up_days=days,
        )
    where = f" of {household}" if household else f" in {area}" if area else ""
    if not rows and fmt is Output.table:
        console.print(f"No referrals{where}.", markup=False)
        return
    title = f"Referrals{where} ({len(rows)})"
    shown = [{**asdict(r), "follow_up": "yes" if r.follow_up else ""} for r in rows]
    if fmt is not Output.table:
        shown = [asdict(r) for r in rows]
    show_list(title, _COLUMNS, shown, fmt, _LAYOUT, console)
    if fmt is Output.table:
        by = referrals.counts(rows)
        said = ", ".join(f"{n:,} {s}" for s, n in by.items() if n and s != "follow_up")
        console.print(
            f"{said}; {count(by['follow_up'], 'referrals')} open {days} days or more.",
            markup=False,
        )
