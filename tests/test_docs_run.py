"""The docs' command lines run as written, so a doc that rots fails here.

The commands are read from the pages (``tests/factories/doc_shell.py``), never copied: edit a
page and this runs the edit. Each runs in-process (``tests/factories/doc_cli.py``) in a fresh
folder, as of the pages' day (``DOCS_DAY``, as ``DOORSTEP_TODAY``), on SQLite only: the
pages' examples use the embedded default database, and the commands' behaviour on PostgreSQL
is the other tests' business. A line a test cannot run is skipped by a named rule below, and
the rules are asserted to have matched what they say.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.factories.doc_cli import DOCS_ENV, Ran, Shell
from tests.factories.doc_shell import blocks

ROOT = Path(__file__).resolve().parents[1]


def _written(ran: Ran) -> list[str]:
    """The files a ``doorstep`` line says it writes: ``--out``, ``--chart``, ``export E F``."""
    text = ran.line.text
    files = re.findall(r"--(?:out|chart) (\S+)", text)
    files += re.findall(
        r"doorstep (?:export \w+|household export \S+|visitor export \S+) (\S+)", text
    )
    return [f for f in files if not f.startswith("-") and not f.endswith("/")]


def _check_said(ran: Ran) -> None:
    """What the line's comment promises, where cheap: its files, its proposal's number."""
    if ran.skipped:
        return
    for name in _written(ran):
        path = Path(name)
        assert path.is_file() and path.stat().st_size > 0, f"{ran.line.where()}: no {name}"
    proposal = re.search(r"proposal (\d+)", ran.line.comment)
    if proposal and re.search(r"doorstep pair --area", ran.line.text):
        said = f"Pairing proposal {proposal.group(1)} "
        assert said in ran.outputs[0], f"{ran.line.where()}: not {said!r}\n{ran.outputs[0]}"


# The lines a test cannot run, each by a rule that names why. Each is given the line's words
# as written and the lines run before it.


def _placeholder(argv: list[str], _: list[Ran]) -> bool:
    """A synopsis, not a command: ``village|county``, ``FILE``, ``[--replace]``."""
    return any("|" in w or w.startswith("[") or re.fullmatch(r"[A-Z]{4,}(\.\w+)?", w) for w in argv)


def _needs_a_scheduler(argv: list[str], _: list[Ran]) -> bool:
    """``--scheduler tcp://...``: a Dask scheduler at an address of the reader's network."""
    return "--scheduler" in argv


def _serves(argv: list[str], _: list[Ran]) -> bool:
    """``doorstep serve`` runs until stopped: tests/api/test_docs_curl.py serves the app."""
    return argv[1:2] == ["serve"]


def _reads_a_file_the_page_never_writes(argv: list[str], _: list[Ran]) -> bool:
    """``import ENTITY FILE`` or file mode's inputs, of a file the reader brings and no line
    of the page wrote (``sponsors.csv``, ``H.csv``): nothing here has it."""
    if argv[1:2] == ["import"] and len(argv) > 3:
        return not Path(argv[3]).exists()
    return any(f in argv and not Path(argv[argv.index(f) + 1]).exists() for f in _FILE_MODE)


_FILE_MODE = ("--households", "--visitors", "--pairings")


def _every_household_new_on_a_county(argv: list[str], _: list[Ran]) -> bool:
    """``pair --area GZ --new-only`` before any commit: all 18,376 households are new, which
    the insertion takes minutes over (a full ``pair`` does that job, as the page says);
    tests/cli/test_pair_*.py run ``--new-only`` on programmes of a few households."""
    return argv[1:2] == ["pair"] and "--new-only" in argv and "--area" in argv


def _the_other_choice(argv: list[str], before: list[Ran]) -> bool:
    """``pair discard 1  # or throw the proposal away``: the choice the line before did not
    make (``pair commit 1``); a committed proposal is not discarded."""
    return argv[1:3] == ["pair", "discard"] and any(
        re.search(rf"pair commit {argv[3]}\b", r.line.text) for r in before if not r.skipped
    )


def _recorded_already(argv: list[str], before: list[Ran]) -> bool:
    """``visits record`` of a visit a line above recorded (the tour's visit shown again with
    its activities and outcomes): a visit is recorded once, the second time refused."""
    if argv[1:3] != ["visits", "record"]:
        return False
    key = argv[3], argv[argv.index("--start") + 1]
    return any(
        r.line.text.split()[1:4] == ["visits", "record", key[0]]
        and f"--start {key[1]}" in r.line.text
        for r in before
        if not r.skipped
    )


def _every_visit_as_xlsx(argv: list[str], _: list[Ran]) -> bool:
    """``export visits visits.xlsx`` of the whole county planned for a year (about 200,000
    rows, 50 s): ``export visits visits-gz.csv --area GZ`` and tests/cli/test_export_*.py
    export visits, XLSX among them."""
    return argv[1:3] == ["export", "visits"] and argv[3].endswith(".xlsx") and "--area" not in argv


CLI_SKIP = {
    "a synopsis with placeholders": _placeholder,
    "a Dask scheduler on the reader's network": _needs_a_scheduler,
    "a server that runs until stopped": _serves,
    "an input file the reader brings": _reads_a_file_the_page_never_writes,
    "every household of a county new (minutes)": _every_household_new_on_a_county,
    "the other choice": _the_other_choice,
    "a visit recorded already": _recorded_already,
    "every visit of a county as XLSX (50 s)": _every_visit_as_xlsx,
}


def test_the_readme_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README's second ``sh`` block, line by line, on the database it exports (``var/tour.db``
    in a new folder): every command exits 0, and writes the files and proposal it says."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    tour = blocks(ROOT / "README.md")[1]
    shell = Shell(env=dict(DOCS_ENV), skip=CLI_SKIP)
    for line in tour:
        _check_said(shell.run(line))
    assert "DOORSTEP_DATABASE_URL" in shell.env
    assert not shell.skipped


def _cli_shell(county: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Shell:
    """A shell in ``folder`` over a copy of the county demo."""
    monkeypatch.chdir(folder)
    shutil.copy(county, folder / "doorstep.db")
    return Shell(
        env={**DOCS_ENV, "DOORSTEP_DATABASE_URL": f"sqlite:///{folder / 'doorstep.db'}"},
        skip=CLI_SKIP,
    )


@pytest.mark.slow
def test_the_cli_pages_overview_runs(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/cli.md's first block, the page's overview of the commands, in order on the county
    demo: its synopses (``import ENTITY FILE``) and inputs the reader brings are skipped."""
    shell = _cli_shell(county, tmp_path, monkeypatch)
    for line in blocks(ROOT / "docs" / "cli.md")[0]:
        _check_said(shell.run(line))
    assert set(shell.skipped) == {
        "a synopsis with placeholders",
        "an input file the reader brings",
    }, shell.skipped


@pytest.mark.slow
def test_the_cli_pages_examples_run_on_the_county_it_pairs_and_plans(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/cli.md's other blocks, in the page's order on one county demo: the second pairs,
    commits and plans it (from 2027-01-04, as the page says, on the page's day: DOCS_DAY), and
    each later section's examples are of that county, paired and planned."""
    shell = _cli_shell(county, tmp_path, monkeypatch)
    for block in blocks(ROOT / "docs" / "cli.md")[1:]:
        for line in block:
            _check_said(shell.run(line))
    ran = [r for r in shell.ran if not r.skipped]
    assert len(ran) > 50, len(ran)
    # Each rule skipped what its docstring says, and no more: one line each, or the five
    # imports of files the reader brings; the synopses are all in the overview.
    skipped = {rule: len(lines) for rule, lines in shell.skipped.items()}
    expected = {rule: 5 if "reader brings" in rule else 1 for rule in CLI_SKIP}
    del expected["a synopsis with placeholders"]
    assert skipped == expected, shell.skipped
    assert Path("sync.csv").is_file() and Path("overdue.csv").read_text(encoding="utf-8")
