"""Whether the kernels every pairing runs are compiled on this machine already: the first
run compiles them (half a minute or more), and the command line says so before it starts."""

from __future__ import annotations

from doorstep.engine.kernel_cache import cached
from doorstep.engine.pairing import candidates, certify, graph, solve


def kernels_ready() -> bool:
    """Whether numba's cache holds the kernels a pairing cannot run without (a sample: the
    rest are compiled on the same first run)."""
    return cached(
        candidates._unique_arcs,
        certify._spfa_parts,
        graph.reach_in_grid,
        solve._union_labels,
    )
