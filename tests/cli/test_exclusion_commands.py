"""Exclusions at the command line: a file of them imported, one added or removed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.engine.planning import CadencePolicy
from doorstep.services import planning
from doorstep.storage.session import unit_of_work
from tests.cli.conftest import Invoke
from tests.factories.files import write_csv
from tests.services.pairing.tree import commit, near_and_far, propose


def _area(engine: Engine, tmp_path: Path) -> None:
    """H1 and H2 in village A1; VNEAR next door, VFAR 5.5 km north."""
    near_and_far(engine, tmp_path, "H1", "H2")


def _planned(engine: Engine, household: str) -> list[dt.date]:
    """The first days of the household's planned visits."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT vi.planned_start FROM visits vi JOIN households h "
                "ON h.id = vi.household_id WHERE vi.status = 'planned' AND h.external_id = :h "
                "ORDER BY vi.planned_start"
            ),
            {"h": household},
        ).scalars()
        return [dt.date.fromisoformat(str(d)) for d in rows]


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM exclusions")).scalar_one())


def test_import_exclusions_says_what_it_wrote_and_which_pairs_are_paired_now(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    _area(engine, tmp_path)
    commit(engine, propose(engine, "A").id)
    rows = [["H1", "VNEAR", "asked not to"], ["H2", "VFAR", ""]]
    path = write_csv(tmp_path / "x.csv", ["household_id", "visitor_id", "reason"], rows)
    done = cli("import", "exclusions", str(path), "--quiet")
    assert done.exit_code == 0, done.output
    assert "Imported 2 exclusions from x.csv: 2 new, 0 updated, 0 unchanged." in done.output
    assert (
        "1 excluded pair is paired now (H1 with VNEAR): each pairing stays until the next "
        "`doorstep pair --area` for its area (A1) is committed, which ends it; until then "
        "`doorstep plan` plans no visits for it."
    ) in " ".join(done.output.split())
    again = cli("import", "exclusions", str(path), "--quiet")
    assert "Imported 2 exclusions from x.csv: 0 new, 0 updated, 2 unchanged." in again.output


def test_a_bad_exclusions_file_is_refused_naming_row_column_and_reason(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    _area(engine, tmp_path)
    rows = [["H1", "VNEAR", ""], ["H1", "VNOBODY", ""]]
    path = write_csv(tmp_path / "x.csv", ["household_id", "visitor_id", "reason"], rows)
    refused = cli("import", "exclusions", str(path), "--quiet")
    assert refused.exit_code == 2
    assert (
        "row 3, column visitor_id (value 'VNOBODY'): unknown visitor; import the visitors first"
        in refused.output
    )
    assert _count(engine) == 0


def test_pair_exclude_and_unexclude_say_what_they_did(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    _area(engine, tmp_path)
    commit(engine, propose(engine, "A").id)  # H1 and H2 both with VNEAR
    today = dt.date.today()  # the command's day
    settings = planning.PlanSettings(start=today, months=1, policy=CadencePolicy(stay_days=1))
    with unit_of_work(engine) as s:
        planning.plan_area(s, "A", settings, actor="test", today=settings.start)
    days = _planned(engine, "H1")
    assert days
    added = cli("pair", "exclude", "H1", "VNEAR", "--reason", "former employer")
    assert added.exit_code == 0, added.output
    lines = added.output.splitlines()
    n = len(days)
    assert lines == [
        "Excluded: H1 will not be paired with VNEAR (former employer).",
        f"Cancelled {n} planned visit{'s' if n > 1 else ''} of VNEAR to H1 "
        f"({', '.join(d.isoformat() for d in days)}); VNEAR's next calendar sends "
        f"{'them' if n > 1 else 'it'} as cancelled.",
        "H1 is currently paired with VNEAR; `doorstep plan` plans no visits for the pair, and "
        "the next pairing will end it: `doorstep pair --area A1`, then `doorstep pair commit`.",
    ]
    assert _planned(engine, "H1") == [] and _planned(engine, "H2")
    same = cli("pair", "exclude", "H1", "VNEAR")
    assert "H1 and VNEAR are excluded already (former employer); nothing changed." in same.output
    cleared = cli("pair", "exclude", "H1", "VNEAR", "--reason", "")
    assert "H1 and VNEAR were excluded already; the reason is cleared." in cleared.output
    other = cli("pair", "exclude", "H2", "VFAR")
    assert other.output.splitlines() == ["Excluded: H2 will not be paired with VFAR."]
    assert _count(engine) == 2
    removed = cli("pair", "unexclude", "H1", "VNEAR")
    assert removed.exit_code == 0, removed.output
    assert "H1 and VNEAR are no longer excluded." in removed.output
    twice = cli("pair", "unexclude", "H1", "VNEAR")
    assert twice.exit_code == 1
    assert "error: H1 and VNEAR are not excluded; nothing to remove" in twice.output
    unknown = cli("pair", "exclude", "H9", "VNEAR")
    assert unknown.exit_code == 1
    assert "no household with id 'H9'" in unknown.output
    assert _count(engine) == 1


def test_pair_exclusions_lists_the_pairs_kept_apart_by_area_or_household(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    _area(engine, tmp_path)
    assert "No pairs are kept apart in A1." in cli("pair", "exclusions", "--area", "A1").output
    rows = [["H2", "VFAR", "a cousin"], ["H1", "VNEAR", ""], ["H1", "VFAR", "asked not to"]]
    path = write_csv(tmp_path / "x.csv", ["household_id", "visitor_id", "reason"], rows)
    assert cli("import", "exclusions", str(path), "--quiet").exit_code == 0
    listed = cli("pair", "exclusions", "--area", "A1", "--format", "csv")
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == [
        "household,area,visitor,reason",
        "H1,A1,VFAR,asked not to",
        "H1,A1,VNEAR,",
        "H2,A1,VFAR,a cousin",
    ]
    one = cli("pair", "exclusions", "--household", "H2")
    assert "Pairs kept apart of H2 (1)" in one.output and "a cousin" in one.output
    unknown = cli("pair", "exclusions", "--household", "H9")
    assert unknown.exit_code != 0 and "H9" in unknown.output
