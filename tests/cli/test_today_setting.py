"""``DOORSTEP_TODAY``: the day the command line takes for today where ``--today`` is not given
(demos, training, the docs' story of fixed days), on SQLite and PostgreSQL."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.config import get_settings
from tests.cli.conftest import Invoke
from tests.cli.test_serve_tls import _free_port, _serving
from tests.factories.audit import events_about
from tests.factories.visits import first_planned, plan_three

#: Days after the machine's while these tests are current (the plan of ``plan_three`` starts
#: on 2027-01-04): as the machine's date, each would refuse what the setting lets through.
LATER = "2027-03-31"
THEN = "2027-02-01"


def _pretend(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    monkeypatch.setenv("DOORSTEP_TODAY", day)
    get_settings.cache_clear()  # the cli fixture read the settings without it


def test_a_visit_is_recorded_as_of_the_setting_and_its_trail_says_so(
    cli: Invoke, with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_three(with_areas, tmp_path)
    first = str(first_planned(with_areas, "H0")[0])
    _pretend(monkeypatch, LATER)
    recorded = cli("visits", "record", "H0", "--visitor", "V1", "--start", first)
    assert recorded.exit_code == 0, recorded.output  # not "after today"
    missed = str(first_planned(with_areas, "H1")[0])
    marked = cli("visits", "missed", "H1", "--visitor", "V1", "--start", missed)
    assert marked.exit_code == 0, marked.output
    details = [d for _, _, d in events_about(with_areas, "household") if "visitor" in d]
    assert [(d["status"], d.get("today")) for d in details] == [
        ("done", LATER),
        ("missed", LATER),
    ], details


def test_today_wins_over_the_setting(
    cli: Invoke, with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_three(with_areas, tmp_path)
    first = str(first_planned(with_areas, "H0")[0])
    _pretend(monkeypatch, "2027-01-01")  # before the visit: refused as after today
    refused = cli("visits", "record", "H0", "--visitor", "V1", "--start", first)
    assert refused.exit_code == 2 and "after today" in refused.output, refused.output
    done = cli("visits", "record", "H0", "--visitor", "V1", "--start", first, "--today", LATER)
    assert done.exit_code == 0, done.output
    # The refused attempt's event, then the visit's: each under the day it was made as of.
    made = [d.get("today") for _, _, d in events_about(with_areas, "household") if "visitor" in d]
    assert made == ["2027-01-01", LATER], made


def test_lists_read_as_of_the_setting(
    cli: Invoke, with_areas: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan_three(with_areas, tmp_path)
    first = str(first_planned(with_areas, "H0")[0])
    _pretend(monkeypatch, first)
    upcoming = cli("visits", "upcoming", "--area", "R", "--days", "1", "--format", "json")
    assert upcoming.exit_code == 0, upcoming.output
    assert "H0" in {r["household"] for r in json.loads(upcoming.output)}


def test_pairs_commit_and_plan_as_of_the_setting(
    cli: Invoke, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither ``pair commit`` nor ``plan --area`` takes ``--today``: the pairings begin on the
    setting's day, and a plan starts there by default and refuses a start before it."""
    assert cli("demo", "--preset", "village", "--quiet").exit_code == 0
    with engine.connect() as conn:
        root = conn.execute(text("SELECT code FROM areas WHERE depth = 0")).scalar_one()
    _pretend(monkeypatch, THEN)
    proposed = cli("pair", "--area", root, "--quiet")
    assert proposed.exit_code == 0, proposed.output
    number = json.loads(proposed.output.strip().splitlines()[-1])["proposal"]
    assert cli("pair", "commit", str(number)).exit_code == 0
    early = cli("plan", "--area", root, "--start", "2027-01-04", "--quiet")
    assert early.exit_code == 2 and "2027-01-04" in early.output, early.output
    planned = cli("plan", "--area", root, "--months", "2", "--quiet")
    assert planned.exit_code == 0, planned.output
    with engine.connect() as conn:
        began = conn.execute(text("SELECT DISTINCT started_on FROM pairings")).scalars().all()
        first = conn.execute(text("SELECT MIN(planned_start) FROM visits")).scalar_one()
    assert [str(d) for d in began] == [THEN]
    assert str(first) >= THEN


@pytest.mark.parametrize("value", ["2027-13-01", "20270101", "tomorrow"])
def test_a_day_that_is_not_one_is_refused_naming_the_variable(
    cli: Invoke, engine: Engine, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    _pretend(monkeypatch, value)
    result = cli("visits", "due", "--area", "R")
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"DOORSTEP_TODAY is not a date (YYYY-MM-DD): '{value}'" in said, said
    assert "Traceback" not in result.output


def test_the_served_site_takes_the_setting_for_today(
    cli: Invoke, with_areas: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``doorstep serve`` (in a process of its own) gives the site the setting's day, and says
    so: a plan from a day before it is refused as before today, that day named."""
    assert cli("account", "add", "boss", "--role", "manager", "--area", "R").exit_code == 0
    token = cli("account", "token", "boss").output.strip().splitlines()[-1]
    _pretend(monkeypatch, LATER)
    port = _free_port()
    with _serving(db_url, "--port", str(port)) as served:
        served.wait_for(port)
        site = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps({"area": "R-C", "start": "2027-01-04"})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        site.request("POST", "/api/v1/plans", body=body, headers=headers)
        answer = site.getresponse()
        said = answer.read().decode()
    assert answer.status == 422 and f"before today ({LATER})" in said, (answer.status, said)
    assert f"DOORSTEP_TODAY is set: the site takes {LATER} for today" in served.stderr
