"""Every route of the API, called while another writer holds SQLite's lock and then commits,
waits its turn and answers rather than refusing with "run it again" (409): each writes what
it changes, or the audit events of what it read. See ``tests/factories/busy_writer``.

On PostgreSQL, each route that changes records (and one that only reads) runs while another
transaction is busy as an import of every kind, and must wait for it and then complete:
see ``tests/factories/busy_postgres``.

A new route fails :func:`test_every_route_is_called_here_with_another_writer_busy` until it
is added to :func:`_requests` (or, if it writes nothing at all, to :data:`WRITES_NOTHING`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from doorstep.api.app import PREFIX, create_app
from tests.api.conftest import TODAY
from tests.conftest import PostgresProgramme
from tests.factories.busy_postgres import asked_while_busy, serving_postgres
from tests.factories.busy_writer import Programme, Seen, asked_in_turn, in_turn, serving


class Call(NamedTuple):
    """A request: its URL, its ``TestClient.request`` keywords, and the account that sends
    it."""

    url: str
    keywords: dict[str, Any]
    who: str = "boss"


#: Routes that write nothing, not even an audit event: they read no one's data (checked).
WRITES_NOTHING = {
    ("GET", "/me"),
    ("GET", "/activities"),
    ("GET", "/cadence"),
    ("GET", "/pairing/proposals"),
    ("GET", "/projects"),
    ("GET", "/imports/{entity}/template.xlsx"),
}

#: Routes that change no record, only add the audit events of what they read: on
#: PostgreSQL their one write, an insert of new rows, waits for the other and can meet
#: nothing it wrote; one of them, :data:`READ_ON_POSTGRES`, is called there for them all.
ONLY_READ = {
    ("GET", path)
    for path in (
        *("/visits/calendar", "/visits/{kind}", "/visits/{kind}.xlsx"),
        *("/households", "/households/{household}"),
        *("/pairing/proposals/{proposal}", "/pairing/proposals/{proposal}/diff", "/report"),
        *("/audit", "/outcomes", "/referrals", "/checks/sizes", "/checks/sizes.csv"),
        *("/exclusions", "/accounts", "/visitors", "/visitors/{visitor}"),
    )
} | WRITES_NOTHING
READ_ON_POSTGRES = ("GET", "/households/{household}")

_HOUSEHOLD_FILE = b"household_id,head_name,address,area_code,lat,lon,members,languages,consent,consent_date\nH9,Li Na,1 Road,R-C-V1,26.59,106.7,3,zh,given,2027-01-02\n"  # noqa: E501


def _requests(first: str) -> dict[tuple[str, str], Call]:
    """A request each route answers on :func:`busy_programme`'s programme, by method and
    path (below the prefix); ``first``: the first day of H0's first planned visit."""
    visit = {"household": "H0", "visitor": "V1", "start": first}
    return {
        ("GET", "/me"): Call("/me", {}),
        ("GET", "/visits/calendar"): Call("/visits/calendar", {}, "v1"),
        ("GET", "/visits/{kind}"): Call("/visits/due", {}),
        ("GET", "/visits/{kind}.xlsx"): Call("/visits/upcoming.xlsx", {"params": {"days": 60}}),
        ("POST", "/visits"): Call("/visits", {"json": visit}, "v1"),
        ("POST", "/visits/missed"): Call("/visits/missed", {"json": visit}, "v1"),
        ("GET", "/households"): Call("/households", {"params": {"q": "H"}}),
        ("POST", "/households/{household}/consent"): Call(
            "/households/H2/consent", {"json": {"state": "withdrawn", "evidence": "a letter"}}
        ),
        ("GET", "/households/{household}/pairing"): Call("/households/H0/pairing", {}),
        ("POST", "/pairing/proposals"): Call("/pairing/proposals", {"json": {"area": "R"}}),
        ("GET", "/pairing/proposals"): Call("/pairing/proposals", {}),
        ("GET", "/pairing/proposals/{proposal}"): Call("/pairing/proposals/2", {}),
        ("GET", "/pairing/proposals/{proposal}/diff"): Call("/pairing/proposals/2/diff", {}),
        ("POST", "/pairing/proposals/{proposal}/commit"): Call("/pairing/proposals/2/commit", {}),
        ("POST", "/pairing/proposals/{proposal}/discard"): Call("/pairing/proposals/2/discard", {}),
        ("POST", "/plans"): Call("/plans", {"json": {"area": "R", "months": 1}}),
        ("GET", "/households/{household}/export"): Call("/households/H1/export", {}),
        ("POST", "/households/{household}/erase"): Call(
            "/households/H2/erase", {"json": {"confirm": "H2"}}
        ),
        ("GET", "/visitors/{visitor}/export"): Call("/visitors/V1/export", {}),
        ("POST", "/visitors/{visitor}/erase"): Call(
            "/visitors/V2/erase", {"json": {"confirm": "V2"}}
        ),
        ("GET", "/report"): Call("/report", {"params": {"area": "R"}}),
        ("GET", "/outcomes"): Call("/outcomes", {"params": {"area": "R"}}),
        ("GET", "/activities"): Call("/activities", {}),
        ("POST", "/activities"): Call(
            "/activities",
            {
                "json": {
                    **{"code": "CAMP", "kind": "summer_camp", "title": "Camp"},
                    **{"area": "R-C-V1", "starts_on": "2027-02-01"},
                }
            },
        ),
        ("POST", "/activities/{code}/attendance"): Call(
            "/activities/CLASS/attendance", {"json": {"households": ["H0"]}}
        ),
        ("GET", "/projects"): Call("/projects", {}),
        ("GET", "/imports/{entity}/template.xlsx"): Call("/imports/households/template.xlsx", {}),
        ("POST", "/projects"): Call(
            "/projects",
            {
                "json": {
                    **{"code": "PUMP", "title": "Pump", "sponsor": "S1"},
                    **{"area": "R-C-V1", "starts_on": "2027-01-05"},
                }
            },
        ),
        ("POST", "/projects/{code}/status"): Call(
            "/projects/WELL/status", {"json": {"status": "running"}}
        ),
        ("POST", "/projects/{code}/households"): Call(
            "/projects/WELL/households", {"json": {"households": ["H0"]}}
        ),
        ("GET", "/referrals"): Call("/referrals", {}),
        ("POST", "/referrals"): Call(
            "/referrals",
            {"json": {"household": "H0", "organisation": "JOBS", "service": "employment"}},
        ),
        ("POST", "/referrals/{number}/status"): Call(
            "/referrals/1/status", {"json": {"status": "withdrawn"}}
        ),
        ("POST", "/imports/{entity}"): Call(
            "/imports/households",
            {"files": {"file": ("households.csv", io.BytesIO(_HOUSEHOLD_FILE))}},
        ),
        ("GET", "/checks/sizes"): Call("/checks/sizes", {"params": {"area": "R"}}),
        ("GET", "/checks/sizes.csv"): Call("/checks/sizes.csv", {"params": {"area": "R"}}),
        ("GET", "/exclusions"): Call("/exclusions", {}),
        ("POST", "/exclusions"): Call(
            "/exclusions", {"json": {"household": "H2", "visitor": "V2"}}
        ),
        ("DELETE", "/exclusions"): Call(
            "/exclusions", {"params": {"household": "H1", "visitor": "V2"}}
        ),
        ("GET", "/accounts"): Call("/accounts", {}),
        ("POST", "/accounts"): Call("/accounts", {"json": {"name": "helper", "role": "manager"}}),
        ("POST", "/accounts/{name}/tokens"): Call("/accounts/coord/tokens", {"json": {"days": 7}}),
        ("POST", "/accounts/{name}/disable"): Call("/accounts/coord/disable", {}),
        ("GET", "/audit"): Call("/audit", {"params": {"limit": 5}}),
        ("GET", "/cadence"): Call("/cadence", {}),
        ("PUT", "/cadence"): Call("/cadence", {"json": {"max_gap_days": 30}}),
        ("GET", "/visitors"): Call("/visitors", {"params": {"q": "V"}}),
        ("GET", "/households/{household}"): Call("/households/H0", {}),
        ("GET", "/visitors/{visitor}"): Call("/visitors/V1", {}),
    }


def _routes() -> set[tuple[str, str]]:
    """Each route of the API, by method and path below the prefix (``{x:path}`` as
    ``{x}``)."""
    paths = create_app("sqlite://").openapi()["paths"]
    return {
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in paths.items()
        for method in operations
    }


def test_every_route_is_called_here_with_another_writer_busy() -> None:
    assert _routes() == set(_requests("2027-01-04"))
    assert _routes() >= ONLY_READ


@pytest.fixture(scope="module")
def app() -> Iterator[FastAPI]:
    """The API, made once: each case has it serve a copy of the programme (``serving``)."""
    app = create_app("sqlite://", today=lambda: TODAY)
    yield app
    app.state.engine.dispose()


@pytest.mark.parametrize("route", sorted(_requests("2027-01-04")), ids=lambda r: " ".join(r))
def test_a_route_waits_for_another_writer_and_answers(
    route: tuple[str, str], busy_template: Programme, app: FastAPI, tmp_path: Path
) -> None:
    assert busy_template.first < TODAY

    def run(other: str) -> Seen:
        # Asked anew each time: a file sent is read to its end.
        call = _requests(busy_template.first.isoformat())[route]
        headers = {"Authorization": f"Bearer {busy_template.tokens[call.who]}"}
        folder = tmp_path / other.replace(" ", "_")
        folder.mkdir()
        with serving(app, busy_template.path, folder) as path, TestClient(app) as client:
            return asked_in_turn(
                other,
                path,
                lambda: client.request(
                    route[0], PREFIX + call.url, headers=headers, **call.keywords
                ),
                writes=route not in WRITES_NOTHING,
            )

    in_turn(run)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "route",
    sorted(set(_requests("2027-01-04")) - ONLY_READ | {READ_ON_POSTGRES}),
    ids=lambda r: " ".join(r),
)
def test_a_route_waits_for_another_postgresql_transaction_and_answers(
    route: tuple[str, str], busy_postgres: PostgresProgramme, app: FastAPI
) -> None:
    # See ``tests/factories/busy_postgres``.
    call = _requests(busy_postgres.first.isoformat())[route]
    headers = {"Authorization": f"Bearer {busy_postgres.tokens[call.who]}"}
    with serving_postgres(app, busy_postgres.url) as url, TestClient(app) as client:
        asked_while_busy(
            url,
            lambda: client.request(route[0], PREFIX + call.url, headers=headers, **call.keywords),
            writes=route not in WRITES_NOTHING,
        )
