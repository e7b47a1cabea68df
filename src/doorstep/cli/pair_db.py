"""Database-mode pairing commands: propose for an area, show, diff, commit, discard, explain.

They hang off the ``doorstep pair`` group (whose own callback is file mode).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from doorstep.cli import listing
from doorstep.cli.common import (
    StageBar,
    console,
    count,
    err_console,
    handle_errors,
    household_argument,
    progress,
    say_if_compiling,
)
from doorstep.cli.context import actor, cli_today, session, stored_id
from doorstep.domain.ids import MAX_OFFSET
from doorstep.errors import InvalidInput

if TYPE_CHECKING:
    import datetime as dt

    from doorstep.engine.pairing.explain import Alternative, Explanation
    from doorstep.engine.pairing.params import PairingParams
    from doorstep.engine.pairing.solve import Mapper
    from doorstep.services import pairing

#: ``pair explain``'s alternatives on a narrow terminal: ids and distances whole; the
#: visitor's caseload and capacity give way first (the places left and the reason say
#: why it was not chosen).
_ALTERNATIVES = listing.Layout(
    whole=frozenset({"visitor", "km", "caseload", "capacity", "places_left"}),
    give_way=("capacity", "caseload", "places_left"),
    right=frozenset({"km", "caseload", "capacity", "places_left"}),
)


def _churn_row(churn: dict[str, int]) -> tuple[str, str]:
    """The churn line of `pair show`: the households moved to another visitor apart from
    those left with none (a proposal stored before it kept them apart says moved)."""
    if "ended" not in churn:
        return (
            "Kept / moved / new pairs",
            f"{churn['kept']:,} / {churn['moved']:,} / {churn['new']:,}",
        )
    other = churn["moved"] - churn["ended"]
    return (
        "Kept / to another visitor / left with none / new",
        f"{churn['kept']:,} / {other:,} / {churn['ended']:,} / {churn['new']:,}",
    )


def print_proposal(view: pairing.ProposalView) -> None:
    f = view.figures
    table = Table(
        title=f"Pairing proposal {view.id} for {view.area_code} ({status_text(view)})",
        show_header=False,
    )
    table.add_column("what")
    table.add_column("value", justify="right")
    rows = [
        ("Households", f"{f['households']:,}"),
        ("  with consent", f"{f['consenting']:,}"),
        ("Paired", f"{f['paired']:,}"),
        ("Unpaired", f"{f['unpaired']:,}"),
        *[(f"  {reason_words(k)}", f"{v:,}") for k, v in f["unpaired_reasons"].items()],
        # A proposal stored before these were null when nothing was paired holds 0.0.
        ("Mean distance", _km(f["mean_distance_m"] if f["paired"] else None)),
        ("95th percentile distance", _km(f["p95_distance_m"] if f["paired"] else None)),
        *([("New households to pair", f"{f['new']:,}")] if "new" in f else []),
        _churn_row(f["churn"]),
        *_leaving_rows(f),
        ("Certified optimal", certified_text(f)),
        ("Seconds", f"{f['seconds']:.1f}"),
    ]
    rows += _commit_rows(view)
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    # Every open pairing after the proposal, in this area or not: a visitor full elsewhere
    # is shown with its households, not as one with none.
    title = "Caseloads of active visitors, in this area or not"
    # As wide as its title: a title folds to its table's width, three lines over this one.
    loads = Table(title=title, min_width=len(title))
    loads.add_column("households")
    loads.add_column("visitors", justify="right")
    for load, n in sorted(f["caseloads"].items(), key=lambda kv: int(kv[0])):
        loads.add_row(load, f"{n:,}")
    console.print(loads)


def _leaving_rows(f: dict[str, Any]) -> list[tuple[str, str]]:
    """The households the proposal leaves with visitors about to leave (none stored by a
    proposal made before session 42, none shown when there are none)."""
    soon = f.get("leaving_soon")
    if not soon or not soon["households"]:
        return []
    return [
        (
            f"  with visitors leaving within {soon['within_days']} days",
            f"{soon['households']:,} ({count(soon['visitors'], 'visitors')})",
        )
    ]


def note_leaving(f: dict[str, Any], area: str) -> None:
    """Say, on stderr, that some households stay with visitors about to leave, and what to do."""
    soon = f.get("leaving_soon")
    if not soon or not soon["households"]:
        return
    err_console.print(
        f"{count(soon['households'], 'households')} would be with "
        f"{count(soon['visitors'], 'visitors')} whose last day is within "
        f"{soon['within_days']} days, perhaps before a next visit: they keep the households "
        "they look after now but take no new ones. Once a visitor has left, `doorstep pair --area "
        f"{area} --new-only` hands their households over; to hand them over now, give the "
        "visitor an active_to before today (a visitors import).",
        markup=False,
        soft_wrap=True,
    )


def _commit_rows(view: pairing.ProposalView) -> list[tuple[str, str]]:
    """For a committed proposal: when, and the pairings its commit started (how many are
    still open) and ended, by why, as the pairings' rows name the commit."""
    if view.commit is None:
        return []
    c = view.commit
    when = "-" if view.committed_at is None else f"{view.committed_at:%Y-%m-%d %H:%M} UTC"
    return [
        ("Committed", when),
        ("Pairings its commit started", f"{c['started']:,}"),
        ("  still open", f"{c['still_open']:,}"),
        ("Pairings its commit ended", f"{sum(c['ended'].values()):,}"),
        *[(f"  {k.replace('_', ' ')}", f"{n:,}") for k, n in c["ended"].items()],
    ]


def km_number(metres: float) -> str:
    """A distance as people read it, in km with two decimals (10 m steps): every distance
    shown in words or in a table headed "km", in both modes alike. Files and the JSON
    summary keep whole metres (``distance_m``)."""
    return f"{metres / 1000:.2f}"


def km(metres: float) -> str:
    """:func:`km_number` with its unit, for a sentence: "1.25 km"."""
    return f"{km_number(metres)} km"


def status_text(view: pairing.ProposalView) -> str:
    """A proposal's status as `pair show` and `pair explain` head it: "open, stale" for one
    `pair commit` would refuse (a superseded one, status ``stale``, says so already)."""
    stale = view.stale and view.status != "stale"
    return f"{view.status}, stale" if stale else view.status


def note_stale(view: pairing.ProposalView | pairing.PairDiff, *, number: int) -> None:
    """Say on stderr why `pair commit` would refuse the proposal (or, for a committed one,
    what changed since its commit), as `pair explain` does."""
    if view.stale:
        why = view.stale_reason or f"the area changed since proposal {number} was committed"
        err_console.print(f"Note: {why}.", soft_wrap=True, highlight=False)


def _km(metres: float | None) -> str:
    """A distance figure in km; "-" when there is none (nothing paired)."""
    return "-" if metres is None else km(metres)


def certified_text(figures: dict[str, Any]) -> str:
    """The "Certified optimal" cell: yes, or the limit that stopped the widening and how far
    above the least cost the pairing may be; for --new-only, that it answers another question."""
    from doorstep.engine.pairing.params import NEW_ONLY

    if figures["certified"]:
        return "yes"
    if figures.get("mode") == NEW_ONLY:
        why = []
        if figures.get("cut"):
            why.append("searches cut by --max-settled")
        if figures.get("chosen") is False:
            why.append("which to leave out not proved least-cost")
        exact = "exact" if figures.get("exact") else f"NOT exact: {'; '.join(why)}"
        return f"no (new households only; {exact})"
    text = f"NO (stopped by {figures.get('stopped_by') or 'a limit'}"
    gap, cost = figures.get("cost_gap"), figures.get("total_cost")
    if gap is not None and cost is not None and cost - gap > 0:
        text += f"; cost at most {100 * gap / (cost - gap):.2f} % above the least"
    return text + ")"


def propose_area(
    area: str,
    params: PairingParams,
    *,
    quiet: bool,
    mapper: Mapper | None = None,
    new_only: bool = False,
    max_settled: int | None = None,
) -> None:
    """``doorstep pair --area CODE``: compute and store a proposal, print its figures."""
    from doorstep.engine.pairing.compiled import kernels_ready
    from doorstep.privacy.audit import Attempt
    from doorstep.services import pairing

    tried = Attempt(actor(), "create", "pairing_proposal", detail={"area": area})
    say_if_compiling(kernels_ready(), "pairing engine", quiet=quiet)
    with session(tried) as s, progress(quiet=quiet) as bar:
        view = pairing.propose(
            s,
            area,
            params=params,
            actor=tried.actor,
            today=cli_today(),
            mapper=mapper,
            progress=StageBar(bar),
            new_only=new_only,
            max_settled=max_settled,
        )
    if not quiet:
        print_proposal(view)
        note_shortage(view.figures)
        note_leaving(view.figures, area)
        err_console.print(
            f"Review with `doorstep pair diff {view.id}`, then "
            f"`doorstep pair commit {view.id}` or `doorstep pair discard {view.id}`."
        )
    # The same summary as file mode (plus consent, caseloads and churn), last on stdout.
    print(json.dumps({"proposal": view.id, **view.figures}))


#: How an alternative with room exactly as near as the chosen visitor is shown (its reason
#: code is ``farther``, meaning "no nearer"), in file mode and database mode alike.
AS_NEAR = "as near (another was chosen)"


def reason_words(code: str) -> str:
    """A reason code (``no_consent``) in the words every command shows it in ("no
    consent"); only the output CSV and the JSON summary keep the codes."""
    return code.replace("_", " ")


def why_not(e: Explanation, a: Alternative) -> str:
    """Why an alternative was not chosen, in words, in both modes."""
    return AS_NEAR if e.as_near(a) else reason_words(a.why.value)


def unpaired_words(e: Explanation) -> str:
    """Why a household is unpaired, in words, in both modes (the output CSV keeps codes)."""
    return reason_words(e.unpaired.value) if e.unpaired else "unknown"


def none_within(e: Explanation, max_km: float) -> str:
    """The line shown instead of an empty list of alternatives, in both modes: an empty
    table reads as a fault, while it means no other visitor is within reach (remote pool
    visitors, listed at any distance, would be there)."""
    if e.visitor_id is not None:
        return f"No other visitor within {max_km:g} km of {e.household_id}."
    return f"No visitor within {max_km:g} km of {e.household_id} (unpaired: {unpaired_words(e)})."


def note_shortage(summary: dict[str, Any]) -> None:
    """Say, on stderr, when --new-only could not pair every new household: how many were,
    whether the set paired is proved the cheapest, and that those left out are in the output
    with their reason (docs/cli.md)."""
    from doorstep.engine.pairing.params import NEW_ONLY

    new, paired = summary.get("new"), summary.get("new_paired")
    if summary.get("mode") != NEW_ONLY or new is None or paired is None or paired >= new:
        return
    which = (
        "of the ways to pair that many, one that costs least"
        if summary.get("chosen", True)
        else "which are left out follows how near room was for each, as choosing the cheapest "
        "set was given up for its cost"
    )
    err_console.print(
        f"Paired {paired:,} of {new:,} new households, the most possible; {which}. The others "
        "are unpaired, each with its reason.",
        soft_wrap=True,
    )


def proposal_number(text: str, *, flag: str = "PROPOSAL") -> int:
    """The proposal a command names, or bad input in one line (an argument typed ``int``
    would be refused by the command-line parser in a box of usage text). A number no
    proposal can have (``-- -1``, 0, one past the database's ids) is refused the same way,
    before the database is opened: it is a typing mistake, not a proposal not found."""
    from doorstep.services import pairing

    try:
        number = int(text)  # (spaces around the number are fine)
    except ValueError:
        number = 0
    if not pairing.is_proposal_id(number):
        raise InvalidInput(f"{flag} must be a proposal number, such as 3; got {text!r}")
    return number


@handle_errors
def show_cmd(
    proposal: str = typer.Argument(..., metavar="PROPOSAL", help="Proposal number."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Show a pairing proposal's figures, caseloads and churn.

    For a committed proposal, also when it was committed and the pairings its commit
    started and ended (by why), as the pairings name their commit.

    The area is read as of today, as `pair commit` reads it (unless nothing it depends on
    was written since): a proposal commit would refuse as stale is headed "open, stale",
    with commit's reason in a note.

    Example: doorstep pair show 3
    """
    from doorstep.services import pairing

    number = proposal_number(proposal)
    with session() as s, progress(quiet=quiet) as bar:
        view = pairing.show(s, number, actor=actor(), today=cli_today(), progress=StageBar(bar))
    print_proposal(view)  # once its read is recorded: a database that refuses it shows nothing
    note_stale(view, number=number)


@handle_errors
def diff_cmd(
    proposal: str = typer.Argument(..., metavar="PROPOSAL", help="Proposal number."),
    limit: int = typer.Option(50, min=0, max=MAX_OFFSET, help="Rows to show (0: all)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """List the households whose visitor the proposal would change.

    "by commit" is the proposal whose commit made the household's current pairing, or, when
    it has none, ended its last one.

    A proposal `pair commit` would refuse as stale gets a note with commit's reason, as in
    `pair show`.

    Example: doorstep pair diff 3 --limit 20
    """
    from doorstep.services import pairing

    number = proposal_number(proposal)
    with session() as s, progress(quiet=quiet) as bar:
        changes = pairing.diff(
            s,
            number,
            actor=actor(),
            limit=limit or None,
            today=cli_today(),
            progress=StageBar(bar),
        )
    note_stale(changes, number=number)
    if not changes.total:  # a one-line answer, not the headers of an empty table
        console.print(f"No household would change visitor with proposal {number}.")
        return
    # "Change", not "change visitor": on a first pairing none of them has one yet.
    table = Table(title=f"Households whose pairing would change: {changes.total:,}")
    for col in ("household", "now", "by commit", "proposed", "km", "reason if none"):
        table.add_column(col)
    shown = changes.changes
    if len(shown) < changes.total:
        table.caption = f"{changes.total - len(shown):,} more not shown; --limit 0 shows them all"
    for c in shown:
        table.add_row(
            c.household,
            c.current_visitor or "-",
            "-" if c.now_by is None else str(c.now_by),
            c.proposed_visitor or "-",
            "" if c.distance_m is None else km_number(c.distance_m),
            reason_words(c.reason) if c.reason else "",
        )
    console.print(table)


@handle_errors
def commit_cmd(
    proposal: str = typer.Argument(..., metavar="PROPOSAL", help="Proposal number."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Commit a proposal: end the replaced pairings and start the new ones, keeping history.

    A proposal whose area changed since it was computed is refused as stale.

    Example: doorstep pair commit 3
    """
    from doorstep.privacy.audit import Attempt
    from doorstep.services import pairing

    number = proposal_number(proposal)
    tried = Attempt(actor(), "update", "pairing_proposal", str(number))
    with session(tried) as s, progress(quiet=quiet) as bar:
        counts = pairing.commit(
            s, number, actor=tried.actor, today=cli_today(), progress=StageBar(bar)
        )
    console.print(
        f"Committed proposal {number}: {count(counts['started'], 'pairings')} started, "
        f"{counts['ended']:,} ended, {count(counts['kept'], 'households')} unchanged."
    )


@handle_errors
def discard_cmd(
    proposal: str = typer.Argument(..., metavar="PROPOSAL", help="Proposal number."),
) -> None:
    """Discard a proposal without changing any pairing.

    Example: doorstep pair discard 3
    """
    from doorstep.services import pairing

    number = proposal_number(proposal)
    with session(writer=True) as s:
        pairing.discard(s, number, actor=actor())
    console.print(f"Discarded proposal {number}.")


@handle_errors
def explain_cmd(
    household: str = typer.Argument(..., help="The household's id.", callback=household_argument),
    proposal: str | None = typer.Option(
        None,
        metavar="N",
        help="Proposal number (default: the latest open or committed one with the household).",
    ),
    limit: int = typer.Option(5, min=0, help="How many alternatives to show (0: all)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Explain a household's pairing: its visitor and distance, and why not the others.

    Without --proposal, the latest open or committed proposal that holds the household is
    used (a discarded or stale one only when there is no other, with a note); the first
    line names it. The area is read as of today, as `pair commit` reads it: a proposal
    commit would refuse as stale is called stale, with commit's reason.

    Example: doorstep pair explain H0001234
    """
    from doorstep.services import pairing

    number = None if proposal is None else proposal_number(proposal, flag="--proposal")
    household = stored_id("household", household)
    with session() as s, progress(quiet=quiet) as bar:
        out = pairing.explain_household(
            s,
            household,
            actor=actor(),
            proposal_id=number,
            today=cli_today(),
            limit=limit or None,
            progress=StageBar(bar),
        )
    e = out.explanation
    which = f"proposal {out.proposal.id}, {status_text(replace(out.proposal, stale=out.stale))}"
    if e.visitor_id is not None and e.distance_m is not None:
        console.print(
            f"Household {e.household_id}: visitor {e.visitor_id}, {km(e.distance_m)} ({which})."
        )
    else:
        console.print(f"Household {e.household_id}: no visitor ({unpaired_words(e)}; {which}).")
    if out.fallback:
        err_console.print(
            f"Note: no open or committed proposal covers this household; proposal "
            f"{out.proposal.id} was {out.proposal.status}."
        )
    if out.stale:
        since = "committed" if out.proposal.status == "committed" else "computed"
        why = out.stale_reason or f"the area changed since this proposal was {since}"
        today = "; the reasons below use today's data" if out.in_area else ""
        err_console.print(f"Note: {why}. The pair above is the proposal's{today}.")
    if not out.in_area:
        err_console.print(
            f"Note: household {e.household_id} is no longer in area {out.proposal.area_code}, "
            "so no alternatives are given; to pair it, run `doorstep pair --area` for the "
            "area it is in now."
        )
        return
    if not out.alternatives:
        console.print(none_within(e, out.proposal.params["max_km"]), highlight=False)
        return
    # The command line is the operator's, who sees every visitor: none is withheld.
    cells = [
        {
            "visitor": str(a.visitor),
            "km": km_number(a.distance_m),
            "caseload": str(a.caseload),
            "capacity": str(a.capacity),
            "places_left": str(a.places_left),
            "why_not": (AS_NEAR if a.why == "as_near" else reason_words(a.why))
            + _leaving_words(a.leaving_on),
        }
        for a in out.alternatives
    ]
    title = "Next best visitors"
    table, hidden = listing.fitted_table(title, list(cells[0]), cells, _ALTERNATIVES, console)
    console.print(table)
    if hidden:
        gone = ", ".join(map(listing.label, hidden))
        console.print(f"Not shown at this width: {gone}.", style="dim")


def _leaving_words(last_day: dt.date | None) -> str:
    """For an alternative leaving within the programme's most days between visits: its last
    day, which is why it is full (it takes no new households, only keeps its own)."""
    return "" if last_day is None else f" (leaving {last_day}: no new households)"


def register(app: typer.Typer) -> None:
    """Add the database-mode subcommands to the ``pair`` group."""
    app.command("show")(show_cmd)
    app.command("diff")(diff_cmd)
    app.command("commit")(commit_cmd)
    app.command("discard")(discard_cmd)
    app.command("explain")(explain_cmd)
