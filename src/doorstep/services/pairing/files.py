"""File mode of pairing: read households and visitors from CSV, write the pairs back.

No database: for users who only want the answer, and for benchmarks. Everything the user
can get wrong (the files, their values, ``--out``, the household to explain) is checked
before the solve, which can take minutes, and errors name the file, row, column and value
the way ``doorstep import`` does (the header is row 1).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from doorstep.domain.ids import ERASED_HOUSEHOLD, RESERVED_REASON
from doorstep.domain.languages import parse_languages, unknown_codes
from doorstep.engine.pairing.explain import Explanation, explain
from doorstep.engine.pairing.new_only import NewOnly, explain_params, pair_new_only
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import (
    NONE,
    PairingProblem,
    TooManyLanguages,
    encode_languages,
    encode_pools,
)
from doorstep.engine.pairing.result import REASONS, PairingResult
from doorstep.engine.pairing.solve import Mapper, Progress, solve
from doorstep.errors import DoorstepError, InvalidInput
from doorstep.services.exporting import neutralise_formulas
from doorstep.services.importing.csvfile import CsvProblem, read_csv_rows
from doorstep.services.importing.csvheader import lower_case_reason, twice_marked_reason
from doorstep.services.importing.errors import RowError
from doorstep.services.importing.formulas import typed_forms
from doorstep.services.importing.validate import NUL_REASON, holds_nul, trim_code
from doorstep.services.outfile import check_out, write_whole

HOUSEHOLD_COLUMNS = ("household_id", "lat", "lon", "languages")
VISITOR_COLUMNS = ("visitor_id", "lat", "lon", "languages", "capacity")
ROW = "__row"
#: Row errors shown per file; the count of the rest follows.
SHOWN_ERRORS = 10
_INT32_MAX = 2**31 - 1
#: What in a language code means two codes run together: another separator than ';',
#: including the full-width ones a Chinese input method types (``；，、／｜``).
_NOT_IN_A_CODE = re.compile(r"[,/|\s；，、／｜]")


class _Errors:
    """The row errors of one file, raised together so one run shows what to fix."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.shown: list[RowError] = []
        self.total = 0

    def add(self, bad: pl.DataFrame, column: str, reason: str | pl.Expr) -> None:
        """Record each row of ``bad`` (which holds ``ROW`` and ``column``) as an error."""
        self.total += bad.height
        why = pl.lit(reason) if isinstance(reason, str) else reason
        rows = bad.head(SHOWN_ERRORS).select(ROW, pl.col(column), why.alias("__why"))
        for row, value, text in rows.iter_rows():
            self.shown.append(RowError(int(row), column, value or "", text))

    def message(self) -> str | None:
        """The file's errors as the user reads them (``None``: there are none)."""
        if not self.total:
            return None
        shown = sorted(self.shown)[:SHOWN_ERRORS]
        if self.total == 1:
            return f"{self.path}: {shown[0]}"
        lines = "\n".join(f"  {e}" for e in shown)
        more = f"\n  ... and {self.total - len(shown)} more" if self.total > len(shown) else ""
        return f"{self.path}: {self.total} errors\n{lines}{more}"


def _raise_any(*files: _Errors) -> None:
    """Raise every file's errors at once: fixing one file should not reveal the other's."""
    messages = [m for f in files if (m := f.message()) is not None]
    if messages:
        raise InvalidInput("\n".join(messages))


def _read(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    *,
    ids: tuple[str, ...] = (),
) -> tuple[pl.DataFrame, _Errors]:
    """The file's rows as text, with ``ROW``: the row number a spreadsheet shows, and the
    errors found so far, for the caller to add the values' errors to and raise.

    Lines that are entirely empty (a trailing newline, a blank line, ``,,,``) are skipped,
    keeping the numbers of the rows around them; a row with only some values is an error,
    and so is one that ends before the last required column (polars would read the rest as
    empty: no languages); one that ends before optional columns only leaves them empty.
    The ``ids`` columns lose surrounding spaces, as numbers do, and invisible marks (a
    zero-width space, a byte-order mark) at their edges, as an import's ids do, so that
    ``H1`` and ``H1 `` are one id to the duplicate check, to references and in the output.
    A missing required value is an error and is read as null, so the other checks of its
    column pass over it: the rest of the file is still checked, and the blank is not also
    "not a number".
    """
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder, not a file")
    if path.exists() and not path.is_file():
        # `--households <(...)` gives /dev/fd/63, which exists: it is not missing, but a
        # pipe cannot be read more than once, as the file is (header, rows, their fields).
        raise InvalidInput(
            f"{path} is not a regular file (a pipe or a device); save it to a file and give that"
        )
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file")
    try:
        df, fields = read_csv_rows(path)
    except pl.exceptions.NoDataError:
        raise InvalidInput(f"{path}: the file is empty; it needs at least a header row") from None
    except CsvProblem as exc:
        e = exc.error
        raise InvalidInput(f"{path}: {e.reason if e.row == 0 else e}") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read it ({exc.strerror or exc})") from None
    df = df.rename({c: c.strip() for c in df.columns})
    # A known column in other case would be missing (or, if optional, silently unused):
    # named as `doorstep import` names it.
    known = {*required, *optional}
    slips = [
        str(RowError.said(1, c, "", reason))
        for c in df.columns
        if (reason := lower_case_reason(c, known) or twice_marked_reason(c)) is not None
    ]
    lower = {c.lower() for c in df.columns}
    missing = [c for c in required if c not in lower]
    if slips or missing:
        why = [*slips, *([f"missing column(s) {', '.join(missing)}"] if missing else [])]
        raise InvalidInput(f"{path}: {'; '.join(why)}")
    width = len(df.columns)
    used = sorted(df.columns.index(c) for c in (*required, *optional) if c in df.columns)
    last = max(df.columns.index(c) for c in required)
    empty = [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in df.columns]
    df = (
        df.with_row_index(ROW, offset=2)
        .with_columns(pl.Series("__fields", fields))
        .filter(~pl.all_horizontal(empty))
    )
    errors = _Errors(path)
    # Polars reads the fields a row lacks as empty values: a household that ends before its
    # languages would be read as speaking none. A row may end before optional columns only
    # (their empty value is the default), and is named by the first column it lacks.
    short = pl.col("__fields") <= last
    for before, at in zip([-1, *used], used, strict=False):
        errors.add(
            df.filter(short & (pl.col("__fields") > before) & (pl.col("__fields") <= at)),
            df.columns[at + 1],  # after ROW
            pl.format(
                f"the row ends early: {{}} field(s) where the header has {width} (an empty "
                "value still needs its comma)",
                pl.col("__fields"),
            ),
        )
    df = df.filter(~short)

    # An id as an import stores it (doorstep.domain.ids, importing.validate.trim_code): in
    # Unicode normal form C, so ``CAFÉ`` in one file and ``CAFÉ`` spelt with a combining
    # accent in the other are one household, and without the spaces and invisible marks
    # (a zero-width space, a byte-order mark) at its edges, which would make another
    # household of the same id, unseen.
    def value(c: str) -> pl.Expr:
        return trim_code(pl.col(c)) if c in ids else pl.col(c)

    df = df.select(
        ROW,
        *(value(c) for c in required),
        # An optional id given as spaces (or marks) means none, as an empty cell does.
        *(
            pl.when(value(c).str.strip_chars() != "").then(value(c)).alias(c)
            for c in optional
            if c in df.columns
        ),
    )
    given = [c for c in required if c != "languages"]  # no language: the household is unpairable
    for c in given:
        errors.add(
            df.filter(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")),
            c,
            "required value is missing",
        )
    # A NUL is refused as an import refuses it (no database can store one), and the cell
    # is then read as empty, so that it is not also "not a number" or an unknown id, nor
    # an id of pairs.csv or a language nobody speaks.
    nul = {c: holds_nul(pl.col(c)) for c in df.columns}
    del nul[ROW]
    for c, has in nul.items():
        errors.add(df.filter(has), c, NUL_REASON)
    df = df.with_columns(pl.when(~has).then(pl.col(c)).alias(c) for c, has in nul.items())
    df = df.with_columns(
        *(pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)).alias(c) for c in given),
        pl.col("languages").fill_null(""),
    )
    return df, errors


def _number(
    df: pl.DataFrame,
    column: str,
    errors: _Errors,
    *,
    low: float,
    high: float,
    below: str | pl.Expr,
    above: str | pl.Expr,
    reads: tuple[str, ...] = (),
    whole: bool = False,
) -> pl.Series:
    """A column as numbers (surrounding spaces ignored); bad values go to ``errors``, with
    ``below`` or ``above`` as the reason for one out of range (an expression, which may
    read the row's columns ``reads``).

    Read as an import reads the same columns (``importing.validate``): what a float parser
    takes, so ``+3``, ``3.0`` and ``1e3`` are numbers, and ``1e-05`` (as pandas writes a
    small float) is one, and with the import's reasons, so a file that imports is a file
    that pairs, and one refused is refused in the same words. The comma's hint is this
    module's own.
    """
    text = df[column].str.strip_chars()
    num = text.cast(pl.Float64, strict=False)
    frame = df.select(ROW, column, *reads).with_columns(num.alias("__num"), text.alias("__text"))
    bad = frame.filter(pl.col("__num").is_null() & pl.col("__text").is_not_null())
    comma = pl.col("__text").str.contains(r"^[-+]?\d+,\d+$")
    # In a whole number the comma is a thousands separator: "use a point" made 1,000 one.
    if whole:
        hint = "write a whole number without a thousands separator"
    else:
        hint = "use a point for decimals, not a comma"
    errors.add(bad.filter(comma), column, f"not a number; {hint}")
    errors.add(bad.filter(~comma), column, "not a number")
    errors.add(frame.filter(~pl.col("__num").is_finite()), column, "not a finite number")
    finite = frame.filter(pl.col("__num").is_finite())
    errors.add(finite.filter(pl.col("__num") < low), column, below)
    errors.add(finite.filter(pl.col("__num") > high), column, above)
    if whole:
        errors.add(
            finite.filter(pl.col("__num") != pl.col("__num").floor()),
            column,
            "must be a whole number",
        )
    return num


def _reserved(df: pl.DataFrame, errors: _Errors) -> None:
    """Refuse a household id that reads as the audit trail's word for an erased household
    (:data:`~doorstep.domain.ids.ERASED_HOUSEHOLD`), as an import does: the pairs written
    here may become a database's, and no household there may have it."""
    bad = df.filter(pl.col("household_id").str.to_lowercase() == ERASED_HOUSEHOLD)
    if bad.height:
        errors.add(bad, "household_id", RESERVED_REASON)


def _duplicates(df: pl.DataFrame, column: str, errors: _Errors) -> None:
    df = df.filter(pl.col(column).is_not_null())  # a missing id is an error of its own
    if not df[column].is_duplicated().any():
        return
    first = pl.col(ROW).min().over(column)
    errors.add(
        df.with_columns(first.alias("__first")).filter(pl.col(ROW) != pl.col("__first")),
        column,
        pl.format(f"duplicate {column} in the file; first in row {{}}", pl.col("__first")),
    )


#: Why a coordinate is out of range, in the import's words.
_LAT_RANGE = "latitude must be between -90 and 90"
_LON_RANGE = "longitude must be between -180 and 180"


def _coordinates(df: pl.DataFrame, errors: _Errors) -> tuple[pl.Series, pl.Series]:
    # A latitude out of range beside a longitude that would be a latitude: the two columns
    # look swapped, and the import says so.
    looks = pl.col("lon").str.strip_chars().cast(pl.Float64, strict=False).abs() <= 90
    off_lat = (
        pl.when(looks.fill_null(False))
        .then(pl.lit(f"{_LAT_RANGE}; latitude and longitude look swapped"))
        .otherwise(pl.lit(_LAT_RANGE))
    )
    lat = _number(df, "lat", errors, low=-90, high=90, below=off_lat, above=off_lat, reads=("lon",))
    lon = _number(df, "lon", errors, low=-180, high=180, below=_LON_RANGE, above=_LON_RANGE)
    return lat, lon


def _separators(df: pl.DataFrame, errors: _Errors) -> None:
    """Refuse ``zh,en`` or ``zh en``: read as one code it would match no one, and the
    household would be left unpaired for want of a shared language instead of being told."""
    found: dict[str, str] = {}
    for text in df["languages"].unique().to_list():
        hit = next((m for c in parse_languages(text) if (m := _NOT_IN_A_CODE.search(c))), None)
        if hit is not None:
            found[text] = f"separate languages with ';', not {hit.group()!r}"
    if found:
        why = pl.DataFrame({"languages": list(found), "__why": list(found.values())})
        bad = df.select(ROW, "languages").join(why, on="languages")
        errors.add(bad, "languages", pl.col("__why"))


def _masks(column: pl.Series) -> tuple[tuple[str, ...], np.ndarray]:
    # Encode each distinct text once, in polars: millions of rows share a handful of lists.
    uniq = column.unique(maintain_order=True)
    codes, masks = encode_languages(uniq.to_list())
    table = pl.DataFrame({"languages": uniq, "mask": pl.Series(masks, dtype=pl.UInt64)})
    joined = pl.DataFrame({"languages": column}).join(
        table, on="languages", how="left", maintain_order="left"
    )
    return codes, joined["mask"].to_numpy()


def _language_masks(
    h: pl.DataFrame, v: pl.DataFrame, households: Path, visitors: Path
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Bit masks over the codes of both files; more codes than a mask has bits is bad input."""
    try:  # both files in one call, so the count covers them both
        codes, masks = _masks(pl.concat([h["languages"], v["languages"]]))
    except TooManyLanguages as exc:
        raise InvalidInput(
            f"{households} and {visitors} hold {exc}: check the languages columns for misspelt "
            "codes, or pair the programme in parts"
        ) from None
    return codes, masks[: h.height], masks[h.height :]


@dataclass(frozen=True)
class _Checked:
    """One file's rows, its errors so far, and its numbers (``capacity``: visitors only)."""

    rows: pl.DataFrame
    errors: _Errors
    lat: pl.Series
    lon: pl.Series
    capacity: pl.Series | None = None


def _households(path: Path) -> _Checked:
    h, errors = _read(
        path,
        HOUSEHOLD_COLUMNS,
        ("current_visitor_id", "remote_pool"),
        ids=("household_id", "current_visitor_id", "remote_pool"),
    )
    lat, lon = _coordinates(h, errors)
    _separators(h, errors)
    _reserved(h, errors)
    _duplicates(h, "household_id", errors)
    return _Checked(h, errors, lat, lon)


def _visitors(path: Path) -> _Checked:
    v, errors = _read(path, VISITOR_COLUMNS, ("remote_pool",), ids=("visitor_id", "remote_pool"))
    lat, lon = _coordinates(v, errors)
    capacity = _number(
        v,
        "capacity",
        errors,
        low=0,
        high=_INT32_MAX,
        below="must be at least 0",
        # The import's words: its column holds 32 bits, as the engine's capacities do.
        above=f"must be a whole number at most {_INT32_MAX}",
        whole=True,
    )
    _separators(v, errors)
    _duplicates(v, "visitor_id", errors)
    return _Checked(v, errors, lat, lon, capacity)


def _current(households: _Checked, visitors: _Checked, path: Path) -> np.ndarray:
    """Each household's current visitor index (``NONE``: none); an unknown id is an error."""
    h, v = households.rows, visitors.rows
    if "current_visitor_id" not in h.columns:
        return np.full(len(h), NONE, np.int32)
    index = (
        pl.DataFrame(
            {"current_visitor_id": v["visitor_id"], "i": np.arange(len(v), dtype=np.int32)}
        )
        .filter(pl.col("current_visitor_id").is_not_null())
        .unique("current_visitor_id", keep="first", maintain_order=True)  # duplicates are errors
    )
    cur = h.select(ROW, "current_visitor_id").join(
        index, on="current_visitor_id", how="left", maintain_order="left"
    )
    households.errors.add(
        cur.filter(pl.col("current_visitor_id").is_not_null() & pl.col("i").is_null()),
        "current_visitor_id",
        f"not a visitor_id in {path}",
    )
    return cur["i"].fill_null(NONE).to_numpy().astype(np.int32)


def read_problem(households: Path, visitors: Path) -> PairingProblem:
    """Build a problem from the two file-mode CSVs.

    Both files are checked whole before anything is raised, so one run names what to fix in
    each of them (the first errors of each file, then a count).

    Raises
    ------
    InvalidInput
        A file is missing, lacks a column, or holds a bad value; row errors say which file,
        row, column and value, and why.
    """
    results: list[_Checked | str] = []
    for check, path in ((_households, households), (_visitors, visitors)):
        try:
            results.append(check(path))
        except InvalidInput as exc:  # the file as a whole: missing, no header, no column
            results.append(exc.message)
    hc, vc = results
    if isinstance(hc, str) or isinstance(vc, str):
        said = (r if isinstance(r, str) else r.errors.message() for r in results)
        raise InvalidInput("\n".join(m for m in said if m))
    current = _current(hc, vc, visitors)
    _raise_any(hc.errors, vc.errors)
    h, v, capacity = hc.rows, vc.rows, vc.capacity
    assert capacity is not None  # a visitors file has one
    h_lat, h_lon, v_lat, v_lon = hc.lat, hc.lon, vc.lat, vc.lon
    codes, hmask, vmask = _language_masks(h, v, households, visitors)
    pools, household_pool, visitor_pool = encode_pools(
        h["remote_pool"].to_list() if "remote_pool" in h.columns else [None] * len(h),
        v["remote_pool"].to_list() if "remote_pool" in v.columns else [None] * len(v),
    )
    try:
        return PairingProblem(
            household_ids=h["household_id"].to_numpy().astype(object),
            household_lat=h_lat.to_numpy(),
            household_lon=h_lon.to_numpy(),
            household_languages=hmask,
            household_current=current,
            visitor_ids=v["visitor_id"].to_numpy().astype(object),
            visitor_lat=v_lat.to_numpy(),
            visitor_lon=v_lon.to_numpy(),
            visitor_languages=vmask,
            visitor_capacity=capacity.cast(pl.Int32).to_numpy(),
            languages=codes,
            pools=pools,
            household_pool=household_pool,
            visitor_pool=visitor_pool,
        )
    except ValueError as exc:  # every value was checked above; this is a last resort
        raise InvalidInput(f"{households}, {visitors}: {exc}") from None


def household_index(problem: PairingProblem, household_id: str, households: Path) -> int:
    """The index of ``household_id`` (surrounding spaces ignored, as in the file); an unknown
    id is bad input (checked before solving).

    An id copied from the output, where ``=X`` is written ``'=X`` (:func:`pairs_frame` is
    written through ``neutralise_formulas``), finds ``=X`` as ``plan --pairings`` reads it
    back; a household whose id is ``'=X`` itself still comes first.
    """
    given = household_id.strip()
    for wanted in typed_forms(given):
        hits = np.flatnonzero(problem.household_ids == wanted)
        if len(hits):
            return int(hits[0])
    raise InvalidInput(f"--explain {household_id!r} is not a household_id in {households}")


def pairs_frame(problem: PairingProblem, result: PairingResult) -> pl.DataFrame:
    """``household_id, visitor_id, distance_m, reason``; the last two empty when paired."""
    paired = result.visitor != NONE
    if problem.n_visitors:
        vids = problem.visitor_ids[np.maximum(result.visitor, 0)]
    else:  # nobody to index: every household is unpaired
        vids = np.full(len(result.visitor), None, dtype=object)
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
    """A file-mode run: the problem, its result, the stage times and the explanation asked for
    (``new_only``: the insertion, when only the new households were paired)."""

    problem: PairingProblem
    result: PairingResult
    seconds: dict[str, float]
    explanation: Explanation | None = None
    new_only: NewOnly | None = None

    def unknown_languages(self) -> list[str]:
        """The language codes of the files that are not ISO 639 (``en-US``, a typo): read
        as codes of their own, each shared only with whoever gives the very same code."""
        return unknown_codes(self.problem.languages)

    def summary(self) -> dict[str, Any]:
        """The JSON summary printed last on stdout."""
        s = self.result.summary() if self.new_only is None else self.new_only.summary()
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
    explain_id: str | None = None,
    new_only: bool = False,
    max_settled: int | None = None,
) -> FileRun:
    """Read, solve, write ``out`` (when given) and explain ``explain_id`` (when given).

    ``out`` and ``explain_id`` are checked before the solve, so a typo fails in seconds and
    writes nothing.

    With ``new_only`` the households file's ``current_visitor_id`` column is the current
    pairing, and only the households without one are paired into it
    (:func:`~doorstep.engine.pairing.new_only.pair_new_only`; ``max_settled`` bounds each
    search); an existing household moves only along a chain that makes room for a new one.
    Balance does not apply then and is refused.
    """
    if new_only and params.balance_m:
        raise InvalidInput(
            "--balance-m does not apply with --new-only: evening out caseloads would move "
            "existing households for its own sake; re-pair without --new-only instead"
        )
    if out is not None:
        check_out(out, (households, visitors))
    t0 = time.perf_counter()
    problem = read_problem(households, visitors)
    index = None if explain_id is None else household_index(problem, explain_id, households)
    t1 = time.perf_counter()
    inserted = None
    if new_only:
        inserted = pair_new_only(problem, params=params, max_settled=max_settled, progress=progress)
        result = inserted.result
    else:
        result = solve(problem, params=params, mapper=mapper, progress=progress)
    t2 = time.perf_counter()
    if out is not None:
        try:
            # Ids as `export` writes them: a spreadsheet must not run `=HYPERLINK(...)`;
            # `plan --pairings` takes the apostrophe off again. Whole or not at all: a
            # script must never read half a pairing as the answer.
            frame = neutralise_formulas(pairs_frame(problem, result))
            write_whole(out, frame.write_csv)
        except pl.exceptions.PolarsError as exc:
            raise DoorstepError(f"cannot write {out}: {exc}") from None
    t3 = time.perf_counter()
    seconds = {"read": t1 - t0, **result.stats.seconds, "write": t3 - t2}
    explanation = None
    if index is not None:
        why = params if inserted is None else explain_params(params)
        explanation = explain(problem, result, index, params=why)
    return FileRun(problem, result, seconds, explanation, inserted)
