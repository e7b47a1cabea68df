"""Exclusions at the command line: a file of them imported, one added or removed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.files import write_csv
from tests.services.pairing.tree import add, commit, home, propose, tree, worker


def _area(engine: Engine, tmp_path: Path) -> None:
    """H1 and H2 in village A1; VNEAR next door, VFAR 5.5 km north."""
    tree(engine, tmp_path)
    vv = [worker(visitor_id="VNEAR", lat=51.501), worker(visitor_id="VFAR", lat=51.55)]
    add(engine, tmp_path, "visitors", vv)
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])


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
        "`doorstep pair --area` for its area (A1) is committed, which ends it."
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
    added = cli("pair", "exclude", "H1", "VNEAR", "--reason", "former employer")
    assert added.exit_code == 0, added.output
    lines = added.output.splitlines()
    assert lines == [
        "Excluded: H1 will not be paired with VNEAR (former employer).",
        "H1 is currently paired with VNEAR; the next pairing will end it: `doorstep pair "
        "--area A1`, then `doorstep pair commit`.",
    ]
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
