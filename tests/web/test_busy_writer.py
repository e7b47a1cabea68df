"""Every page and form of the web app (the outbox's sync addresses too), asked while another
writer holds SQLite's lock and then commits, waits its turn and answers rather than saying
"run it again": a page that shows anyone's data writes its audit events, a form what it
changes. See ``tests/factories/busy_writer``.

On PostgreSQL, each page and form that changes records (and one that only reads) runs while another
transaction is busy as an import of every kind, and must wait for it and then complete:
see ``tests/factories/busy_postgres``.

A new page or form fails :func:`test_every_page_is_asked_here_with_another_writer_busy`
until it is added to :func:`_requests` (or, if it writes nothing at all, to
:data:`WRITES_NOTHING`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from doorstep.web.app import create_app
from tests.api.conftest import TODAY
from tests.conftest import PostgresProgramme
from tests.factories.busy_postgres import asked_while_busy, serving_postgres
from tests.factories.busy_writer import Programme, Seen, asked_in_turn, in_turn, serving


class Ask(NamedTuple):
    """A request: its URL, its ``TestClient.request`` keywords, and the account signed in
    (``None``: no one)."""

    url: str
    keywords: dict[str, Any]
    who: str | None = "boss"


#: Pages that write nothing, not even an audit event (checked): forms with nothing of
#: anyone's in them, the phone's files, the language switch, signing in and out (a token
#: checked), the home page, and the lists of activities, projects and proposals.
WRITES_NOTHING = {
    ("GET", "/"),
    ("GET", "/activities"),
    ("GET", "/pairing"),
    ("GET", "/projects"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/language/{tag}"),
    ("GET", "/sw.js"),
    ("GET", "/manifest.webmanifest"),
    ("GET", "/consent"),
    ("GET", "/refer"),
    ("GET", "/planning"),
    ("GET", "/imports"),
    ("GET", "/cadence"),
    ("GET", "/areas/choices"),
    ("GET", "/imports/{kind}.xlsx"),
}

#: Pages that change no record, only add the audit events of what they read: on
#: PostgreSQL their one write, an insert of new rows, waits for the other and can meet
#: nothing it wrote; one of them, :data:`READ_ON_POSTGRES`, is asked there for them all.
ONLY_READ = {
    ("GET", path)
    for path in (
        *("/lists/{kind}", "/lists/{kind}.xlsx", "/calendar.ics", "/figures", "/figures.xlsx"),
        "/outcomes",
        "/household",
        *("/visitor", "/record", "/pairing/{proposal}"),
        *("/referrals", "/checks/sizes", "/checks/sizes.csv"),
        *("/exclusions", "/accounts", "/audit", "/files/household", "/files/visitor"),
    )
} | WRITES_NOTHING
READ_ON_POSTGRES = ("GET", "/household")

_HOUSEHOLD_FILE = (
    b"household_id,head_name,address,area_code,lat,lon,members,languages,consent,consent_date\n"
    b"H9,Li Na,1 Road,R-C-V1,26.59,106.7,3,zh,given,2027-01-02\n"
)


def _requests(first: str) -> dict[tuple[str, str], Ask]:
    """A request each page answers on :func:`busy_programme`'s programme, by method and
    path; ``first``: the first day of H0's first planned visit."""
    visit = {"household": "H0", "visitor": "V1", "start": first}
    consent = {"state": "withdrawn", "evidence": "a letter"}
    referral = {"household": "H0", "organisation": "JOBS", "service": "employment"}
    return {
        ("GET", "/login"): Ask("/login", {}, None),
        ("POST", "/login"): Ask("/login", {"data": {"token": "{boss}"}}, None),
        ("POST", "/logout"): Ask("/logout", {}),
        ("GET", "/"): Ask("/", {}),
        ("GET", "/lists/{kind}"): Ask("/lists/due", {}),
        ("GET", "/lists/{kind}.xlsx"): Ask("/lists/upcoming.xlsx", {"params": {"days": 60}}),
        ("GET", "/areas/choices"): Ask("/areas/choices", {"params": {"q": "v"}}),
        ("GET", "/imports/{kind}.xlsx"): Ask("/imports/households.xlsx", {}),
        ("GET", "/calendar.ics"): Ask("/calendar.ics", {}, "v1"),
        ("GET", "/figures"): Ask("/figures", {"params": {"area": "R"}}),
        ("GET", "/figures.xlsx"): Ask("/figures.xlsx", {"params": {"area": "R", "by": "month"}}),
        ("GET", "/outcomes"): Ask("/outcomes", {"params": {"area": "R"}}),
        ("GET", "/household"): Ask("/household", {"params": {"id": "H0"}}),
        ("GET", "/household/export"): Ask("/household/export", {"params": {"id": "H1"}}),
        ("POST", "/household/erase"): Ask(
            "/household/erase", {"data": {"id": "H2", "confirm": "H2"}}
        ),
        ("GET", "/visitor"): Ask("/visitor", {"params": {"id": "V1"}}),
        ("GET", "/visitor/export"): Ask("/visitor/export", {"params": {"id": "V1"}}),
        ("POST", "/visitor/erase"): Ask("/visitor/erase", {"data": {"id": "V2", "confirm": "V2"}}),
        ("GET", "/language/{tag}"): Ask("/language/en", {"params": {"back": "/"}}),
        ("GET", "/record"): Ask("/record", {}, "v1"),
        ("POST", "/record"): Ask("/record", {"data": visit}, "v1"),
        ("POST", "/record/missed"): Ask("/record/missed", {"data": visit}, "v1"),
        ("POST", "/record/sync"): Ask("/record/sync", {"json": visit}, "v1"),
        ("POST", "/record/missed/sync"): Ask("/record/missed/sync", {"json": visit}, "v1"),
        ("GET", "/consent"): Ask("/consent", {"params": {"household": "H2"}}),
        ("POST", "/consent"): Ask("/consent", {"data": {"household": "H2", **consent}}),
        ("POST", "/consent/sync"): Ask("/consent/sync", {"json": {"household": "H2", **consent}}),
        ("GET", "/refer"): Ask("/refer", {"params": {"household": "H0"}}),
        ("POST", "/refer"): Ask("/refer", {"data": referral}),
        ("POST", "/refer/sync"): Ask("/refer/sync", {"json": referral}),
        ("GET", "/sw.js"): Ask("/sw.js", {}, None),
        ("GET", "/manifest.webmanifest"): Ask("/manifest.webmanifest", {}, None),
        ("GET", "/pairing"): Ask("/pairing", {}),
        ("POST", "/pairing"): Ask("/pairing", {"data": {"area": "R"}}),
        ("GET", "/pairing/{proposal}"): Ask("/pairing/2", {}),
        ("GET", "/pairing/explain"): Ask("/pairing/explain", {"params": {"household": "H1"}}),
        ("POST", "/pairing/{proposal}/commit"): Ask("/pairing/2/commit", {}),
        ("POST", "/pairing/{proposal}/discard"): Ask("/pairing/2/discard", {}),
        ("GET", "/planning"): Ask("/planning", {}),
        ("POST", "/planning"): Ask("/planning", {"data": {"area": "R", "months": "1"}}),
        ("GET", "/activities"): Ask("/activities", {}),
        ("POST", "/activities"): Ask(
            "/activities",
            {
                "data": {
                    **{"code": "CAMP", "kind": "summer_camp", "title": "Camp"},
                    **{"area": "R-C-V1", "starts_on": "2027-02-01"},
                }
            },
        ),
        ("POST", "/activities/attendance"): Ask(
            "/activities/attendance", {"data": {"code": "CLASS", "households": "H0"}}
        ),
        ("GET", "/projects"): Ask("/projects", {}),
        ("POST", "/projects"): Ask(
            "/projects",
            {
                "data": {
                    **{"code": "PUMP", "title": "Pump", "sponsor": "S1"},
                    **{"area": "R-C-V1", "starts_on": "2027-01-05"},
                }
            },
        ),
        ("POST", "/projects/status"): Ask(
            "/projects/status", {"data": {"code": "WELL", "status": "running"}}
        ),
        ("POST", "/projects/households"): Ask(
            "/projects/households", {"data": {"code": "WELL", "households": "H0"}}
        ),
        ("GET", "/referrals"): Ask("/referrals", {}),
        ("POST", "/referrals"): Ask("/referrals", {"data": referral}),
        ("POST", "/referrals/status"): Ask(
            "/referrals/status", {"data": {"number": "1", "status": "withdrawn"}}
        ),
        ("GET", "/imports"): Ask("/imports", {}),
        ("POST", "/imports"): Ask(
            "/imports",
            {
                "data": {"kind": "households"},
                "files": {"file": ("households.csv", io.BytesIO(_HOUSEHOLD_FILE))},
            },
        ),
        ("GET", "/checks/sizes"): Ask("/checks/sizes", {"params": {"area": "R"}}),
        ("GET", "/checks/sizes.csv"): Ask("/checks/sizes.csv", {"params": {"area": "R"}}),
        ("GET", "/exclusions"): Ask("/exclusions", {}),
        ("POST", "/exclusions"): Ask("/exclusions", {"data": {"household": "H2", "visitor": "V2"}}),
        ("POST", "/exclusions/remove"): Ask(
            "/exclusions/remove", {"data": {"household": "H1", "visitor": "V2"}}
        ),
        ("GET", "/accounts"): Ask("/accounts", {}),
        ("POST", "/accounts"): Ask("/accounts", {"data": {"name": "helper", "role": "manager"}}),
        ("POST", "/accounts/token"): Ask("/accounts/token", {"data": {"name": "coord"}}),
        ("POST", "/accounts/disable"): Ask("/accounts/disable", {"data": {"name": "coord"}}),
        ("GET", "/audit"): Ask("/audit", {}),
        ("GET", "/files/household"): Ask("/files/household", {"params": {"id": "H0"}}),
        ("GET", "/files/visitor"): Ask("/files/visitor", {"params": {"id": "V1"}}),
        ("GET", "/cadence"): Ask("/cadence", {}),
        ("POST", "/cadence"): Ask("/cadence", {"data": {"max_gap_days": "30"}}),
    }


def _pages() -> set[tuple[str, str]]:
    """Each page and form of the web app by method and path (``{x:path}`` as ``{x}``),
    but the API's routes (tests/api), its documents and the static files."""
    app = create_app("sqlite://")
    found: set[tuple[str, str]] = set()
    for route in app.router.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for context in contexts() if contexts is not None else ():
            if context.path.startswith("/api/"):
                continue
            for method in context.methods or ():
                found.add((method, context.path.replace(":path}", "}")))
    return found


def test_every_page_is_asked_here_with_another_writer_busy() -> None:
    assert _pages() == set(_requests("2027-01-04"))
    assert _pages() >= ONLY_READ


@pytest.fixture(scope="module")
def app() -> Iterator[FastAPI]:
    """The web app, made once: each case has it serve a copy of the programme
    (``serving``)."""
    app = create_app("sqlite://", today=lambda: TODAY)
    yield app
    app.state.engine.dispose()


@pytest.mark.parametrize("page", sorted(_requests("2027-01-04")), ids=lambda r: " ".join(r))
def test_a_page_waits_for_another_writer_and_answers(
    page: tuple[str, str], busy_template: Programme, app: FastAPI, tmp_path: Path
) -> None:
    assert busy_template.first < TODAY
    tokens = busy_template.tokens

    def run(other: str) -> Seen:
        # Asked anew each time: a file sent is read to its end.
        ask = _requests(busy_template.first.isoformat())[page]
        keywords = dict(ask.keywords)
        if "data" in keywords:
            keywords["data"] = {k: v.format(**tokens) for k, v in keywords["data"].items()}
        folder = tmp_path / other.replace(" ", "_")
        folder.mkdir()
        with (
            serving(app, busy_template.path, folder) as path,
            TestClient(app, follow_redirects=False) as site,
        ):
            if ask.who is not None:
                signed = site.post("/login", data={"token": tokens[ask.who]})
                assert signed.status_code == 303, signed.text
            return asked_in_turn(
                other,
                path,
                lambda: site.request(page[0], ask.url, **keywords),
                writes=page not in WRITES_NOTHING,
            )

    in_turn(run)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "page",
    sorted(set(_requests("2027-01-04")) - ONLY_READ | {READ_ON_POSTGRES}),
    ids=lambda r: " ".join(r),
)
def test_a_page_waits_for_another_postgresql_transaction_and_answers(
    page: tuple[str, str], busy_postgres: PostgresProgramme, app: FastAPI
) -> None:
    # See ``tests/factories/busy_postgres``.
    tokens = busy_postgres.tokens
    ask = _requests(busy_postgres.first.isoformat())[page]
    keywords = dict(ask.keywords)
    if "data" in keywords:
        keywords["data"] = {k: v.format(**tokens) for k, v in keywords["data"].items()}
    with (
        serving_postgres(app, busy_postgres.url) as url,
        TestClient(app, follow_redirects=False) as site,
    ):
        if ask.who is not None:
            signed = site.post("/login", data={"token": tokens[ask.who]})
            assert signed.status_code == 303, signed.text
        asked_while_busy(
            url,
            lambda: site.request(page[0], ask.url, **keywords),
            writes=page not in WRITES_NOTHING,
        )
