"""`GET /api/v1/checks/sizes`: the years stored with more members in work than members, as
`doorstep check sizes` lists them and read in the trail as it reads them, within the
account's area; a visitor's account is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from doorstep.api.app import create_app
from tests.api.conftest import TODAY
from tests.cli.conftest import Invoke, cli  # noqa: F401 - a fixture
from tests.factories.audit import last_event_id

URL = "/api/v1/checks/sizes"
H1 = {"household": "H1", "area": "R-C-V1", "year": 2025, "members": 2, "members_in_work": 3}
H2 = {"household": "H2", "area": "R-C-V2", "year": 2024, "members": 3, "members_in_work": 5}


@pytest.fixture
def api(sized: dict[str, str], db_url: str) -> Iterator[TestClient]:
    app = create_app(db_url, today=lambda: TODAY)
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()


def _as(tokens: dict[str, str], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[name]}"}


def events(engine: Engine, after: int) -> list[tuple[Any, ...]]:
    """The events after ``after``, oldest first, as the trail keeps them but for who wrote
    them: action, entity, entity id, detail and the area's path."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity, entity_id, detail, area_path FROM audit_events "
                "WHERE id > :after ORDER BY id"
            ),
            {"after": after},
        ).all()
    return [(a, e, i, d if isinstance(d, dict) else json.loads(d), p) for a, e, i, d, p in rows]


def test_the_years_listed_and_their_events_are_the_command_line_s(
    api: TestClient,
    sized: dict[str, str],
    engine: Engine,
    cli: Invoke,  # noqa: F811
) -> None:
    before = last_event_id(engine)
    got = api.get(URL, headers=_as(sized, "boss"))
    assert got.status_code == 200, got.text
    assert got.json()["rows"] == [H1, H2]
    by_api = events(engine, before)
    sizes = {"table": "household_indicators", "check": "sizes"}
    assert [e[:4] for e in by_api] == [
        ("read", "household_sizes", None, {"rows": 2, "area": None}),
        ("read", "household", "H1", sizes),
        ("read", "household", "H2", sizes),
    ]
    between = last_event_id(engine)
    assert cli("check", "sizes").exit_code == 0
    assert events(engine, between) == by_api
    # An area's account lists its own area by default, as `--area` lists it.
    before = last_event_id(engine)
    own = api.get(URL, headers=_as(sized, "v1-coord"))
    assert own.json()["rows"] == [H1]
    by_api = events(engine, before)
    assert by_api[0][3] == {"rows": 1, "area": "R-C-V1"} and by_api[0][4] is not None
    between = last_event_id(engine)
    assert cli("check", "sizes", "--area", "R-C-V1").exit_code == 0
    assert events(engine, between) == by_api
    with engine.connect() as conn:
        actors = conn.execute(
            text("SELECT DISTINCT actor FROM audit_events WHERE id > :a AND id <= :b"),
            {"a": before, "b": between},
        )
        assert actors.scalars().all() == ["api:v1-coord"]


def test_an_area_s_account_sees_its_own_households_alone_and_is_refused_another_area(
    api: TestClient, sized: dict[str, str], engine: Engine
) -> None:
    assert api.get(URL, headers=_as(sized, "v2-coord")).json()["rows"] == [H2]
    within = api.get(URL, params={"area": "R-C"}, headers=_as(sized, "boss"))
    assert within.json()["rows"] == [H1, H2]
    before = last_event_id(engine)
    for who, area in (("v2-coord", "R-C-V1"), ("v1-coord", "R")):
        refused = api.get(URL, params={"area": area}, headers=_as(sized, who))
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        own = "R-C-V2" if who == "v2-coord" else "R-C-V1"
        assert refused.json()["detail"] == f"area {area} is outside account {who}'s area {own}"
    unknown = api.get(URL, params={"area": "NOWHERE"}, headers=_as(sized, "boss"))
    assert unknown.status_code == 404, unknown.text
    assert events(engine, before) == []  # refused before anything was read


def test_a_visitor_s_account_is_refused_before_anything_is_read(
    api: TestClient, sized: dict[str, str], engine: Engine
) -> None:
    before = last_event_id(engine)
    refused = api.get(URL, headers=_as(sized, "v1"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "account v1 is a visitor's: stored figures are checked and corrected by an area's "
        "coordinator or manager"
    )
    assert events(engine, before) == []


SIZES = {"table": "household_indicators", "check": "sizes"}


def test_the_list_is_paged_each_page_read_in_the_trail_under_its_own_households(
    api: TestClient, sized: dict[str, str], engine: Engine
) -> None:
    boss = _as(sized, "boss")
    before = last_event_id(engine)
    first = api.get(URL, params={"limit": 1}, headers=boss)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "area": None,
        "total": 2,
        "offset": 0,
        "limit": 1,
        "next_offset": 1,
        "rows": [H1],
    }
    assert [e[:4] for e in events(engine, before)] == [
        ("read", "household_sizes", None, {"rows": 1, "area": None}),
        ("read", "household", "H1", SIZES),
    ]
    between = last_event_id(engine)
    last = api.get(URL, params={"limit": 1, "offset": 1}, headers=boss).json()
    assert (last["rows"], last["total"], last["offset"], last["next_offset"]) == ([H2], 2, 1, None)
    assert [e[:4] for e in events(engine, between)] == [
        ("read", "household_sizes", None, {"rows": 1, "area": None, "offset": 1}),
        ("read", "household", "H2", SIZES),
    ]
    # Past the end: no row, no household read, the total still told.
    between = last_event_id(engine)
    past = api.get(URL, params={"offset": 5}, headers=boss).json()
    assert (past["rows"], past["total"], past["offset"], past["next_offset"]) == ([], 2, 5, None)
    assert [e[:4] for e in events(engine, between)] == [
        ("read", "household_sizes", None, {"rows": 0, "area": None, "offset": 5}),
    ]
    # One page holds the whole list: no next page. An area's page counts its own rows.
    whole = api.get(URL, headers=boss).json()
    assert (whole["rows"], whole["limit"], whole["next_offset"]) == ([H1, H2], 200, None)
    own = api.get(URL, headers=_as(sized, "v1-coord")).json()
    assert (own["area"], own["total"], own["rows"]) == ("R-C-V1", 1, [H1])


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 2001}, {"offset": -1}])
def test_a_page_out_of_bounds_is_refused_before_anything_is_read(
    api: TestClient, sized: dict[str, str], engine: Engine, params: dict[str, int]
) -> None:
    before = last_event_id(engine)
    refused = api.get(URL, params=params, headers=_as(sized, "boss"))
    assert refused.status_code == 422, refused.text
    assert events(engine, before) == []


def test_the_csv_file_is_the_command_s_and_read_in_the_trail_as_it_reads_it(
    api: TestClient,
    sized: dict[str, str],
    engine: Engine,
    cli: Invoke,  # noqa: F811
) -> None:
    for who, area, flags in (
        ("boss", None, []),
        ("v1-coord", None, ["--area", "R-C-V1"]),
        ("boss", "R-C-V2", ["--area", "R-C-V2"]),
    ):
        before = last_event_id(engine)
        params = {} if area is None else {"area": area}
        got = api.get(URL + ".csv", params=params, headers=_as(sized, who))
        assert got.status_code == 200, got.text
        assert got.headers["content-type"].startswith("text/csv")
        shown = area or ("R-C-V1" if who == "v1-coord" else None)
        name = f"household-sizes-{shown}.csv" if shown else "household-sizes.csv"
        assert got.headers["content-disposition"] == f'attachment; filename="{name}"'
        by_api = events(engine, before)
        between = last_event_id(engine)
        done = cli("check", "sizes", *flags, "--format", "csv")
        assert done.exit_code == 0, done.output
        assert got.content == done.stdout_bytes  # byte for byte, its line ends too
        assert events(engine, between) == by_api
    assert got.text.splitlines() == [
        "household,area,year,members,members_in_work",
        "H2,R-C-V2,2024,3,5",
    ]
    assert [e[:4] for e in by_api] == [
        ("read", "household_sizes", None, {"rows": 1, "area": "R-C-V2"}),
        ("read", "household", "H2", SIZES),
    ]


@pytest.mark.parametrize(
    ("who", "area", "status"),
    [("v1", None, 403), ("v2-coord", "R-C-V1", 403), ("v1-coord", "R", 403), ("boss", "NO", 404)],
)
def test_the_csv_file_is_refused_as_the_list_is_before_anything_is_read(
    api: TestClient, sized: dict[str, str], engine: Engine, who: str, area: str | None, status: int
) -> None:
    before = last_event_id(engine)
    params = {} if area is None else {"area": area}
    refused = api.get(URL + ".csv", params=params, headers=_as(sized, who))
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert (
        refused.json()["detail"]
        == api.get(URL, params=params, headers=_as(sized, who)).json()["detail"]
    )
    assert events(engine, before) == []
