"""Benchmark: certified optimal pairing at the seed scale (1.69M households), in file mode.

Builds the demo region with ``doorstep.demo.generate``, writes the file-mode CSVs, runs the
file mode end to end (read, solve, certify, write) and prints stage times, peak RSS and the
summary. On the same instance it then measures two comparisons:

(a) a greedy nearest-available baseline (paired count and total distance);
(b) one direct OR-Tools ``SimpleMinCostFlow`` call over the 16 nearest eligible visitors of
    every household (not exact; skip it with ``--skip-direct``).

``--exact-check`` instead builds a small instance (10k-20k households) on which every eligible
arc can still be given to one solver call, and shows that the certified result equals it.

    .venv/bin/python bench/pairing.py                                  # 1.69M households
    .venv/bin/python bench/pairing.py --max-rounds 1   # seed scale in ~8 min: count proved only
    .venv/bin/python bench/pairing.py --max-rounds 3 --stages --skip-direct  # time per round
    .venv/bin/python bench/pairing.py --time-limit 0 --max-arcs 40000000 --skip-direct --stages
        # keep widening at the seed scale: rounds of 3-4 min, ~16 GiB of RSS summed over 3 processes
    .venv/bin/python bench/pairing.py --households 200000 --visitors 132000
    .venv/bin/python bench/pairing.py --exact-check --households 15000 --visitors 10000
    .venv/bin/python bench/pairing.py --max-rounds 1 --newcomers random
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from scipy.spatial import cKDTree

from doorstep.demo import generate
from doorstep.engine.pairing.candidates import Arcs, CandidateIndex
from doorstep.engine.pairing.flow import Chunk, solve_chunk
from doorstep.engine.pairing.greedy import greedy
from doorstep.engine.pairing.incremental import pair_new
from doorstep.engine.pairing.insert import insert
from doorstep.engine.pairing.parallel import process_pool
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import PairingProblem
from doorstep.services.pairing.files import pair_files


def peak_rss_gib() -> tuple[float, float]:
    """Peak RSS of this process and of its largest finished child, GiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return round(own, 2), round(kids, 2)


class TreeMemory:
    """The memory this process and its workers use together, sampled in a thread.

    ``ru_maxrss`` of a worker counts every page it shares with this process after ``fork``
    (at the seed scale most of its 3 GiB), so adding the two peaks overstates what the
    machine needs. The sum of the processes' PSS (shared pages split between the processes
    that map them) is what they use together; its peak is kept, sampled every ``every`` s.
    """

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> int:
        """Bytes used now by this process and its descendants (sum of PSS)."""
        me = psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += proc.memory_full_info().pss  # unless the worker just ended
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop.wait(self.every)

    @property
    def peak_gib(self) -> float:
        return round(self.peak / 2**30, 2)


class StageLog:
    """Prints each stage as it starts, with the time since the start and the peak RSS so far:
    how long each least-cost round takes and how memory grows with the arcs."""

    def __init__(self, memory: TreeMemory) -> None:
        self.start = time.perf_counter()
        self.memory = memory

    def stage(self, name: str, total: int) -> None:
        own, _ = peak_rss_gib()
        print(
            f"  {time.perf_counter() - self.start:7.1f} s  {name} "
            f"(peak RSS {own} GiB; with workers, PSS {self.memory.peak_gib} GiB)",
            flush=True,
        )

    def advance(self, amount: int = 1) -> None:
        pass


def one_call(problem: PairingProblem, arcs: Arcs) -> tuple[int, int, float]:
    """One SimpleMinCostFlow call (max flow, then least cost) over ``arcs``."""
    t = time.perf_counter()
    hs, h_local = np.unique(arcs.household, return_inverse=True)
    vs, v_local = np.unique(arcs.visitor, return_inverse=True)
    flow = solve_chunk(
        Chunk(len(hs), h_local, v_local, arcs.distance, problem.visitor_capacity[vs], 0)
    )
    return int(flow.sum()), int(arcs.distance[flow].sum()), time.perf_counter() - t


def all_arcs(index: CandidateIndex) -> Arcs:
    """Every eligible arc, language by language (only for small instances)."""
    parts = []
    for group in index.groups:
        tree = cKDTree(index.household_xyz[group.households])
        found = tree.sparse_distance_matrix(group.tree, index.max_chord, output_type="ndarray")
        h = group.households[found["i"]]
        v = group.visitors[found["j"]]
        ok = index.problem.eligible(h, v)
        parts.append(Arcs(h[ok], v[ok], index.distances(h[ok], v[ok])))
    arcs = Arcs.concat_all(parts).unique()
    return arcs.take(arcs.distance <= index.max_m)


def print_ratios(summary: dict[str, Any], seconds: float, baseline: tuple[Any, ...]) -> None:
    """This run against a baseline of the same run: paired, metres per pair and time, as
    ratios; and what the proved lower bound says about any maximum pairing's metres per pair
    (so whether matching the baseline's metres per pair is possible at all)."""
    name, paired, total_m, base_s = baseline
    ours_per = summary["total_distance_m"] / max(summary["paired"], 1)
    base_per = total_m / max(paired, 1)
    print(
        f"ratio to {name}: paired x{summary['paired'] / max(paired, 1):.4f}, "
        f"metres per pair x{ours_per / max(base_per, 1e-9):.2f}, "
        f"time x{seconds / max(base_s, 1e-9):.2f}"
    )
    bound = summary.get("cost_lower_bound")
    if bound is not None and summary["paired"] > paired:
        least = bound / max(summary["paired"], 1)
        verdict = "more" if least > base_per else "not necessarily more"
        print(
            f"  proved: any maximum pairing costs at least {least:.1f} m per pair, "
            f"{verdict} than {name}'s {base_per:.1f} m, which pairs "
            f"{summary['paired'] - paired} fewer"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--households", type=int, default=None, help="default: the region preset")
    ap.add_argument("--visitors", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=None, help="reuse/keep the CSVs here")
    ap.add_argument("--skip-direct", action="store_true", help="skip comparison (b)")
    ap.add_argument(
        "--max-rounds",
        type=int,
        default=PairingParams().max_rounds,
        help="stop widening after this many rounds (the count stays proved; the cost may not)",
    )
    ap.add_argument(
        "--max-arcs",
        type=int,
        default=PairingParams().max_arcs,
        help="the most candidate arcs held at once (unused ones are dropped to stay under it)",
    )
    ap.add_argument(
        "--arcs-growth",
        type=float,
        default=PairingParams().arcs_growth,
        help="also hold the arcs to this multiple of the first round's (0: --max-arcs alone)",
    )
    ap.add_argument(
        "--keep-arcs",
        action="store_true",
        help="never drop arcs: stop widening before they pass --max-arcs instead",
    )
    ap.add_argument(
        "--time-limit",
        type=float,
        default=PairingParams().time_limit_s,
        help="stop widening after this many seconds (0: no limit)",
    )
    ap.add_argument("--exact-check", action="store_true", help="compare with every eligible arc")
    ap.add_argument("--stages", action="store_true", help="print each stage and round as it starts")
    ap.add_argument(
        "--insertion",
        choices=("yes", "no"),
        default="yes",
        help="also insert the 100 new households with least disruption (at region scale the\n"
        "default newcomers, one village in a crowded city, take about a minute)",
    )
    ap.add_argument(
        "--newcomers",
        choices=("last", "random"),
        default="last",
        help="the 100 new households: the generator's last (one place) or drawn at random from\n"
        "the paired ones (each leaves room where it was paired)",
    )
    ap.add_argument(
        "--insertion-cap",
        type=int,
        default=10**9,
        help="cut each insertion search after this many visitors (then not exact)",
    )
    args = ap.parse_args()
    if args.exact_check and args.households is None:
        args.households, args.visitors = 15_000, 10_000

    work = args.dir or Path(tempfile.mkdtemp(prefix="doorstep-pairing-"))
    work.mkdir(parents=True, exist_ok=True)
    h_csv, v_csv = work / "pair_households.csv", work / "pair_visitors.csv"
    t = time.perf_counter()
    if not (h_csv.exists() and v_csv.exists()):
        prog = generate(
            preset="region", households=args.households, visitors=args.visitors, seed=args.seed
        )
        prog.write_pairing_files(work)
        del prog
    generate_s = time.perf_counter() - t

    params = PairingParams(
        max_rounds=args.max_rounds,
        max_arcs=args.max_arcs,
        time_limit_s=args.time_limit or None,
        drop_arcs=not args.keep_arcs,
        arcs_growth=args.arcs_growth or None,
    )
    t = time.perf_counter()
    with TreeMemory() as memory:
        run = pair_files(
            h_csv,
            v_csv,
            work / "pairs.csv",
            params=params,
            mapper=process_pool(args.workers),
            progress=StageLog(memory) if args.stages else None,
        )
    end_to_end = time.perf_counter() - t
    summary = run.summary()
    stats = run.result.stats
    print(
        f"instance: {run.problem.n_households} households, {run.problem.n_visitors} visitors, "
        f"{int(run.problem.visitor_capacity.sum())} places, languages {run.problem.languages}"
    )
    print(f"generate + write CSVs: {generate_s:.1f} s (not part of the pairing)")
    print(f"file mode end to end: {end_to_end:.1f} s; stages: {summary['stage_seconds']}")
    print(f"count: {stats.count_relabels} global relabels of the push-relabel search")
    more = "" if stats.last_round_counted else " (the last: at least, its scan stopped early)"
    print(f"rounds: {stats.rounds}, violations per round: {stats.violations_per_round}{more}")
    print(
        f"arcs: {stats.initial_arcs} first round, {stats.arcs} at the end "
        f"({stats.dropped_arcs} dropped on the way to stay under the cap); "
        f"{stats.components} parts, largest {stats.largest_component_arcs} arcs"
    )
    own, kids = peak_rss_gib()
    print(
        f"peak RSS: {own} GiB (this process), {kids} GiB (largest worker, counting pages it "
        f"shares with this process); together (peak sum of PSS): {memory.peak_gib} GiB"
    )

    problem = run.problem
    # Incremental: 100 households arrive into the region paired as above.
    current = run.result.visitor.copy()
    if args.newcomers == "last":
        new = np.arange(problem.n_households - 100, problem.n_households)
    else:
        rng = np.random.default_rng(7)  # the draw measured in bench/README.md
        new = np.sort(rng.choice(np.flatnonzero(current != -1), 100, replace=False))
    current[new] = -1
    region = dataclasses.replace(problem, household_current=current)
    t = time.perf_counter()
    local = pair_new(region, new, params=PairingParams())  # always to a certificate
    inc_s = time.perf_counter() - t
    after = local.visitor_of(region.n_households, current.astype(np.int64))
    moved = int(((current != -1) & (after != current)).sum())
    print(
        f"incremental: 100 new households in {inc_s:.2f} s "
        f"({len(local.households)} households in the neighbourhood), "
        f"{int((after[new] != -1).sum())} paired, {moved} existing pairs moved, "
        f"certified {local.result.certified}"
    )
    if args.insertion == "yes":
        ins = insert(region, new, params=PairingParams(), max_settled=args.insertion_cap)
        print(
            f"insertion (least disruption): 100 new households in {ins.seconds:.2f} s, "
            f"{ins.paired} paired, {len(ins.moved)} existing pairs moved, cost {ins.cost} m, "
            f"{ins.settled} visitors settled in {ins.searches} searches, exact {ins.exact} "
            f"({ins.cut} searches cut short)"
        )

    index = CandidateIndex(problem, params.max_m)
    t = time.perf_counter()
    g = greedy(index, max_k=128)
    g_s = time.perf_counter() - t
    print(
        f"(a) greedy nearest-available: paired {len(g)}, total {int(g.distance.sum())} m, "
        f"{g.distance.sum() / max(len(g), 1):.1f} m per pair, {g_s:.1f} s"
    )

    comparison: dict[str, object] = {}
    if args.exact_check:
        t = time.perf_counter()
        arcs = all_arcs(index)
        paired, dist, solve_s = one_call(problem, arcs)
        print(
            f"(exact) every eligible arc ({len(arcs)} arcs) in one call: paired {paired}, "
            f"total {dist} m, {time.perf_counter() - t:.1f} s"
        )
        equal = (paired, dist) == (summary["paired"], summary["total_distance_m"])
        print(f"certified result equals the all-arcs optimum: {equal}")
        comparison = {
            "all_arcs": len(arcs),
            "exact_paired": paired,
            "exact_total_m": dist,
            "equal": equal,
        }
    elif not args.skip_direct:
        t = time.perf_counter()
        arcs, _ = index.initial_arcs(16)
        build_s = time.perf_counter() - t
        paired, dist, solve_s = one_call(problem, arcs)
        print(
            f"(b) one SimpleMinCostFlow over the 16 nearest ({len(arcs)} arcs): paired {paired}, "
            f"total {dist} m, {dist / max(paired, 1):.1f} m per pair, "
            f"{build_s:.1f} s arcs + {solve_s:.1f} s solve"
        )
        comparison = {
            "direct16_paired": paired,
            "direct16_total_m": dist,
            "direct16_seconds": round(build_s + solve_s, 1),
        }
    print_ratios(summary, end_to_end, ("(a)", len(g), int(g.distance.sum()), g_s))
    if "direct16_paired" in comparison:
        b = ("(b)", comparison["direct16_paired"], comparison["direct16_total_m"])
        print_ratios(summary, end_to_end, (*b, comparison["direct16_seconds"]))
    own, kids = peak_rss_gib()
    print(
        json.dumps(
            {
                **summary,
                "end_to_end_s": round(end_to_end, 1),
                "peak_rss_gib": own,
                "worker_peak_rss_gib": kids,
                "pairing_peak_pss_gib": memory.peak_gib,
                "greedy_paired": len(g),
                "greedy_total_m": int(g.distance.sum()),
                **comparison,
            }
        )
    )


if __name__ == "__main__":
    main()
