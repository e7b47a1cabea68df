"""A work list whole, as a spreadsheet, over the API (``GET /visits/{kind}.xlsx``): the
rows every page of the list holds, headed by the rows' field names, within the caller's
scope, read in the trail as the pages are, and told in the spec."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from doorstep.reports.render import XLSX_TYPE
from doorstep.services import work_lists
from tests.api.conftest import TODAY, Headers


def _rows(answer: Any) -> list[dict[str, Any]]:
    """The sheet's rows, by its header."""
    assert answer.status_code == 200, answer.text
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _pages(client: TestClient, headers: dict[str, str], kind: str) -> list[dict[str, Any]]:
    """Every row of the list, a row a page, following ``next``."""
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        query = {"days": 60, "limit": 1, **({"after": after} if after else {})}
        page = client.get(f"/api/v1/visits/{kind}", params=query, headers=headers).json()
        rows += page["rows"]
        after = page["next"]
        if after is None:
            return rows


def _cell(value: Any) -> Any:
    """A cell as the JSON row holds it: a day as its ISO text."""
    return value.date().isoformat() if isinstance(value, dt.datetime) else value


@pytest.mark.parametrize("kind", ["upcoming", "due"])
def test_the_spreadsheet_holds_every_page_s_rows_by_their_field_names(
    client: TestClient, auth: Headers, kind: str
) -> None:
    got = client.get(f"/api/v1/visits/{kind}.xlsx", params={"days": 60}, headers=auth("boss"))
    assert got.headers["content-type"] == XLSX_TYPE
    assert got.headers["content-disposition"] == (
        f'attachment; filename="{kind}-programme-{TODAY}.xlsx"'
    )
    rows = _rows(got)
    paged = _pages(client, auth("boss"), kind)
    assert len(paged) >= 3
    assert list(rows[0]) == list(work_lists.COLUMNS[kind])
    # An empty text (no status) is an empty cell.
    assert [{c: _cell(v) for c, v in r.items()} for r in rows] == [
        {c: None if p[c] == "" else p[c] for c in work_lists.COLUMNS[kind]} for p in paged
    ]
    day = "start" if kind == "upcoming" else "deadline"
    assert all(isinstance(r[day], dt.datetime) for r in rows)  # a date, not text
    assert all(isinstance(r["household"], str) for r in rows)


def test_an_area_s_spreadsheet_is_named_after_it_and_read_in_the_trail(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    got = client.get("/api/v1/visits/upcoming.xlsx", params={"days": 60}, headers=auth("v1-coord"))
    assert got.headers["content-disposition"] == (
        f'attachment; filename="upcoming-R-C-V1-{TODAY}.xlsx"'
    )
    assert {r["household"] for r in _rows(got)} == {"H0", "H1", "H2"}
    with programme.connect() as conn:
        read = conn.execute(
            text(
                "SELECT entity_id FROM audit_events WHERE actor = 'api:v1-coord' "
                "AND action = 'read' AND entity = 'household'"
            )
        ).scalars()
        assert set(read) == {"H0", "H1", "H2"}


def test_a_visitor_s_account_downloads_only_its_own_list(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    other = client.get("/api/v1/visits/upcoming.xlsx", params={"visitor": "V2"}, headers=auth("v1"))
    assert other.status_code == 403
    assert other.headers["content-type"] == "application/problem+json"
    assert "lists the work of visitor V1 only" in other.json()["detail"]
    own = _rows(client.get("/api/v1/visits/upcoming.xlsx", params={"days": 60}, headers=auth("v1")))
    assert own and {r["visitor"] for r in own} == {"V1"}


def test_the_spec_tells_the_spreadsheet_and_the_lists_it_takes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    route = spec["paths"]["/api/v1/visits/{kind}.xlsx"]["get"]
    assert XLSX_TYPE in route["responses"]["200"]["content"]
    [kind] = [p for p in route["parameters"] if p["name"] == "kind"]
    assert kind["schema"]["enum"] == ["due", "overdue", "upcoming", "unrecorded"]
    assert {p["name"] for p in route["parameters"]} == {
        *("kind", "area", "visitor", "team", "days", "max_gap_days", "as_of"),
    }
