"""``doorstep plan``: place visits for every pairing on a cadence.

File mode (no database) is the group's own callback; database-mode subcommands (planning
stored pairings, ``due``, ``overdue``, ``upcoming``) will be added to the same group.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from doorstep.cli.common import (
    PATH_METAVAR,
    check_out_dir,
    err_console,
    fail,
    handle_errors,
    id_argument,
    out_file,
    parse_day,
    progress,
    refuse_given,
    say_if_compiling,
)
from doorstep.cli.plan_db import plan_area
from doorstep.domain.ids import ERASED_HOUSEHOLD, RESERVED_REASON
from doorstep.errors import InvalidInput

if TYPE_CHECKING:
    import polars as pl

    from doorstep.engine.planning import PlanningProblem, PlanResult

# No help= here: the callback's docstring (with its example) is the group's help.
app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
)

#: The most days --max-gap-days, --stay-days, --travel-days and --slack-days take: ten
#: years. More means nothing for a visiting programme and overflows the planner's counters.
MAX_DAYS = 3660
#: The planner's default --slack-days (``PlanParams().slack_days``), as the help states it.
#: Written out because the planner loads numba, which ``doorstep plan --help`` (and every
#: other command's help, which imports this module) must not wait for; a test checks
#: that it is the planner's.
SLACK_DAYS_SHOWN = 7


def parse_weekdays(text: str) -> frozenset[int]:
    """``"mon-fri"``, ``"mon,wed,sat"`` or ``"all"`` as weekday numbers (0 = Monday); the
    parser a household's ``preferred_weekdays`` is read with too."""
    from doorstep.services.planning_settings import parse_weekdays

    return parse_weekdays(text)


@dataclass(frozen=True)
class PlanFiles:
    """The input files of file mode."""

    pairs: Path
    visitors: Path | None = None
    households: Path | None = None


#: The columns of ``doorstep pair``'s output; ``reason`` (why a household is unpaired) is
#: not needed to plan. Any other column of a pairings file has no effect.
PAIRS_COLUMNS = ("household_id", "visitor_id", "distance_m", "reason")


def ignored_pairs_columns(path: Path) -> list[str]:
    """The columns of the pairings file that file mode does not read: a ``start`` or
    ``end`` per pairing, say, which would otherwise change nothing without a word (file
    mode plans every pairing over the whole horizon; database mode has the dates)."""
    import polars as pl

    header = pl.read_csv(path, n_rows=0, infer_schema_length=0).columns
    return [c for c in header if c not in PAIRS_COLUMNS]


def _ragged(path: Path) -> str | None:
    """The first row with more fields than the header, said in words, or ``None``."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = csv.reader(f)
            width = len(next(rows, []))
            for row in rows:
                if len(row) > width:
                    return f"row {rows.line_num} has {len(row)} fields, the header {width}"
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def _read_csv(path: Path, required: tuple[str, ...], what: str) -> pl.DataFrame:
    import polars as pl

    try:
        df = pl.read_csv(path, infer_schema_length=0)  # all strings: ids stay as written
    except (OSError, pl.exceptions.PolarsError) as exc:
        # Polars names neither the row nor the file in several lines of advice: one line,
        # naming the row where it can be found (the header being row 1).
        reason = _ragged(path) or str(exc).strip().splitlines()[0]
        raise InvalidInput(f"cannot read {what} {path}: {reason}") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InvalidInput(f"{what} {path} lacks column(s) {', '.join(missing)}")
    # Ids as `pair` and an import read them (doorstep.domain.ids, importing.validate): in
    # Unicode normal form C, as the pairings file and the visitors file may spell an
    # accented id in two ways that are one id, and without the spaces and invisible marks
    # at their edges, which `pair` took off the ids it wrote (' V1 ' in V.csv is V1 there).
    from doorstep.services.importing.validate import trim_code

    ids = [c for c in ("household_id", "visitor_id") if c in df.columns]
    return df.with_columns(trim_code(pl.col(c)) for c in ids)


def build_problem(
    files: PlanFiles,
    *,
    start: date,
    months: int = 12,
    max_gap_days: int = 60,
    stay_days: int = 5,
    country: str | None = None,
    subdivision: str | None = None,
    staff_cap: float | None = None,
    min_away: int = 1,
    working_days: frozenset[int] = frozenset(range(7)),
    start_days: frozenset[int] = frozenset(range(7)),
    travel_km: float = 50.0,
    travel_days: int = 1,
) -> PlanningProblem:
    """Read ``pairs.csv`` (from ``doorstep pair``) and the visitors' CSV into a problem.

    Rows of ``pairs.csv`` without a visitor (unpaired households) are skipped. Without a
    households file, each pairing's ``distance_m`` is the household's distance from its
    visitor's home, and two households of one visitor are taken to be at most the sum of
    their distances apart (the triangle inequality) when deciding on travel days.
    """
    import numpy as np
    import polars as pl

    from doorstep.engine.planning import (
        CadencePolicy,
        Intervals,
        PlanningProblem,
        VisitorCalendar,
        add_months,
        max_away,
        public_holidays,
    )
    from doorstep.services.importing.formulas import unescape

    # `pair` writes an id a spreadsheet would run with an apostrophe first: the same id as
    # the visitors and households files give it once the apostrophe is off.
    pairs = _read_csv(files.pairs, ("household_id", "visitor_id"), "pairings file").with_columns(
        unescape(pl.col("household_id")), unescape(pl.col("visitor_id"))
    )
    paired = pl.col("visitor_id").is_not_null() & (pl.col("visitor_id") != "")
    nobody = pairs.with_row_index("row").filter(
        paired & (pl.col("household_id").is_null() | (pl.col("household_id") == ""))
    )
    if nobody.height:  # a pair with no household: dropped, its visitor would go unplanned
        raise InvalidInput(
            f"pairings file {files.pairs}: row {nobody['row'][0] + 2} has a visitor_id but "
            "no household_id"
        )
    reserved = pairs.with_row_index("row").filter(
        pl.col("household_id").str.to_lowercase() == ERASED_HOUSEHOLD
    )
    if reserved.height:  # as an import and `pair` refuse it
        raise InvalidInput(
            f"pairings file {files.pairs}: row {reserved['row'][0] + 2}, column household_id: "
            f"{RESERVED_REASON}"
        )
    pairs = pairs.filter(paired)
    if files.visitors is not None:
        visitors = _read_csv(files.visitors, ("visitor_id",), "visitors file")
        twice = visitors.with_row_index("row").filter(pl.col("visitor_id").is_duplicated())
        if twice.height:  # each row is staff of its organisation: a repeat would count twice
            first = twice.filter(pl.col("visitor_id") == twice["visitor_id"][0])["row"]
            raise InvalidInput(
                f"visitors file {files.visitors}: visitor {twice['visitor_id'][0]!r} is "
                f"listed twice (rows {first[0] + 2} and {first[1] + 2}); list each visitor once"
            )
    else:
        visitors = pairs.select("visitor_id").unique(maintain_order=True)
    visitors = visitors.with_row_index("v_ix")
    unknown = pairs.join(visitors.select("visitor_id"), on="visitor_id", how="anti")
    if unknown.height:
        raise InvalidInput(
            f"pairings name {unknown.height} visitor(s) missing from the visitors file, "
            f"e.g. {unknown['visitor_id'][0]!r}"
        )
    if pairs.select(pl.struct("household_id", "visitor_id").is_duplicated().any()).item():
        raise InvalidInput("a household and visitor are paired twice in the pairings file")

    hh = pairs.select("household_id").unique(maintain_order=True).with_row_index("h_ix")
    lat = np.full(hh.height, np.nan)
    lon = np.full(hh.height, np.nan)
    if files.households is not None:
        h_file = _read_csv(files.households, ("household_id", "lat", "lon"), "households file")
        located = hh.join(
            h_file.select(
                "household_id",
                pl.col("lat").cast(pl.Float64, strict=False),
                pl.col("lon").cast(pl.Float64, strict=False),
            ).unique("household_id", keep="first"),
            on="household_id",
            how="inner",
        )
        ix = located["h_ix"].to_numpy()
        lat[ix] = located["lat"].fill_null(np.nan).to_numpy()
        lon[ix] = located["lon"].fill_null(np.nan).to_numpy()

    joined = pairs.join(hh, on="household_id").join(
        visitors.select("visitor_id", "v_ix"), on="visitor_id"
    )
    if "distance_m" in joined.columns:
        home = joined["distance_m"].cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy()
    else:
        home = np.full(joined.height, np.nan)

    if "organisation" in visitors.columns:
        org_col = visitors["organisation"].fill_null("")
    else:
        org_col = pl.Series("organisation", [""] * visitors.height)
    org_ids = [o for o in org_col.unique(maintain_order=True).to_list() if o]
    org_ix = {o: i for i, o in enumerate(org_ids)}
    v_org = np.array([org_ix.get(o, -1) for o in org_col.to_list()], np.int32)
    staff = np.bincount(v_org[v_org >= 0], minlength=len(org_ids))
    try:
        policy = CadencePolicy(
            max_gap_days=max_gap_days, stay_days=stay_days, start_weekdays=start_days
        )
        end = add_months(start, months)
        holidays = (
            public_holidays(country, start, end, subdivision=subdivision)
            if country
            else frozenset()
        )
        n_days = (end - start).days
        return PlanningProblem(
            start=start,
            n_days=n_days,
            policies=(policy,),
            calendars=(VisitorCalendar(working_days, holidays),),
            visitor_ids=tuple(visitors["visitor_id"].to_list()),
            visitor_calendar=np.zeros(visitors.height, np.int32),
            visitor_org=v_org,
            org_ids=tuple(org_ids),
            org_max_away=np.array(
                [max_away(int(s), staff_cap, minimum=min_away) for s in staff], np.int32
            ),
            household_ids=tuple(hh["household_id"].to_list()),
            household_lat=lat,
            household_lon=lon,
            household_preferred_weekdays=np.zeros(hh.height, np.uint8),
            blackouts=Intervals.empty(hh.height),
            leave=Intervals.empty(visitors.height),
            pairing_household=joined["h_ix"].to_numpy(),
            pairing_visitor=joined["v_ix"].to_numpy(),
            pairing_policy=np.zeros(joined.height, np.int32),
            pairing_from=np.zeros(joined.height, np.int32),
            pairing_to=np.full(joined.height, n_days, np.int32),
            pairing_home_distance_m=home,
            travel_threshold_m=travel_km * 1000.0,
            travel_days=travel_days,
        )
    except ValueError as exc:
        raise InvalidInput(_flags(str(exc))) from None


def _flags(message: str) -> str:
    """An engine message with its parameter names as the flags a user types."""
    from doorstep.services.planning_settings import FLAGS, engine_words

    return engine_words(message, FLAGS)


def write_visits_csv(result: PlanResult, path: Path) -> None:
    """The planned visits (``household_id,visitor_id,start,end``), ids as ``export`` writes
    them (a spreadsheet opens this file; an iCalendar file is not opened by one, and keeps
    them as they are)."""
    from doorstep.reports.calendar import visits_frame
    from doorstep.services.exporting import neutralise_formulas
    from doorstep.services.outfile import write_whole

    frame = neutralise_formulas(visits_frame(result))
    write_whole(path, lambda part: frame.write_csv(part, date_format="%Y-%m-%d"))


@app.callback()
@handle_errors
def plan_cmd(
    ctx: typer.Context,
    area: str | None = typer.Option(
        None,
        help="Database mode: plan the stored pairings of this area (code).",
        callback=id_argument,
    ),
    pairings: Path | None = typer.Option(
        None,
        help="CSV from `doorstep pair`: household_id,visitor_id,distance_m,reason (other "
        "columns, such as dates per pairing, are ignored with a warning).",
    ),
    visitors: Path | None = typer.Option(
        None, help="CSV: visitor_id,...[,organisation] (the organisation sets the staff cap)."
    ),
    households: Path | None = typer.Option(
        None, help="Optional CSV: household_id,lat,lon (else distance_m bounds travel)."
    ),
    start: str | None = typer.Option(None, help="First day of the horizon (YYYY-MM-DD)."),
    months: int = typer.Option(12, min=1, help="Length of the horizon in months."),
    max_gap_days: int | None = typer.Option(
        None,
        min=1,
        max=MAX_DAYS,
        help="Most days between two visits' starts \\[default: with --area the programme's "
        "cadence (`doorstep cadence show`), else 60].",
        show_default=False,
    ),
    stay_days: int | None = typer.Option(
        None,
        min=1,
        max=MAX_DAYS,
        help="Days in one stay, 1 for day visits \\[default: with --area the programme's "
        "cadence, else 5].",
        show_default=False,
    ),
    country: str | None = typer.Option(None, help="Public holidays of this country (e.g. CN)."),
    subdivision: str | None = typer.Option(None, help="...and of this subdivision."),
    staff_cap: float | None = typer.Option(
        None,
        min=0.0,
        max=1.0,
        help="Most of an organisation's staff away on any day, a share such as 0.3 "
        "(no cap without it; an organisation's own staff_cap wins).",
    ),
    min_away: int = typer.Option(
        1, min=0, help="Under a cap, at least this many of a unit may still be away."
    ),
    working_days: str = typer.Option("all", help="Days visitors can be on a stay (mon-fri)."),
    start_days: str = typer.Option("all", help="Weekdays a stay may start on."),
    travel_km: float = typer.Option(50.0, min=0.0, help="Households farther apart need..."),
    travel_days: int = typer.Option(
        1, min=0, max=MAX_DAYS, help="...this many free days between stays."
    ),
    slack_days: int | None = typer.Option(
        None,
        min=0,
        max=MAX_DAYS,
        # The bracket is escaped: Typer renders help as Rich markup.
        help="File mode: feasible start days kept in reserve per visit "
        f"\\[default: {SLACK_DAYS_SHOWN}]",
        show_default=False,
    ),
    seed: int = typer.Option(0, min=0, help="Seed of the spread of first visits."),
    # Output files as text, not Paths, which would forget the separator of `--out visits/`
    # (see cli.common.out_file).
    out: str | None = typer.Option(
        None, metavar=PATH_METAVAR, help="Write household_id,visitor_id,start,end here."
    ),
    ics_dir: Path | None = typer.Option(None, help="Write one iCalendar file per visitor here."),
    compliance: str | None = typer.Option(
        None,
        metavar=PATH_METAVAR,
        help="Write the pairings whose cadence is not met, with gap and reason (.csv, .xlsx "
        "or .parquet, by the suffix).",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress bar; with --area no summary table either."
    ),
) -> None:
    """Plan visits: for the pairings in a CSV file, or for an area's with --area.

    Every visit respects the hard constraints (no visitor in two places, rest days between
    far-apart stays, holidays, working days, staffing cap); the cadence holds wherever there
    is room, and the last line on stdout is a JSON summary (seconds: the whole command).
    `end` is a stay's last day.

    With --area CODE (database mode) the stored pairings of the area are planned from
    --start (default today) around recorded visits, leave and blackouts, and the planned
    visits are written to the database (replacing earlier planned ones from that day); the
    file-mode options (--pairings, --visitors, --households, --out, --ics-dir, --slack-days)
    are refused there. --compliance FILE (.csv, .xlsx or .parquet, in either mode) lists
    the pairings whose cadence is not met, by household and visitor id; with --area once
    the plan is stored, each one named being a read in the audit trail.

    Example: doorstep plan --pairings pairs.csv --visitors v.csv --start 2027-01-01 --out visits.csv

    Example: doorstep plan --area GZ-14 --start 2027-01-04 --compliance unmet.xlsx
    """
    if ctx.invoked_subcommand is not None:
        return
    # The engine and the services load only when this callback does the work itself.
    from doorstep.cli.context import cli_today, session
    from doorstep.engine.planning import PlanParams, plan
    from doorstep.engine.planning.compiled import kernels_ready
    from doorstep.reports.calendar import write_ics_dir
    from doorstep.services.cadence import (
        DEFAULT_MAX_GAP_DAYS,
        DEFAULT_STAY_DAYS,
        programme_cadence,
    )
    from doorstep.services.planning_settings import (
        FLAGS,
        area_settings,
        check_holidays,
        check_horizon,
    )
    from doorstep.services.planning_unmet import check_unmet_file, unmet_frame, write_unmet

    today = cli_today()  # once: the day checked against is the day the plan forgets by
    if area is not None:
        refuse_given(
            {
                "--pairings": pairings,
                "--visitors": visitors,
                "--households": households,
                "--out": out,
                "--ics-dir": ics_dir,
                "--slack-days": slack_days,
            },
            "with --area the pairings come from the database and the planned visits are "
            "stored there (see `doorstep visits` for lists and calendars)",
        )
        if start is None:
            start = today.isoformat()
    if (pairings is None and area is None) or start is None:
        raise fail("give --area, or --pairings and --start (see doorstep plan --help)", code=2)
    first = parse_day("--start", start)
    if area is not None:
        with session() as s:
            cadence = programme_cadence(s.connection())
        settings = area_settings(
            start=first,
            today=today,
            months=months,
            max_gap_days=max_gap_days,
            stay_days=stay_days,
            cadence=cadence,
            country=country,
            subdivision=subdivision,
            staff_cap=staff_cap,
            min_away=min_away,
            working_days=working_days,
            start_days=start_days,
            travel_km=travel_km,
            travel_days=travel_days,
            seed=seed,
            names=FLAGS,
        )
        unmet = None
        if compliance is not None:  # before any work, as file mode's outputs (_check_outputs)
            unmet = out_file("--compliance", compliance, example="unmet.csv")
            check_unmet_file(unmet)
        plan_area(area, settings, today=today, quiet=quiet, compliance=unmet)
        return
    # File mode has no programme to ask: the defaults the help names.
    max_gap_days = DEFAULT_MAX_GAP_DAYS if max_gap_days is None else max_gap_days
    stay_days = DEFAULT_STAY_DAYS if stay_days is None else stay_days
    check_holidays(country, subdivision, first, names=FLAGS)
    check_horizon(first, months, tail_days=stay_days + travel_days + 1, names=FLAGS)
    assert pairings is not None
    inputs = [p for p in (pairings, visitors, households) if p is not None]
    out_path, unmet = _check_outputs(out, ics_dir, compliance, inputs)
    try:
        params = PlanParams(
            slack_days=PlanParams().slack_days if slack_days is None else slack_days, seed=seed
        )
    except ValueError as exc:
        raise fail(str(exc), code=2) from None
    t0 = time.perf_counter()
    problem = build_problem(
        PlanFiles(pairings, visitors, households),
        start=first,
        months=months,
        max_gap_days=max_gap_days,
        stay_days=stay_days,
        country=country,
        subdivision=subdivision,
        staff_cap=staff_cap,
        min_away=min_away,
        working_days=parse_weekdays(working_days),
        start_days=parse_weekdays(start_days),
        travel_km=travel_km,
        travel_days=travel_days,
    )
    ignored = ignored_pairs_columns(pairings)
    if ignored:
        err_console.print(
            f"warning: pairings file column(s) {', '.join(ignored)} ignored: file mode plans "
            "every pairing over the whole horizon (dates per pairing are planned in database "
            "mode, --area)",
            highlight=False,
            soft_wrap=True,
        )
    if staff_cap is not None and not problem.org_ids:
        err_console.print(
            "warning: --staff-cap has no effect: the visitors file has no organisation column",
            highlight=False,
        )
    t1 = time.perf_counter()
    say_if_compiling(kernels_ready(), "planner", quiet=quiet)
    with progress(quiet=quiet) as bar:
        task = bar.add_task("planning days", total=problem.n_days)
        result = plan(
            problem, params=params, progress=lambda done, _: bar.update(task, completed=done)
        )
    t2 = time.perf_counter()
    if out_path is not None:
        out_path.absolute().parent.mkdir(parents=True, exist_ok=True)
        write_visits_csv(result, out_path)
    if ics_dir is not None:
        write_ics_dir(result, ics_dir)
    if unmet is not None:
        unmet.absolute().parent.mkdir(parents=True, exist_ok=True)
        write_unmet(unmet_frame(result), unmet)
    if result.n_compliant < problem.n_pairings and not quiet:
        reasons = ", ".join(f"{r.value}: {n}" for r, n in result.reasons().most_common())
        err_console.print(f"cadence not met for some pairings ({reasons})", highlight=False)
    stages = {"read": t1 - t0, "plan": t2 - t1, "write": time.perf_counter() - t2}
    summary = result.summary()
    summary["seconds"] = round(sum(stages.values()), 2)
    typer.echo(
        json.dumps({**summary, "stage_seconds": {k: round(x, 2) for k, x in stages.items()}})
    )


def _check_outputs(
    out: str | None, ics_dir: Path | None, compliance: str | None, inputs: list[Path]
) -> tuple[Path | None, Path | None]:
    """The --out and --compliance files, refusing outputs that cannot be written before
    anything is read or planned."""
    from doorstep.services.planning_unmet import check_unmet_file

    out_path = None if out is None else out_file("--out", out, inputs, example="visits.csv")
    unmet = None
    if compliance is not None:
        unmet = out_file("--compliance", compliance, inputs, example="unmet.csv")
        check_unmet_file(unmet)
        if out_path is not None and out_path.absolute() == unmet.absolute():
            raise InvalidInput(f"--out and --compliance are both {out}; give two file names")
    if ics_dir is not None:
        check_out_dir("--ics-dir", ics_dir)
    return out_path, unmet
