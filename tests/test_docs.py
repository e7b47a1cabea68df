"""The docs say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from doorstep.demo import DemoProgramme, generate
from doorstep.services.importing.column_docs import markdown
from doorstep.services.importing.columns import SCHEMAS

ROOT = Path(__file__).resolve().parents[1]


def test_readme_starts_with_the_two_commands_a_newcomer_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None
    lines = [ln.split("#")[0].strip() for ln in block.group(1).splitlines()]
    assert lines[:2] == ["make run", "make test"]


def test_readme_lists_the_import_columns_the_code_validates() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    inside = text.split("<!-- columns:start -->\n")[1].split("<!-- columns:end -->")[0]
    assert inside == markdown()


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _sh_blocks(path: Path) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def _named(block: str, option: str) -> set[str]:
    return set(re.findall(rf"{option} (\S+)", block))


@pytest.fixture(scope="module")
def village() -> DemoProgramme:
    return generate(preset="village", seed=1)


@pytest.fixture(scope="module")
def county() -> DemoProgramme:
    return generate(preset="county", seed=1)


def test_the_readme_tour_names_households_and_areas_of_the_village_demo(
    village: DemoProgramme,
) -> None:
    tour = _sh_blocks(ROOT / "README.md")[1]
    assert "demo --preset village" in tour
    households = set(re.findall(r"\bH\d{7}\b", tour))
    assert households
    assert households <= set(village.households["household_id"])
    assert _named(tour, "--area") <= set(village.areas["code"])


def test_the_cli_tour_names_areas_teams_and_people_of_the_county_demo(
    county: DemoProgramme,
) -> None:
    block = "\n".join(_sh_blocks(ROOT / "docs" / "cli.md"))
    areas, teams = _named(block, "--area"), _named(block, "--team")
    visitors = _named(block, "--visitor") | set(re.findall(r"\bV\d{7}\b", block))
    households = set(re.findall(r"\bH\d{7}\b", block))
    assert areas and teams and visitors and households
    assert areas <= set(county.areas["code"])
    assert teams <= set(county.teams["code"])
    assert visitors <= set(county.visitors["visitor_id"])
    assert households <= set(county.households["household_id"])


def test_the_demo_page_example_writes_files_doorstep_import_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (ROOT / "docs" / "demo.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    monkeypatch.chdir(tmp_path)
    # The village instead of the county: the same code, in a second instead of several.
    exec(code.group(1).replace('preset="county"', 'preset="village"'), {})
    written = {p.stem for p in (tmp_path / "demo").glob("*.csv")}
    assert set(SCHEMAS) <= written
    for entity, schema in SCHEMAS.items():
        header = (tmp_path / "demo" / f"{entity}.csv").read_text(encoding="utf-8-sig")
        assert set(header.splitlines()[0].split(",")) <= set(schema.names), entity


def test_the_visit_record_and_missed_examples_are_dated_after_their_visit() -> None:
    # A visit is recorded once made: an example whose days are after today is refused.
    from doorstep.cli import visits

    helps = [(visits.record_cmd.__doc__ or ""), (visits.missed_cmd.__doc__ or "")]
    lines = [
        line
        # A command continued with a backslash is one line.
        for line in "\n".join([*_sh_blocks(ROOT / "docs" / "cli.md"), *helps])
        .replace("\\\n", " ")
        .splitlines()
        if re.search(r"doorstep visits (record|missed) ", line)
    ]
    assert len(lines) >= 4  # the tour's two and the two commands' help
    for line in lines:
        (today,) = _named(line, "--today")
        days = [
            line.split(f"{flag} ")[1].split()[0] for flag in ("--start", "--end") if flag in line
        ]
        assert days and all(day <= today for day in days), line


def test_the_visit_record_and_missed_help_examples_are_the_tours_planned_visits() -> None:
    # `visits missed` marks a planned visit starting on --start: its example, starting on
    # 2027-03-08, named no visit of the county demo's plan from 2027-01-04 and was refused.
    # The tour in docs/cli.md names the plan's visits; the help's examples take those.
    from doorstep.cli import visits

    def visit(line: str) -> tuple[str, str, str]:
        verb, household = re.findall(r"doorstep visits (record|missed) (H\d{7})", line)[0]
        return verb, household, line.split("--start ")[1].split()[0]

    tour = "\n".join(_sh_blocks(ROOT / "docs" / "cli.md")).replace("\\\n", " ")
    planned = {visit(ln) for ln in tour.splitlines() if re.search(r"visits (record|missed) H", ln)}
    for fn in (visits.record_cmd, visits.missed_cmd):
        example = " ".join((fn.__doc__ or "").split("Example:")[-1].split())
        assert visit(example) in planned, (example, planned)


def test_the_visits_help_examples_name_the_county_demos_areas_teams_and_visitors(
    county: DemoProgramme,
) -> None:
    from doorstep.cli import visits

    examples = "\n".join(
        line
        for fn in (
            visits.overdue_cmd,
            visits.due_cmd,
            visits.upcoming_cmd,
            visits.calendar_cmd,
            visits.record_cmd,
            visits.missed_cmd,
        )
        for line in (fn.__doc__ or "").splitlines()
        if "Example:" in line
    )
    assert _named(examples, "--area") <= set(county.areas["code"])
    assert _named(examples, "--team") <= set(county.teams["code"])
    assert _named(examples, "--visitor") <= set(county.visitors["visitor_id"])
    assert set(re.findall(r"\bH\d{7}\b", examples)) <= set(county.households["household_id"])
    assert _named(examples, "--area") and _named(examples, "--visitor")


def test_the_glossary_and_the_cli_page_list_every_activity_and_outcome_code() -> None:
    from doorstep.domain.visit_codes import Activity, Outcome

    for page in ("glossary.md", "cli.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        missing = [c.value for c in (*Activity, *Outcome) if f"`{c.value}`" not in text]
        assert not missing, (page, missing)
