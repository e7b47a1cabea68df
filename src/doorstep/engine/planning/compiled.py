"""Whether the planner's kernels are compiled on this machine already: the first run
compiles them (half a minute or more), and the command line says so before it starts."""

from __future__ import annotations

from doorstep.engine.kernel_cache import cached
from doorstep.engine.planning import _kernel


def kernels_ready() -> bool:
    """Whether numba's cache holds the planner's day sweep (its explanation of a missed
    cadence is compiled only on a run that needs one)."""
    return cached(_kernel.sweep)
