"""Commands asked about the calendar's first or last day (0001-01-01, 9999-12-31) answer, or
refuse in one line: a window counted from such a day stops at the calendar's end, never
raising ``OverflowError`` out of the command (a traceback).

Each case is a run of commands on the busy-writer tests' programme
(``tests/factories/busy_writer``); the last one's answer is checked. The awkward-values
test (``test_awkward_values.py``) changes one value of a command at a time; these are the
ends it did not reach that way: two values together (``--today`` with ``--days``), a day
stored earlier (a visit recorded on the last day), today set by ``DOORSTEP_TODAY``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.config import get_settings
from tests.factories.busy_writer import Programme, build_programme, copy_database

LAST = "9999-12-31"
FIRST = "0001-01-01"
#: A visit of V1 to H0, who are paired, on the calendar's last day.
ON_THE_LAST_DAY = ("visits", "record", "H0", "--visitor", "V1", "--start", LAST, "--today", LAST)

#: Each case: the commands run before it (``DOORSTEP_TODAY`` for all of them, or none),
#: the command, and words its answer holds.
CASES: dict[str, tuple[str | None, tuple[tuple[str, ...], ...], tuple[str, ...], str]] = {
    # The window reaches the last day exactly: it holds every day up to it.
    "upcoming to the last day": (
        None,
        (),
        ("visits", "upcoming", "--today", "9999-12-18", "--days", "13"),
        "",
    ),
    # A deadline past the last day is that day.
    "overdue after a visit on the last day": (
        None,
        (ON_THE_LAST_DAY,),
        ("visits", "overdue", "--today", LAST),
        "",
    ),
    "household file after a visit on the last day": (
        None,
        (ON_THE_LAST_DAY,),
        ("household", "show", "H0", "--today", LAST),
        "H0",
    ),
    "visitor file after a visit on the last day": (
        None,
        (ON_THE_LAST_DAY,),
        ("visitor", "show", "V1", "--today", LAST),
        "V1",
    ),
    # No day follows it for DTEND: the event lasts its DURATION.
    "calendar with a visit on the last day": (
        None,
        (ON_THE_LAST_DAY,),
        ("visits", "calendar", "--visitor", "V1", "--out", "v1.ics"),
        "",
    ),
    "report of the first day": (
        None,
        (),
        ("report", "--area", "R", "--from", FIRST, "--to", FIRST, "--today", FIRST),
        "",
    ),
    "report due on the last day": (
        None,
        (),
        ("report", "--area", "R", "--today", LAST, "--days", "366"),
        "",
    ),
    # The handover hint names the day after the last one, when there is one.
    "a last working day on the calendar's last": (
        None,
        (),
        ("visitor", "end", "V1", "--last-day", LAST),
        "still looks after",
    ),
    "pair on the last day": (LAST, (), ("pair", "--area", "R", "--quiet"), ""),
    "pair show on the last day": (LAST, (), ("pair", "show", "2", "--quiet"), ""),
    "erase a visitor on the first day": (FIRST, (), ("visitor", "erase", "V2", "--yes"), "V2"),
}


@pytest.fixture
def programme(
    db_url: str, busy_template: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The busy-writer programme's database, as ``DOORSTEP_DATABASE_URL``."""
    if db_url.startswith("sqlite"):
        db_url = f"sqlite:///{copy_database(busy_template.path, tmp_path / 'db')}"
    else:
        build_programme(db_url, tmp_path)
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_command_at_the_calendars_end_answers_without_a_traceback(
    case: str, programme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    today, before, command, said = CASES[case]
    if today is not None:
        monkeypatch.setenv("DOORSTEP_TODAY", today)
        get_settings.cache_clear()
    run = CliRunner()
    for words in before:
        assert run.invoke(app, list(words)).exit_code == 0, words
    result = run.invoke(app, list(command))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 0, result.output
    assert said in result.output


def test_a_stay_to_the_calendars_last_day_is_written_with_its_duration(
    programme: str,
) -> None:
    run = CliRunner()
    assert run.invoke(app, list(ON_THE_LAST_DAY)).exit_code == 0
    assert (
        run.invoke(app, ["visits", "calendar", "--visitor", "V1", "--out", "v1.ics"]).exit_code == 0
    )
    text = Path("v1.ics").read_text()
    event = text[text.index("DTSTART;VALUE=DATE:99991231") :].split("END:VEVENT")[0]
    assert "DURATION:P1D" in event
    assert "DTEND" not in event
