"""Time and peak memory of the demo generator, one fresh process per preset.

Usage: python bench/demo_generate.py [village county region] [--seed 1]
Prints one line per preset: rows, seconds to generate (the first call includes loading the
GeoNames places) and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import polars as pl

from doorstep.demo import generate


def _child(preset: str, seed: int) -> None:
    t0 = time.perf_counter()
    prog = generate(preset=preset, seed=seed)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    homes, visitors = prog.households, prog.visitors
    consenting = homes.filter(pl.col("consent") == "given").height
    print(
        json.dumps(
            {
                "preset": preset,
                "seconds": round(seconds, 2),
                "peak_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
                "areas": prog.areas.height,
                "teams": prog.teams.height,
                "households": homes.height,
                "visitors": visitors.height,
                "capacity_per_consenting": round(
                    visitors["capacity"].sum() / max(consenting, 1), 2
                ),
                "minority_only_share": round(
                    float(homes["languages"].str.contains("zh").not_().mean() or 0.0), 3
                ),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("presets", nargs="*", default=["village", "county", "region"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.presets[0], args.seed)
        return
    for preset in args.presets:
        out = subprocess.run(
            [sys.executable, __file__, preset, "--seed", str(args.seed), "--child"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{r['preset']:>8}: {r['households']:>9,} households {r['visitors']:>9,} visitors "
            f"{r['areas']:>4} areas {r['teams']:>4} teams | {r['seconds']:6.2f} s "
            f"peak {r['peak_gib']:.2f} GiB | capacity/consenting {r['capacity_per_consenting']} "
            f"minority-only {r['minority_only_share']:.1%}"
        )


if __name__ == "__main__":
    main()
