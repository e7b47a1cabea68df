"""Run independent chunks in a process pool or on a Dask cluster.

Each returns a :class:`~doorstep.engine.pairing.solve.Mapper`; results come back in order, so
the pairing does not depend on where the chunks ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from doorstep.engine.pairing.flow import Chunk
from doorstep.engine.pairing.problem import BoolArray
from doorstep.engine.pairing.solve import ChunkSolver, Mapper


def process_pool(workers: int) -> Mapper:
    """Solve chunks in ``workers`` local processes (serially when ``workers <= 1``)."""

    def run(fn: ChunkSolver, chunks: Sequence[Chunk], /) -> Iterable[BoolArray]:
        if workers <= 1 or len(chunks) <= 1:
            return map(fn, chunks)
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
            return list(pool.map(fn, chunks))

    return run


def dask(client: Any) -> Mapper:
    """Solve chunks on the Dask ``distributed.Client`` ``client``."""

    def run(fn: ChunkSolver, chunks: Sequence[Chunk], /) -> Iterable[BoolArray]:
        if not chunks:
            return []
        futures = client.map(fn, list(chunks), pure=False)
        return list(client.gather(futures))

    return run
