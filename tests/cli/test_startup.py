"""`doorstep --help`, a group's help and the light commands start without loading the solvers.

Each command runs through the console script's entry point in a fresh interpreter, which
then writes the names of the modules it imported; a module loaded up front shows there
whichever command is run. (Times vary with the machine; what is imported does not.
`bench/cli_startup.py` measures the times.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from doorstep.cli import plan as plan_cli
from doorstep.engine.planning import PlanParams
from doorstep.storage.session import make_engine
from tests.factories.db import run_import
from tests.factories.files import AREA_HEADER, area_rows, write_csv
from tests.factories.visits import START, plan_three

#: Runs ``doorstep ARGS...`` as the console script does, then writes ``sys.modules``'s names
#: to the file named by the first argument.
_RUN = """
import json, sys
out, sys.argv = sys.argv[1], ["doorstep", *sys.argv[2:]]
from doorstep.cli.entry import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(out, "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""

#: Not for any help, nor for a command that does not pair or plan: the compiled kernels and
#: their solvers. (``doorstep.engine.pairing.params``, the pairing's settings in plain
#: Python, is allowed: `doorstep pair --help` states their defaults.)
SOLVERS = ("numba", "ortools", "scipy", "doorstep.engine.planning", "doorstep.services.pairing")
#: Nor for any help: the database and data-frame libraries a command's work needs.
DATABASE = ("alembic", "sqlalchemy", "psycopg", "polars", "doorstep.storage")
PAIRING_SETTINGS = {"doorstep.engine.pairing", "doorstep.engine.pairing.params"}
#: Nor for any help: the settings and their library, read when a command opens its
#: database. (pydantic itself Typer loads to build a command's parameters.)
SETTINGS = ("doorstep.config", "pydantic_settings")
#: Not for a command on SQLite: PostgreSQL's driver, nor numpy, which only the pairing's and
#: planning's arrays (and the imports' file scans) need, not a list or a count.
NOT_ON_SQLITE = ("psycopg", "psycopg_binary", "numpy")
#: Not for a command that reads pairings or planned visits without making them: the compiled
#: kernels and solvers' libraries, the planner and the pairing solver.
SOLVING = (
    "numba",
    "ortools",
    "scipy",
    "doorstep.engine.planning.planner",
    "doorstep.engine.planning.replanner",
    "doorstep.engine.pairing.solve",
    "doorstep.engine.pairing.sphere",
)


def _modules(tmp_path: Path, *args: str, database: str | None = None) -> set[str]:
    """The modules ``doorstep ARGS...`` imported, on ``database`` (default: a new SQLite
    one); it must have succeeded (or, given no arguments, printed its help, which Click
    ends with exit 2)."""
    out = tmp_path / "modules.json"
    database = database or f"sqlite:///{tmp_path / 'empty.db'}"
    env = {**os.environ, "DOORSTEP_DATABASE_URL": database}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, str(out), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.exists(), done.stderr
    ran = json.loads(out.read_text())
    assert ran["code"] in ((0, None) if args else (2,)), done.stderr
    return set(ran["modules"])


def _loaded(modules: set[str], roots: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == r or m.startswith(r + ".") for r in roots))


def _pairing_engine(modules: set[str]) -> list[str]:
    engine = _loaded(modules, ("doorstep.engine.pairing",))
    return [m for m in engine if m not in PAIRING_SETTINGS]


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        [],  # no arguments: the help too
        ["visits", "--help"],
        ["pair", "--help"],
        ["plan", "--help"],
        ["import", "--help"],
        ["visits", "due", "--help"],
    ],
    ids=" ".join,
)
def test_help_loads_neither_the_solvers_nor_the_database_libraries(
    tmp_path: Path, args: list[str]
) -> None:
    modules = _modules(tmp_path, *args)

    assert _loaded(modules, SOLVERS + DATABASE + SETTINGS) == []
    assert _pairing_engine(modules) == []


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["visits", "due"],
        ["visits", "overdue"],
        ["household", "find", "H1"],
        ["referral", "list"],
        ["export", "households", "households.csv"],  # its --out checked without the solver
    ],
    ids=" ".join,
)
def test_light_commands_load_no_solver(tmp_path: Path, args: list[str]) -> None:
    # They open the database, bringing its schema up to date first (Alembic), as every
    # command that reads it does; the pairing and planning engines they do not use.
    modules = _modules(tmp_path, *args)

    assert "alembic" in modules  # the command did reach its database
    assert _loaded(modules, SOLVERS) == []
    assert _pairing_engine(modules) == []


@pytest.mark.parametrize(
    "args", [["stats"], ["visits", "due"], ["household", "find", "H1"]], ids=" ".join
)
def test_light_commands_on_sqlite_load_neither_psycopg_nor_numpy(
    tmp_path: Path, args: list[str]
) -> None:
    modules = _modules(tmp_path, *args)

    assert "sqlalchemy" in modules  # the command did reach its database
    assert _loaded(modules, NOT_ON_SQLITE) == []


def test_importing_the_cli_loads_neither_the_solvers_nor_the_database_libraries() -> None:
    code = "import json, sys, doorstep.cli.main; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    modules = set(json.loads(done.stdout))

    assert _loaded(modules, SOLVERS + DATABASE + SETTINGS) == []
    assert _pairing_engine(modules) == []


def test_plan_help_states_the_planners_own_default_slack() -> None:
    # `doorstep plan --help` states it without loading the planner (numba) to read it.
    assert PlanParams().slack_days == plan_cli.SLACK_DAYS_SHOWN


@pytest.mark.parametrize(
    "args",
    [["report"], ["outcomes"], ["export", "households", "households.csv"]],
    ids=" ".join,
)
def test_a_command_that_writes_no_spreadsheet_does_not_load_the_spreadsheet_writer(
    tmp_path: Path, args: list[str]
) -> None:
    modules = _modules(tmp_path, *args)

    assert "sqlalchemy" in modules  # the command did reach its database
    assert _loaded(modules, ("openpyxl", "PIL")) == []


@pytest.mark.parametrize("args", [["stats"], ["visits", "due"]], ids=" ".join)
def test_a_command_on_a_database_at_the_newest_revision_does_not_load_alembic(
    tmp_path: Path, args: list[str]
) -> None:
    # Only a database to migrate (new, older) or to refuse (unknown revision) needs it.
    upgraded = _modules(tmp_path, "db", "upgrade")
    assert "alembic" in upgraded

    modules = _modules(tmp_path, *args)

    assert "sqlalchemy" in modules  # the command did reach its database
    assert _loaded(modules, ("alembic", "mako", "pygments")) == []


@pytest.fixture(scope="module")
def planned_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database where H0-H2 are paired with V1 by a committed proposal and
    planned (:func:`tests.factories.visits.plan_three`), made once for this module."""
    folder = tmp_path_factory.mktemp("planned")
    path = folder / "planned.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        run_import(engine, "areas", write_csv(folder / "areas.csv", AREA_HEADER, area_rows()))
        plan_three(engine, folder)
    finally:
        engine.dispose()
    return path


@pytest.fixture
def planned(planned_template: Path, tmp_path: Path) -> str:
    """The URL of a copy of :func:`planned_template` for one test."""
    path = tmp_path / "planned.db"
    shutil.copy(planned_template, path)
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    "args",
    [
        ["pair", "explain", "H0"],
        ["household", "export", "H0", "--out", "h0.json"],
        ["visits", "calendar", "--visitor", "V1", "--out", "v1.ics", "--since", str(START)],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_commands_that_read_pairings_or_planned_visits_load_no_solver(
    tmp_path: Path, planned: str, args: list[str]
) -> None:
    # They read what the pairing and the planner stored (a proposal to explain, the visits
    # of a household's export or of a calendar): numba and the solvers only make them.
    modules = _modules(tmp_path, *args, database=planned)

    assert "sqlalchemy" in modules  # the command did reach its database
    assert _loaded(modules, SOLVING) == []
