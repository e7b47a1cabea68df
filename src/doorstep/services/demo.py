"""Load a generated demo programme into the database through the ordinary import path.

Going through validation on purpose: the demo then proves that what the generator makes
is what an import accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from doorstep.demo import DemoProgramme
from doorstep.demo.files import write_frames
from doorstep.errors import Conflict
from doorstep.services.importing import SCHEMAS, ImportSummary, import_frame
from doorstep.storage.repositories import bulk
from doorstep.storage.repositories.pairing import lock_pairings


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as an import file would read: every column text, dates in ISO form."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        else:
            exprs.append(pl.col(name).cast(pl.String))
    return frame.select(exprs)


#: The households frame's columns that go into the indicators file instead.
_INDICATORS = ("annual_income", "income_year", "members_in_work", "services_enrolled")


def import_frames(programme: DemoProgramme) -> list[tuple[str, pl.DataFrame]]:
    """The programme as (entity, frame) pairs in import order; incomes become indicators."""
    households = programme.households
    indicators = households.select(
        "household_id",
        pl.col("income_year").alias("year"),
        "annual_income",
        "members_in_work",
        "services_enrolled",
    )
    return [
        ("areas", programme.areas),
        ("organisations", programme.organisations),
        ("teams", programme.teams),
        ("visitors", programme.visitors),
        ("households", households.drop(*_INDICATORS)),
        ("indicators", indicators),
    ]


def write_import_files(programme: DemoProgramme, directory: Path, fmt: str) -> list[Path]:
    """Write the files `doorstep import` reads, in import order, incomes as indicators."""
    return write_frames(dict(import_frames(programme)), directory, fmt)


def load_demo(
    session: Session,
    programme: DemoProgramme,
    *,
    actor: str,
    on_entity: Callable[[str, int], None] | None = None,
    today: dt.date | None = None,
) -> list[ImportSummary]:
    """Import every frame in one transaction owned by the caller.

    Only into an empty database, or one holding this very demo (loading it again changes
    nothing): the demo's ids would otherwise update a real programme's rows in place.
    ``today``: the imports' today (default: the machine's date).
    The check runs under the pairing lock, which the imports take first too: two demos
    started together cannot both find the database empty.
    """
    lock_pairings(session.connection())
    _check_empty_or_same(session, programme)
    out = []
    for entity, frame in import_frames(programme):
        if on_entity:
            on_entity(entity, frame.height)
        out.append(
            import_frame(
                session,
                SCHEMAS[entity],
                as_text(frame),
                path=Path(f"demo-{entity}"),
                actor=actor,
                today=today,
            )
        )
    return out


def _check_empty_or_same(session: Session, programme: DemoProgramme) -> None:
    conn = session.connection()
    stored = set(bulk.key_map(conn, "households", "external_id")["external_id"].to_list())
    areas = set(bulk.key_map(conn, "areas", "code")["code"].to_list())
    demo = set(programme.households["household_id"].to_list())
    if (stored or areas) and (
        stored != demo or not areas <= set(programme.areas["code"].to_list())
    ):
        raise Conflict(
            f"the database already holds a programme ({len(stored):,} households, "
            f"{len(areas):,} areas) that is not this demo, whose ids would overwrite its "
            "rows: build the demo into an empty database (DOORSTEP_DATABASE_URL) or as "
            "files (--out)"
        )
