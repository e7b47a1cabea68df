"""`pair show` and `pair explain` give a visitor's real caseload and capacity, counting the
households it looks after outside the area paired, not only the places used in it."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke, doorstep_at
from tests.services.pairing.test_explain_stale import REAL_TODAY
from tests.services.pairing.tree import add, commit, home, propose, tree, worker


def _busy_elsewhere(engine: Engine, tmp_path: Path) -> None:
    """VB (capacity 2) looks after HB in B1; VA (capacity 1) nobody. H1 and H2 in A1."""
    tree(engine, tmp_path)
    vb = worker(visitor_id="VB", home_area_code="B1", lat=51.55, capacity=2)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=1), vb])
    hb = home(household_id="HB", area_code="B1", lat=51.60)
    add(engine, tmp_path, "households", [hb])
    commit(engine, propose(engine, "B", today=REAL_TODAY).id, today=REAL_TODAY)
    add(
        engine,
        tmp_path,
        "households",
        [hb, home(household_id="H1"), home(household_id="H2", lat=51.501)],
    )


def test_show_counts_a_visitors_households_outside_the_area(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    _busy_elsewhere(engine, tmp_path)
    proposed = cli("pair", "--area", "A", "-q")
    assert proposed.exit_code == 0, proposed.output
    summary = json.loads(proposed.stdout.splitlines()[-1])
    # VA takes H1 (its 1 place); VB takes H2, its second household with HB in B1.
    assert summary["caseloads"] == {"1": 1, "2": 1}
    shown = cli("pair", "show", str(summary["proposal"]))
    assert shown.exit_code == 0, shown.output
    assert "Caseloads of active visitors, in this area or not" in " ".join(shown.stdout.split())


def test_explain_gives_the_real_caseload_and_capacity_and_the_places_left_here(
    cli: Invoke, engine: Engine, tmp_path: Path
) -> None:
    _busy_elsewhere(engine, tmp_path)
    assert cli("pair", "--area", "A", "-q").exit_code == 0
    # The first reads the whole area; the second, nothing having changed, only H1's reach.
    for _ in range(2):
        explained = cli("pair", "explain", "H1", "-q")
        assert explained.exit_code == 0, explained.output
        said = " ".join(explained.output.split())
        assert "visitor ┃ km ┃ caseload ┃ capacity ┃ places left ┃ why not" in said
        vb = [ln.split("│")[1:-1] for ln in explained.stdout.splitlines() if ln.startswith("│ VB")]
        assert [[c.strip() for c in row] for row in vb] == [["VB", "5.56", "2", "2", "0", "full"]]


def test_explain_fits_a_narrow_terminal_with_every_visitor_id_whole(
    cli: Invoke, engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _busy_elsewhere(engine, tmp_path)
    assert cli("pair", "--area", "A", "-q").exit_code == 0
    for columns, gave_way in ((40, "capacity, caseload, places left"), (60, "capacity"), (90, "")):
        said = doorstep_at(columns, db_url, "pair", "explain", "H1", "-q")
        lines = said.splitlines()
        assert max(len(line) for line in lines) <= columns, said
        assert "…" not in said
        rows = [[c.strip() for c in ln.split("│")[1:-1]] for ln in lines if ln.startswith("│")]
        assert [r[:2] for r in rows] == [["VB", "5.56"]], said
        assert rows[0][-1] == "full"
        note = " ".join(ln.strip() for ln in lines if ln.strip()[:1] not in "┏┃┡│└")
        if gave_way:
            assert f"Not shown at this width: {gave_way}." in note, said
        else:
            assert "Not shown" not in said
