"""File mode of pairing: read households and visitors from CSV, write the pairs back.

No database: for users who only want the answer, and for benchmarks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from doorstep.engine.pairing.explain import Explanation, explain
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import (
    NONE,
    PairingProblem,
    encode_languages,
    encode_pools,
)
from doorstep.engine.pairing.result import REASONS, PairingResult
from doorstep.engine.pairing.solve import Mapper, Progress, solve
from doorstep.errors import InvalidInput, NotFound

HOUSEHOLD_COLUMNS = ("household_id", "lat", "lon", "languages")
VISITOR_COLUMNS = ("visitor_id", "lat", "lon", "languages", "capacity")


def _read(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> pl.DataFrame:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    text = dict.fromkeys((required[0], "languages", *optional), pl.Utf8)
    try:
        df = pl.read_csv(path, schema_overrides=text, infer_schema_length=10_000)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InvalidInput(f"{path}: cannot read it as CSV ({exc})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InvalidInput(f"{path}: missing column(s) {', '.join(missing)}")
    nulls = [c for c in required if c != "languages" and df[c].null_count()]
    if nulls:
        raise InvalidInput(f"{path}: empty values in column(s) {', '.join(nulls)}")
    return df.with_columns(pl.col("languages").fill_null(""))


def _masks(column: pl.Series, codes: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    # Encode each distinct text once: millions of rows share a handful of language lists.
    uniq = column.unique(maintain_order=True)
    codes, masks = encode_languages(uniq.to_list(), codes)
    table = pl.DataFrame({"languages": uniq, "mask": pl.Series(masks, dtype=pl.UInt64)})
    joined = pl.DataFrame({"languages": column}).join(
        table, on="languages", how="left", maintain_order="left"
    )
    return codes, joined["mask"].to_numpy()


def read_problem(households: Path, visitors: Path) -> PairingProblem:
    """Build a problem from the two file-mode CSVs.

    Raises
    ------
    InvalidInput
        A file is missing, lacks a column, or holds a value the problem refuses.
    """
    h = _read(households, HOUSEHOLD_COLUMNS, ("current_visitor_id", "remote_pool"))
    v = _read(visitors, VISITOR_COLUMNS, ("remote_pool",))
    codes, hmask = _masks(h["languages"], ())
    codes, vmask = _masks(v["languages"], codes)
    current = np.full(len(h), NONE, np.int32)
    if "current_visitor_id" in h.columns:
        index = pl.DataFrame(
            {"current_visitor_id": v["visitor_id"], "i": np.arange(len(v), dtype=np.int32)}
        )
        cur = h.select("current_visitor_id").join(
            index, on="current_visitor_id", how="left", maintain_order="left"
        )
        unknown = cur.filter(pl.col("current_visitor_id").is_not_null() & pl.col("i").is_null())
        if len(unknown):
            first = unknown["current_visitor_id"][0]
            raise InvalidInput(f"{households}: current_visitor_id {first!r} is not a visitor")
        current = cur["i"].fill_null(NONE).to_numpy().astype(np.int32)
    pools, household_pool, visitor_pool = encode_pools(
        h["remote_pool"].to_list() if "remote_pool" in h.columns else [None] * len(h),
        v["remote_pool"].to_list() if "remote_pool" in v.columns else [None] * len(v),
    )
    try:
        return PairingProblem(
            household_ids=h["household_id"].to_numpy().astype(object),
            household_lat=h["lat"].cast(pl.Float64).to_numpy(),
            household_lon=h["lon"].cast(pl.Float64).to_numpy(),
            household_languages=hmask,
            household_current=current,
            visitor_ids=v["visitor_id"].to_numpy().astype(object),
            visitor_lat=v["lat"].cast(pl.Float64).to_numpy(),
            visitor_lon=v["lon"].cast(pl.Float64).to_numpy(),
            visitor_languages=vmask,
            visitor_capacity=v["capacity"].cast(pl.Int32).to_numpy(),
            languages=codes,
            pools=pools,
            household_pool=household_pool,
            visitor_pool=visitor_pool,
        )
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise InvalidInput(f"{households.name}/{visitors.name}: {exc}") from None


def pairs_frame(problem: PairingProblem, result: PairingResult) -> pl.DataFrame:
    """``household_id, visitor_id, distance_m, reason``; the last two empty when paired."""
    paired = result.visitor != NONE
    vids = problem.visitor_ids[np.maximum(result.visitor, 0)]
    reason_text = np.array(["", *(r.value for r in REASONS)], dtype=object)
    frame = pl.DataFrame(
        {
            "household_id": pl.Series(problem.household_ids, dtype=pl.Utf8),
            "visitor_id": pl.Series(vids, dtype=pl.Utf8),
            "distance_m": pl.Series(result.distance_m, dtype=pl.Int64),
            "reason": pl.Series(reason_text[result.reason_codes], dtype=pl.Utf8),
            "paired": pl.Series(paired, dtype=pl.Boolean),
        }
    )
    return frame.with_columns(
        pl.when(pl.col("paired")).then(pl.col("visitor_id")).alias("visitor_id"),
        pl.when(pl.col("paired")).then(pl.col("distance_m")).alias("distance_m"),
        pl.when(~pl.col("paired")).then(pl.col("reason")).alias("reason"),
    ).drop("paired")


@dataclass(frozen=True)
class FileRun:
    """A file-mode run: the problem, its result and the stage times."""

    problem: PairingProblem
    result: PairingResult
    seconds: dict[str, float]

    def summary(self) -> dict[str, Any]:
        """The JSON summary printed last on stdout."""
        s = self.result.summary()
        s["seconds"] = round(sum(self.seconds.values()), 2)
        s["stage_seconds"] = {k: round(x, 2) for k, x in self.seconds.items()}
        return s


def pair_files(
    households: Path,
    visitors: Path,
    out: Path | None,
    *,
    params: PairingParams,
    mapper: Mapper | None = None,
    progress: Progress | None = None,
) -> FileRun:
    """Read, solve, and write ``out`` (when given)."""
    t0 = time.perf_counter()
    problem = read_problem(households, visitors)
    t1 = time.perf_counter()
    result = solve(problem, params=params, mapper=mapper, progress=progress)
    t2 = time.perf_counter()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        pairs_frame(problem, result).write_csv(out)
    t3 = time.perf_counter()
    seconds = {"read": t1 - t0, **result.stats.seconds, "write": t3 - t2}
    return FileRun(problem, result, seconds)


def explain_household(run: FileRun, household_id: str, params: PairingParams) -> Explanation:
    """Explain one household of a file-mode run, by id."""
    hits = np.flatnonzero(run.problem.household_ids == household_id)
    if len(hits) == 0:
        raise NotFound(f"no household {household_id!r}")
    return explain(run.problem, run.result, int(hits[0]), params=params)
