"""``doorstep demo``: a realistic programme around real places, in the database or as files."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from doorstep.cli.common import check_out_dir, console, count, err_console, handle_errors, progress
from doorstep.cli.context import actor, cli_today, session
from doorstep.errors import InvalidInput

#: The most households or visitors a demo makes: three times the region preset, which is
#: what fits this project's machines (about 2 GiB per 1.69M households while generating).
MAX_PEOPLE = 5_000_000


class Preset(StrEnum):
    village = "village"
    county = "county"
    region = "region"


class FileFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


@handle_errors
def demo_cmd(
    preset: Preset = typer.Option(
        Preset.county, help="village: 34 households; county: ~20k; region: 1.69M."
    ),
    households: int | None = typer.Option(
        None, min=0, max=MAX_PEOPLE, help="Number of households (overrides the preset)."
    ),
    visitors: int | None = typer.Option(
        None, min=0, max=MAX_PEOPLE, help="Number of visitors (overrides the preset)."
    ),
    seed: int = typer.Option(1, min=0, help="Same seed, same programme."),
    out: Path | None = typer.Option(
        None,
        help="Write import files (and the pairing engine's inputs) to this folder "
        "instead of the database.",
    ),
    fmt: FileFormat = typer.Option(FileFormat.csv, "--format", help="File format with --out."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Build a demo programme around real populated places (GeoNames, offline).

    The area tree, households and visitors follow the real places of one province; the
    programme goes into the database (all or nothing), or with --out into files that
    `doorstep import` reads, plus pair_households.csv and pair_visitors.csv for
    `doorstep pair`.

    Example: doorstep demo --preset village --seed 7
    """
    from doorstep.demo import generate
    from doorstep.services.demo import load_demo, write_import_files

    t0 = time.perf_counter()
    written: list[Path] = []
    before: set[str] = set()
    if out is not None:
        check_out_dir("--out", out)
        # The files a run replaces are named: a folder of edited import files is not
        # overwritten without a word.
        before = {p.name for p in out.iterdir() if p.is_file()} if out.is_dir() else set()
    with progress(quiet=quiet) as bar:
        task = bar.add_task("Generating the programme", total=None)
        try:
            programme = generate(
                preset=preset.value, households=households, visitors=visitors, seed=seed
            )
            if out is not None and fmt is FileFormat.xlsx:
                written += write_import_files(programme, out, fmt.value)
        except ValueError as exc:  # the generator's word on bad arguments
            raise InvalidInput(str(exc)) from None
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            bar.update(task, description=f"Writing files to {out}")
            if fmt is not FileFormat.xlsx:
                written += write_import_files(programme, out, fmt.value)
            written += programme.write_pairing_files(out)
        else:
            with session() as s:

                def step(entity: str, rows: int) -> None:
                    bar.update(task, description=f"Importing {rows:,} {entity}")

                load_demo(s, programme, actor=actor(), on_entity=step, today=cli_today())
    where = str(out) if out is not None else "the database"
    err_console.print(f"Built in {time.perf_counter() - t0:.1f} s.")
    console.print(
        f"Demo programme ({preset.value}, seed {seed}) written to {where}: "
        f"{count(programme.areas.height, 'areas')}, "
        f"{count(programme.organisations.height, 'organisations')}, "
        f"{count(programme.teams.height, 'teams')}, "
        f"{count(programme.visitors.height, 'visitors')}, "
        f"{count(programme.households.height, 'households')}."
    )
    replaced = sorted({p.name for p in written} & before)
    if replaced:
        err_console.print(
            f"Replaced {count(len(replaced), 'files')} already in {out}: {', '.join(replaced)}.",
            soft_wrap=True,
        )
