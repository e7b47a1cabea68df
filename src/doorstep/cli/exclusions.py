"""``doorstep pair exclude|unexclude|exclusions``: keep a household and a visitor apart, one
pair at a time (a file of pairs: ``doorstep import exclusions``), and list such pairs."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from doorstep.cli.common import console, handle_errors, household_argument, id_argument
from doorstep.cli.context import actor, cli_today, session, stored_id
from doorstep.cli.listing import FormatOpt, Layout, Output, show_list

if TYPE_CHECKING:
    from doorstep.privacy.audit import Attempt


@handle_errors
def exclude_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=household_argument),
    visitor: str = typer.Argument(..., help="The visitor's id.", callback=id_argument),
    reason: str | None = typer.Option(
        None,
        "--reason",
        help="Why, in a few words (kept with the pair, in both people's exports); given "
        "again, it replaces the stored one.",
    ),
) -> None:
    """Never pair a household with a visitor: a conflict of interest, a "do not pair
    again" request.

    Every pairing from now on leaves the pair out, and `pair explain` calls the visitor
    excluded; an open proposal that could have paired them is stale. The pair's planned
    visits from today are cancelled at once (the visitor's next calendar sends them as
    cancelled). A pair paired now stays paired until the next `pair --area` for its area is
    committed, which ends the pairing (as `excluded`); until then `plan` plans no visits
    for it. Audited under the household and under the visitor, each naming the other, an
    attempt refused too.

    Example: doorstep pair exclude H0000042 V0000123 --reason "asked for another visitor"
    """
    from doorstep.services import exclusions
    from doorstep.services.exclusions import Change

    household = stored_id("household", household)
    visitor = stored_id("visitor", visitor)
    tried = _attempt("create", household, visitor)
    with session(tried, writer=True) as s:
        out = exclusions.exclude(
            s, household, visitor, reason=reason, actor=tried.actor, today=cli_today()
        )
    said = f" ({out.reason})" if out.reason else ""
    n = len(out.cancelled)
    console.print(
        {
            Change.ADDED: f"Excluded: {household} will not be paired with {visitor}{said}.",
            Change.UPDATED: f"{household} and {visitor} were excluded already; the reason is "
            + (f"now: {out.reason}." if out.reason else "cleared."),
            Change.UNCHANGED: f"{household} and {visitor} are excluded already{said}; "
            "nothing changed.",
        }[out.change],
        soft_wrap=True,
    )
    if n:
        days = ", ".join(d.isoformat() for d in out.cancelled)
        console.print(
            f"Cancelled {n} planned visit{'s' if n > 1 else ''} of {visitor} to {household} "
            f"({days}); {visitor}'s next calendar sends {'them' if n > 1 else 'it'} as "
            "cancelled.",
            soft_wrap=True,
        )
    if out.paired_in is not None:
        console.print(
            f"{household} is currently paired with {visitor}; `doorstep plan` plans no visits "
            "for the pair, and the next pairing will end it: "
            f"`doorstep pair --area {out.paired_in}`, then `doorstep pair commit`.",
            soft_wrap=True,
        )


@handle_errors
def unexclude_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=household_argument),
    visitor: str = typer.Argument(..., help="The visitor's id.", callback=id_argument),
) -> None:
    """Let a household and a visitor be paired again: remove their exclusion.

    The next pairing may pair them; an open proposal that left them apart is stale. A pair
    not excluded is an error (exit 1) and nothing changes. Audited under both people, an
    attempt refused too.

    Example: doorstep pair unexclude H0000042 V0000123
    """
    from doorstep.services import exclusions

    household = stored_id("household", household)
    visitor = stored_id("visitor", visitor)
    tried = _attempt("update", household, visitor, removed=True)
    with session(tried, writer=True) as s:
        exclusions.unexclude(s, household, visitor, actor=tried.actor)
    console.print(f"{household} and {visitor} are no longer excluded.")


_COLUMNS = ("household", "area", "visitor", "reason")
_LAYOUT = Layout(whole=frozenset({"household", "area", "visitor"}), give_way=("area",))


@handle_errors
def exclusions_cmd(
    area: str | None = typer.Option(
        None,
        "--area",
        help="The households of this area and the areas within it (default: all).",
        callback=id_argument,
    ),
    household: str | None = typer.Option(
        None, "--household", help="One household's.", callback=household_argument
    ),
    fmt: Output = FormatOpt,
) -> None:
    """List the pairs kept apart (`pair exclude`, `import exclusions`), by household then
    visitor, with their reasons. Read in the trail, under each household and visitor shown.

    Example: doorstep pair exclusions --area GZ-14
    """
    from doorstep.services import exclusions

    household = stored_id("household", household)
    with session() as s:
        rows = exclusions.list_exclusions(s, actor=actor(), area=area, household=household)
    where = f" of {household}" if household else f" in {area}" if area else ""
    if not rows and fmt is Output.table:
        console.print(f"No pairs are kept apart{where}.", markup=False)
        return
    title = f"Pairs kept apart{where} ({len(rows)})"
    show_list(title, _COLUMNS, [asdict(r) for r in rows], fmt, _LAYOUT, console)


def _attempt(action: str, household: str, visitor: str, **more: object) -> Attempt:
    from doorstep.services.exclusions import attempt

    return attempt(actor(), action, household, visitor, **more)


def register(app: typer.Typer) -> None:
    """Add the commands to the ``pair`` group."""
    app.command("exclude")(exclude_cmd)
    app.command("unexclude")(unexclude_cmd)
    app.command("exclusions")(exclusions_cmd)
