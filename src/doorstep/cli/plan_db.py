"""Database-mode planning: ``doorstep plan --area CODE`` writes planned visits."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import Progress, TaskID
from rich.table import Table

from doorstep.cli.common import console, count, err_console, progress, say_if_compiling
from doorstep.cli.context import actor, attempted, session

if TYPE_CHECKING:
    from doorstep.services import planning, planning_unmet


class _Stages:
    """The engine's day-by-day progress as three stages: reading the area, planning its
    days, writing the visits (which starts when the last day is planned)."""

    def __init__(self, bar: Progress, area: str) -> None:
        self.bar = bar
        self.task: TaskID = bar.add_task(f"Reading {area}", total=None)
        self.stage = "reading"

    def _next(self, name: str, total: int | None) -> None:
        self.finish()
        self.task = self.bar.add_task(name, total=total)

    def __call__(self, done: int, total: int) -> None:
        if self.stage == "reading":
            self.stage = "planning"
            self._next("Planning days", total)
        elif self.stage == "writing" and done < total:  # read again under the lock
            self.stage = "planning"
            self._next("Planning days again", total)
        self.bar.update(self.task, completed=done)
        if done >= total and self.stage == "planning":
            self.stage = "writing"
            self._next("Writing the visits", None)

    def finish(self) -> None:
        """Fill the stage under way (a stage of unknown length counts as one step)."""
        total = next(t.total for t in self.bar.tasks if t.id == self.task) or 1
        self.bar.update(self.task, total=total, completed=total)


def plan_area(
    area: str,
    settings: planning.PlanSettings,
    *,
    today: dt.date,
    quiet: bool,
    compliance: Path | None = None,
) -> None:
    """Plan the stored pairings of an area on ``today`` and print the summary (JSON on the
    last line); with ``compliance`` (a path checked already), also write the pairings
    whose cadence is not met there, once the plan and the list's reads are committed."""
    from doorstep.engine.planning.compiled import kernels_ready
    from doorstep.privacy.audit import Attempt
    from doorstep.services import planning, planning_unmet
    from doorstep.services.planning_settings import summary_figures

    t0 = time.perf_counter()  # `seconds` is the whole command, as in file mode
    start = settings.start.isoformat()
    detail = {"area": area, "start": start}
    tried = Attempt(actor(), "create", "visit_plan", detail=detail)
    say_if_compiling(kernels_ready(), "planner", quiet=quiet)
    pending: planning_unmet.PendingUnmet | None = None
    with progress(quiet=quiet) as bar:
        stages = _Stages(bar, area)
        with session(tried) as s:
            summary = planning.plan_area(
                s, area, settings, actor=tried.actor, today=today, progress=stages
            )
            if compliance is not None:  # read in the plan's transaction: committed with it
                pending = planning_unmet.read_unmet(
                    s, summary.unmet, compliance, actor=tried.actor, area=area, start=start
                )
        stages.finish()
    if not quiet:
        table = Table(title=f"Visit plan for {area} from {settings.start}", show_header=False)
        table.add_column("what")
        table.add_column("value", justify="right")
        table.add_row("Pairings", f"{summary.pairings:,}")
        table.add_row("Planned visits", f"{summary.visits:,}")
        table.add_row("  kept from the last plan", f"{summary.kept:,}")
        table.add_row("  newly planned", f"{summary.visits - summary.kept:,}")
        # Deleted: moved (so among the new ones) or no longer wanted (a household withdrew,
        # a pairing ended), which are planned nowhere: not "planned again".
        table.add_row("Removed from the last plan", f"{summary.replaced:,}")
        share = summary.compliant_pairings / summary.pairings if summary.pairings else 1.0
        table.add_row("Cadence met", f"{summary.compliant_pairings:,} ({share:.1%})")
        for reason, n in sorted(summary.reasons.items(), key=lambda kv: -kv[1]):
            table.add_row(f"  not met: {reason.replace('_', ' ')}", f"{n:,}")
        if summary.not_planned:
            # Open pairings (``stats`` counts them) that get no visit: said, not left to a
            # difference between two counts.
            table.add_row("Pairings not planned", f"{sum(summary.not_planned.values()):,}")
            for why, n in summary.not_planned.items():
                table.add_row(f"  {why}", f"{n:,}")
        console.print(table)
        gone = summary.not_planned.get("visitor gone", 0)
        if gone:
            err_console.print(
                f"{count(gone, 'pairings')} not planned: the visitor is gone by "
                f"{settings.start}. Once a visitor has left, `doorstep pair --area {area} "
                f"--new-only`, then `pair commit` and `plan --area {area}`, hands their "
                "households over.",
                markup=False,
                soft_wrap=True,
            )
        if summary.read_again:
            err_console.print(
                "Another command wrote to the database while the area was planned: it was "
                "read and planned again, holding the pairing lock, so that nothing written "
                "meanwhile was planned over.",
                markup=False,
                soft_wrap=True,
            )
        err_console.print("See the work lists with `doorstep visits due|overdue|upcoming`.")
    if pending is not None:
        _write_unmet(pending, tried.actor, area, start)
    print(json.dumps(summary_figures(summary, settings, time.perf_counter() - t0)))


def _write_unmet(pending: planning_unmet.PendingUnmet, who: str, area: str, start: str) -> None:
    """Write the list of unmet pairings, after the commit (the plan is stored whatever
    happens to the file; a write that fails is recorded as the list's failed read)."""
    from doorstep.privacy.audit import Attempt
    from doorstep.services import planning_unmet

    detail = {"list": planning_unmet.LIST, "file": pending.path.name, "area": area}
    with attempted(Attempt(who, "read", "visits", detail={**detail, "start": start})):
        n = pending.write()
    if n:
        said = f"Wrote {count(n, 'pairings')} whose cadence is not met to {pending.path}."
    else:
        said = f"Every pairing meets its cadence: wrote only the header to {pending.path}."
    console.print(said, soft_wrap=True)
