"""``doorstep check``: find stored data that today's rules would refuse, to correct it."""

from __future__ import annotations

from dataclasses import asdict

import typer

from doorstep.cli.common import console, handle_errors, id_argument
from doorstep.cli.context import actor, session
from doorstep.cli.listing import FormatOpt, Layout, Output, show_list

app = typer.Typer(
    help="Find stored data that today's rules would refuse, so it can be corrected."
    "\n\n"
    "Example: doorstep check sizes --area GZ-14",
    no_args_is_help=True,
)

_COLUMNS = ("household", "area", "year", "members", "members_in_work")
_LAYOUT = Layout(
    whole=frozenset(_COLUMNS),
    give_way=("area",),
    right=frozenset({"year", "members", "members_in_work"}),
)


@app.command("sizes")
@handle_errors
def sizes_cmd(
    area: str | None = typer.Option(
        None,
        "--area",
        help="The households of this area and the areas within it (default: all).",
        callback=id_argument,
    ),
    fmt: Output = FormatOpt,
) -> None:
    """List the households with a year whose members in paid work are more than their
    members: figures stored before `import indicators` and `import households` refused
    them. A households file naming one is refused until that year is corrected (import
    indicators), or the household given more members. Read in the trail, under each
    household shown.

    Example: doorstep check sizes --area GZ-14 --format csv > sizes.csv
    """
    from doorstep.services.size_check import over_work

    with session() as s:
        rows = over_work(s, actor=actor(), area=area)
    where = f" in {area}" if area else ""
    if not rows and fmt is Output.table:
        console.print(f"No household{where} has more members in work than members.", markup=False)
        return
    title = f"Years with more members in work than members{where} ({len(rows)})"
    show_list(title, _COLUMNS, [asdict(r) for r in rows], fmt, _LAYOUT, console)
