"""A work list's page links the whole list as a spreadsheet: chosen as the page chose it,
every row of every page, its columns labelled as the page labels them, in the page's
language, and read in the trail as the page's rows are."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, text

from doorstep.services import list_xlsx
from tests.web.conftest import SignIn

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _link(page: str) -> str:
    """The address the page's spreadsheet link points at."""
    found = re.search(r'<a href="(/lists/[a-z]+\.xlsx\?[^"]*)" download>', page)
    assert found is not None, page
    return html.unescape(found.group(1))


def _sheet(answer: Any) -> list[tuple[Any, ...]]:
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _households(page: str) -> list[str]:
    return re.findall(r'<td><a href="/files/household\?id=(H\d+)">', page)


def _reads(engine: Engine, actor: str, since: int = 0) -> list[tuple[str, str | None, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity, entity_id, detail FROM audit_events "
                "WHERE actor = :a AND action = 'read' AND id > :since ORDER BY id"
            ),
            {"a": actor, "since": since},
        ).all()
    return [(e, i, d if isinstance(d, dict) else json.loads(d)) for e, i, d in rows]


def _last_event(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_events")).scalar())


def test_a_list_page_links_its_whole_list_as_a_spreadsheet_with_the_page_s_area_and_days(
    sign_in: SignIn,
) -> None:
    boss = sign_in("boss").get("/lists/upcoming", params={"area": "R-C", "days": 60, "limit": 1})
    assert _link(boss.text) == "/lists/upcoming.xlsx?area=R-C&days=60"
    coordinator = sign_in("v1-coord").get("/lists/due", params={"days": 45})
    assert _link(coordinator.text) == "/lists/due.xlsx?area=R-C-V1&days=45"
    own = sign_in("v1").get("/lists/upcoming", params={"days": 60})
    assert _link(own.text) == "/lists/upcoming.xlsx?days=60"


def test_the_spreadsheet_holds_every_row_of_every_page_as_the_page_shows_them(
    sign_in: SignIn,
) -> None:
    site = sign_in("boss")
    shown: list[str] = []
    page = site.get("/lists/upcoming", params={"days": 60, "limit": 1})
    link = _link(page.text)
    while True:  # every page, one row each
        assert page.status_code == 200, page.text
        shown += _households(page.text)
        after = re.search(r'<a href="\?([^"]+)" rel="next">', page.text)
        if after is None:
            break
        page = site.get("/lists/upcoming?" + html.unescape(after.group(1)))
    assert len(shown) >= 3
    got = site.get(link)
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert got.headers["content-disposition"] == (
        'attachment; filename="upcoming-programme-2027-03-01.xlsx"'
    )
    header, *rows = _sheet(got)
    assert header == (
        *("First day", "Last day", "Visitor", "Visitor's name", "Household", "Head"),
        *("Area", "Referral open since"),
    )
    assert [r[header.index("Household")] for r in rows] == shown
    first = rows[0]
    # Days as dates, ids as text.
    assert isinstance(first[0], dt.datetime) and isinstance(first[1], dt.datetime)
    assert all(isinstance(r[header.index("Visitor")], str) for r in rows)


def test_the_spreadsheet_s_columns_are_labelled_in_the_page_s_language(
    sign_in: SignIn,
) -> None:
    site = sign_in("boss")
    got = site.get("/lists/due.xlsx", params={"days": 60}, headers=ZH)
    assert got.headers["content-language"] == "zh-Hans"
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    assert book.sheetnames == ["应走访"]  # "Due", as the page's title says it
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[:2] == ("走访期限", "剩余天数")  # "Deadline", "Days left"
    assert "农户" in header  # "Household"
    english = next(
        openpyxl.load_workbook(io.BytesIO(site.get("/lists/due.xlsx", params={"days": 60}).content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert english[:2] == ("Deadline", "Days left")


def test_the_download_is_read_in_the_trail_as_the_page_is(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("v1-coord")
    since = _last_event(programme)
    page = site.get("/lists/upcoming", params={"days": 60, "limit": 2000})
    assert page.status_code == 200, page.text
    page_reads = _reads(programme, "api:v1-coord", since)
    since = _last_event(programme)
    _sheet(site.get(_link(page.text)))
    file_reads = _reads(programme, "api:v1-coord", since)

    def people(reads: list[tuple[str, str | None, Any]]) -> list[tuple[str, str | None]]:
        return sorted((e, i) for e, i, _ in reads if e != "visits")

    assert people(file_reads) == people(page_reads)
    assert {e for e, _ in people(file_reads)} >= {"household"}
    [(_, _, listed)] = [r for r in file_reads if r[0] == "visits"]
    [(_, _, paged)] = [r for r in page_reads if r[0] == "visits"]
    # The same list read, every row: as the page's, but for where the page began.
    assert listed == {k: v for k, v in paged.items() if k not in ("start", "total")}
    assert listed["rows"] == paged["total"]


def test_a_visitor_downloads_only_their_own_list(sign_in: SignIn, programme: Engine) -> None:
    site = sign_in("v1")
    since = _last_event(programme)
    for refused in ({"visitor": "V2"}, {"area": "R-C"}):
        got = site.get("/lists/upcoming.xlsx", params={"days": 60, **refused})
        assert got.status_code == 403, got.text
    assert "lists the work of visitor V1 only" in html.unescape(
        site.get("/lists/upcoming.xlsx", params={"visitor": "V2"}).text
    )
    assert _reads(programme, "api:v1", since) == []
    header, *rows = _sheet(site.get("/lists/upcoming.xlsx", params={"days": 60}))
    assert rows and {r[header.index("Visitor")] for r in rows} == {"V1"}


def test_a_list_longer_than_a_sheet_is_refused_not_cut(
    sign_in: SignIn, programme: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(list_xlsx, "XLSX_MAX_ROWS", 3)  # a header and two rows
    site = sign_in("boss")
    since = _last_event(programme)
    got = site.get("/lists/upcoming.xlsx", params={"days": 60})
    assert got.status_code == 422, got.text
    assert "more than a spreadsheet&#39;s sheet holds (2)" in got.text
    assert _reads(programme, "api:boss", since) == []  # nothing shown, nothing read
