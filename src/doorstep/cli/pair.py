"""``doorstep pair``: pair households with visitors.

File mode (no database) is the group's own callback; ``show``, ``diff``, ``commit``, ``discard``
and ``explain`` for stored proposals will be added to the same group.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress as RichProgress
from rich.progress import TaskID

from doorstep.cli.common import console, fail, handle_errors, progress
from doorstep.cli.pair_db import propose_area
from doorstep.engine.pairing.explain import Explanation
from doorstep.engine.pairing.parallel import dask, process_pool
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.solve import Mapper
from doorstep.services.pairing_files import explain_household, pair_files

app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
)


class _Bar:
    """Adapts a Rich progress bar to the engine's progress protocol."""

    def __init__(self, bar: RichProgress) -> None:
        self.bar = bar
        self.task: TaskID | None = None

    def stage(self, name: str, total: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[-1].total)
        self.task = self.bar.add_task(name, total=max(total, 1))

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.bar.advance(self.task, amount)


def _print_explanation(e: Explanation) -> None:
    if e.visitor_id is not None:
        console.print(f"{e.household_id}: visitor {e.visitor_id} at {e.distance_m} m")
    else:
        reason = e.unpaired.value if e.unpaired else "unknown"
        console.print(f"{e.household_id}: unpaired ({reason})")
    for a in e.alternatives:
        console.print(
            f"  {a.visitor_id}: {a.distance_m} m, caseload {a.load}/{a.capacity}"
            f" - not chosen: {a.why.value}",
            highlight=False,
        )


@app.callback()
@handle_errors
def pair(
    ctx: typer.Context,
    area: str | None = typer.Option(
        None,
        help="Database mode: pair the households of this area (code) and store a proposal.",
    ),
    households: Path | None = typer.Option(
        None, help="CSV: household_id,lat,lon,languages[,current_visitor_id][,remote_pool]."
    ),
    visitors: Path | None = typer.Option(
        None,
        help="CSV: visitor_id,lat,lon,languages,capacity[,remote_pool] (languages split by "
        "';'; a visitor in a remote pool travels any distance, to the households that name it).",
    ),
    out: Path | None = typer.Option(
        None, help="Write household_id,visitor_id,distance_m,reason to this CSV."
    ),
    max_km: float = typer.Option(30.0, help="Greatest home-to-home distance for a pair."),
    keep_km: float = typer.Option(
        5.0, help="Continuity: a current pair counts as this much shorter."
    ),
    balance_m: float = typer.Option(
        0.0, help="Balance: the j-th household of a visitor costs balance_m*(2j-1) metres more."
    ),
    max_rounds: int = typer.Option(
        60,
        min=1,
        max=1000,
        help="Stop widening after this many rounds: still the most households paired, but "
        "'certified: false' if the least distance is not proved yet.",
    ),
    max_arcs: int = typer.Option(
        PairingParams().max_arcs,
        min=1,
        help="Stop widening before the candidate arcs pass this many (at a round's peak about "
        "110 bytes each, plus 330 per arc of the largest part in its solver process): bounds "
        "memory, with 'certified: false' as above.",
    ),
    time_limit: float | None = typer.Option(
        None,
        min=0.001,
        help="Stop widening after this many seconds (the count always finishes first): "
        "'certified: false' as above.",
    ),
    bound: bool = typer.Option(
        True,
        "--bound/--no-bound",
        help="When a limit stops the widening, also prove how far above the least cost the "
        "pairing may be (cost_lower_bound, cost_gap); a scan of every household per try.",
    ),
    workers: int = typer.Option(
        os.cpu_count() or 1, min=1, help="Processes that solve independent parts."
    ),
    scheduler: str | None = typer.Option(
        None, help="Solve the parts on this Dask scheduler (e.g. tcp://10.0.0.5:8786)."
    ),
    explain: str | None = typer.Option(
        None, help="Also print why this household got its visitor, and the alternatives."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Pair households with visitors from two CSV files (file mode, no database).

    Pairs as many households as possible, then with the least total distance, over every
    eligible pair (shared language, within --max-km); the result is certified optimal. The
    last line on stdout is a JSON summary.

    With --area CODE (database mode) the area's households are paired and the answer is
    stored as a proposal to review with `pair show|diff|explain` and then `pair commit` or
    `pair discard`.

    Example: doorstep pair --households h.csv --visitors v.csv --out pairs.csv --max-km 30
    """
    if ctx.invoked_subcommand is not None:
        return
    try:
        params = PairingParams(
            max_km=max_km,
            keep_km=keep_km,
            balance_m=balance_m,
            max_rounds=max_rounds,
            max_arcs=max_arcs,
            time_limit_s=time_limit,
            bound=bound,
        )
    except ValueError as exc:
        raise fail(str(exc), code=2) from None
    if area is not None:
        propose_area(area, params, quiet=quiet, mapper=process_pool(workers))
        return
    if households is None or visitors is None:
        raise fail("give --area, or --households and --visitors (see doorstep pair --help)", code=2)
    client: Any = None
    mapper: Mapper = process_pool(workers)
    if scheduler is not None:
        from distributed import Client  # only when asked: it is slow to import

        client = Client(scheduler)  # type: ignore[no-untyped-call]
        mapper = dask(client)
    try:
        with progress(quiet=quiet) as bar:
            run = pair_files(
                households, visitors, out, params=params, mapper=mapper, progress=_Bar(bar)
            )
    finally:
        if client is not None:
            client.close()
    if explain is not None:
        _print_explanation(explain_household(run, explain, params))
    typer.echo(json.dumps(run.summary()))
