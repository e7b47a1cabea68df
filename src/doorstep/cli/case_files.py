"""``household show`` and ``visitor show``: a file as a coordinator reads it at a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from rich.table import Table

from doorstep.cli.common import console

#: The options both ``show`` commands take.
VISITS = typer.Option(
    5, min=0, max=1000, help="Visits listed each way: made or missed, and planned."
)
AS_JSON = typer.Option(False, "--json", help="Print the file as JSON instead.")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> None:
    """A section's rows under its title; a section with none says so in one line."""
    if not rows:
        console.print(f"{title}: none", markup=False)
        return
    table = Table(title=title, title_justify="left", min_width=len(title))
    for _, heading in columns:
        table.add_column(heading)
    for row in rows:
        table.add_row(*(_cell(row.get(key)) for key, _ in columns))
    console.print(table)


#: A visit's columns, before those naming who it was with.
_VISIT_COLUMNS = [("status", "status"), ("start", "first day"), ("end", "last day")]
_ACTIVITY_COLUMNS = [
    ("code", "code"),
    ("kind", "kind"),
    ("title", "title"),
    ("starts_on", "from"),
    ("ends_on", "until"),
]


def _visits(file: dict[str, Any], whom: list[tuple[str, str]]) -> None:
    """The file's visits before today and those planned, each with ``whom`` it was with."""
    made, planned = file["visits_made"], file["visits_planned"]
    _table(
        _of(len(made), file["visits_made_total"], "Visits before today, latest first"),
        made,
        _VISIT_COLUMNS + whom,
    )
    _table(
        _of(len(planned), file["visits_planned_total"], "Visits planned, next first"),
        planned,
        _VISIT_COLUMNS + whom,
    )


def _of(shown: int, total: int, what: str) -> str:
    return what if shown == total else f"{what} ({shown} of {total})"


def _cadence(file: dict[str, Any]) -> None:
    """A line per open pairing: its deadline, as the due list has it, and what is next."""
    gap = file["max_gap_days"]
    if not file["cadence"]:
        console.print(
            f"Cadence (at most {gap} days between visits): no open pairing of a household "
            "that consents today",
            markup=False,
        )
        return
    console.print(f"Cadence (at most {gap} days between visits):", markup=False)
    for r in file["cadence"]:
        last = f"last visit {r['last_visit']}" if r["last_visit"] else "no visit recorded yet"
        under_way = f", a stay under way since {r['under_way']}" if r["under_way"] else ""
        nxt = (
            f"next planned {r['next_planned']} ({r['next_visitor']})"
            if r["next_planned"]
            else "no visit planned"
        )
        status = f"; {r['status']}" if r["status"] else ""
        console.print(
            f"  {_due(r)} with {r['visitor']} {r['visitor_name']}: "
            f"{last}{under_way}, {nxt}{status}",
            markup=False,
        )
    console.print()


def print_household_file(file: dict[str, Any]) -> None:
    """Print a case file (:func:`doorstep.services.household_file.household_file`)."""
    h = file["household"]
    console.print(
        f"Household {h['household']}: {h['head_name']}, {h['members']} members, "
        f"{h['area_name']} ({h['area']}), as of {file['as_of']}",
        markup=False,
        style="bold",
    )
    console.print(f"Address: {h['address']}", markup=False)
    prefers = f"; prefers visits on {h['preferred_weekdays']}" if h["preferred_weekdays"] else ""
    console.print(f"Languages: {h['languages'].replace(';', ', ')}{prefers}", markup=False)
    since = f" (act of {h['consent_since']})" if h["consent_since"] else ""
    consent = h["consent"] or "none"
    later = (
        f"; the act recorded last, {h['consent_act']}{since}, is not in force yet"
        if h["consent_act"] != h["consent"]
        else since
    )
    console.print(f"Consent today: {consent}{later}", markup=False)
    console.print()
    _cadence(file)
    _table(
        "Visitors",
        file["pairings"],
        [
            ("visitor", "visitor"),
            ("visitor_name", "name"),
            ("started_on", "from"),
            ("ended_on", "until"),
            ("end_reason", "why it ended"),
        ],
    )
    _visits(file, [("visitor", "visitor"), ("visitor_name", "name")])
    _table(
        "Referrals",
        file["referrals"],
        [
            ("number", "number"),
            ("organisation", "to"),
            ("service", "service"),
            ("made_on", "made"),
            ("status", "status"),
            ("status_on", "since"),
            ("visitor", "by visitor"),
        ],
    )
    _table(
        f"Indicators (poverty line {file['poverty_line']:,.0f} a head a year)",
        file["indicators"],
        [
            ("year", "year"),
            ("annual_income", "income"),
            ("income_per_head", "a head"),
            ("below_poverty_line", "below the line"),
            ("members_in_work", "in work"),
            ("services_enrolled", "services"),
        ],
    )
    _table("Activities", file["activities"], _ACTIVITY_COLUMNS)
    _table(
        "Projects",
        file["projects"],
        [
            ("code", "code"),
            ("title", "title"),
            ("sponsor", "sponsor"),
            ("starts_on", "from"),
            ("ends_on", "until"),
            ("status", "status"),
        ],
    )


def _due(r: dict[str, Any]) -> str:
    """A due list row's deadline, in words."""
    left = r["days_left"]
    when = f"{-left} days overdue" if left < 0 else f"{left} days left"
    return f"due by {r['deadline']} ({when})"


def _households(file: dict[str, Any]) -> None:
    """A line per household the visitor looks after: its deadline and what is next."""
    gap = file["max_gap_days"]
    if not file["households"]:
        console.print(f"Households (at most {gap} days between visits): none", markup=False)
        console.print()
        return
    console.print(f"Households, the soonest due first (at most {gap} days between visits):")
    for r in file["households"]:
        last = f"last visit {r['last_visit']}" if r["last_visit"] else "no visit recorded yet"
        nxt = f"next planned {r['next_planned']}" if r["next_planned"] else "no visit planned"
        if r["next_planned"] and r["next_visitor"] != file["visitor"]["visitor"]:
            nxt += f" (by {r['next_visitor']})"
        status = f"; {r['status']}" if r["status"] else ""
        console.print(
            f"  {r['household']} {r['head_name']} ({r['area']}): {_due(r)}, {last}, {nxt}{status}",
            markup=False,
        )
    console.print()


def print_visitor_file(file: dict[str, Any]) -> None:
    """Print a visitor's file (:func:`doorstep.services.visitor_file.visitor_file`)."""
    v = file["visitor"]
    home = f", living in {v['home_area_name']} ({v['home_area']})" if v["home_area"] else ""
    console.print(
        f"Visitor {v['visitor']}: {v['name']}{home}, as of {file['as_of']}",
        markup=False,
        style="bold",
    )
    works = [f"Languages: {v['languages'].replace(';', ', ')}"]
    if v["organisation"]:
        works.append(f"organisation {v['organisation_name']} ({v['organisation']})")
    if v["service_area"]:
        works.append(f"serves area {v['service_area']} only")
    if v["remote_pool"]:
        works.append(f"remote pool {v['remote_pool']}")
    console.print("; ".join(works), markup=False)
    days = []
    if v["active_from"]:
        days.append(f"from {v['active_from']}")
    if v["active_to"]:
        days.append(f"last day {v['active_to']}")
    if days:
        console.print("Active " + ", ".join(days), markup=False)
    load = file["caseload"]
    elsewhere = file["households_elsewhere"]
    outside = f" ({elsewhere} of them outside your area)" if elsewhere else ""
    console.print(
        f"Looks after {load['households']} households{outside}, capacity {load['capacity']}",
        markup=False,
    )
    console.print()
    _table(
        "Teams",
        v["teams"],
        [
            ("code", "team"),
            ("name", "name"),
            ("area", "area"),
            ("starts_on", "from"),
            ("ends_on", "until"),
            ("is_lead", "lead"),
        ],
    )
    _households(file)
    _table("Leave to come", file["leave"], [("starts_on", "from"), ("ends_on", "until")])
    _visits(file, [("household", "household"), ("head_name", "head")])
    _table("Activities", file["activities"], _ACTIVITY_COLUMNS)


def print_found(rows: list[dict[str, Any]], more: bool, limit: int) -> None:
    """The households a search found, a line each; whether there were more."""
    columns = [
        ("household", "household"),
        ("head_name", "head"),
        ("address", "address"),
        ("area", "area"),
        ("consent", "consent"),
    ]
    _found("Households", rows, columns, more, limit)


def print_found_visitors(rows: list[dict[str, Any]], more: bool, limit: int) -> None:
    """The visitors a search found, a line each; whether there were more."""
    columns = [
        ("visitor", "visitor"),
        ("name", "name"),
        ("home_area", "home area"),
        ("capacity", "capacity"),
        ("active_to", "last day"),
    ]
    _found("Visitors", rows, columns, more, limit)


def _found(
    what: str,
    rows: list[dict[str, Any]],
    columns: list[tuple[str, str]],
    more: bool,
    limit: int,
) -> None:
    if not rows:
        console.print(f"No {what.lower()[:-1]} found.", markup=False)
        return
    _table(f"{what} found ({len(rows)})", rows, columns)
    if more:
        console.print(
            f"More than {limit} found: give more of the name, or --area, or a larger --limit.",
            markup=False,
        )
