from __future__ import annotations

import pytest

from doorstep.engine.pairing.parallel import dask, process_pool
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.solve import solve
from tests.engine.pairing.instances import towns

# Far-apart towns make many independent parts; small chunks spread them over the workers.
PARAMS = PairingParams(chunk_arcs=2_000)


def instance():  # type: ignore[no-untyped-def]
    return towns(households=3000, visitors=1700, seed=11, n_towns=30, spread_km=400)


def test_a_process_pool_gives_the_unsplit_optimum() -> None:
    p = instance()
    serial = solve(p, params=PairingParams(chunk_arcs=10**9))
    pooled = solve(p, params=PARAMS, mapper=process_pool(2))
    assert serial.stats.components > 10
    assert (pooled.paired, pooled.total_cost) == (serial.paired, serial.total_cost)
    assert pooled.certified


@pytest.mark.slow
def test_a_dask_cluster_gives_the_unsplit_optimum() -> None:
    distributed = pytest.importorskip("distributed")
    p = instance()
    serial = solve(p, params=PairingParams(chunk_arcs=10**9))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = solve(p, params=PARAMS, mapper=dask(client))
    assert (remote.paired, remote.total_cost) == (serial.paired, serial.total_cost)
    assert remote.certified
