"""The page of the years stored with more members in work than members (``/checks/sizes``):
an area's account sees its own area's, each household linked to its file with what
corrects it, read in the trail as `GET /api/v1/checks/sizes` and `doorstep check sizes`
read them; in English and in Chinese, an empty list said plainly."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.web.app import create_app
from tests.api.conftest import TODAY
from tests.api.test_check_sizes import events
from tests.cli.conftest import Invoke, cli  # noqa: F401 - a fixture
from tests.factories.audit import last_event_id
from tests.web.test_i18n import ZH, _chinese
from tests.web.test_i18n_refusals import _shown

URL = "/checks/sizes"


@pytest.fixture
def pages(sized: dict[str, str], db_url: str) -> Iterator[TestClient]:
    app = create_app(db_url, today=lambda: TODAY)
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def _signed_in(pages: TestClient, sized: dict[str, str], name: str) -> TestClient:
    pages.cookies.clear()
    assert pages.post("/login", data={"token": sized[name]}).status_code == 303
    return pages


def test_a_coordinator_sees_its_area_s_years_each_linked_to_its_file_with_what_to_do(
    pages: TestClient, sized: dict[str, str], engine: Engine
) -> None:
    coord = _signed_in(pages, sized, "v1-coord")
    before = last_event_id(engine)
    page = coord.get(URL)
    assert page.status_code == 200, page.text
    shown = _shown(page.text)
    assert "More members in work than members: R-C-V1" in shown
    assert '<a href="/files/household?id=H1">H1</a>' in page.text
    assert "H1 R-C-V1 2025 2 3" in shown and "H2" not in shown
    assert (
        "Import its 2025 figures again with at most 2 members in work; if the household has 3 "
        "members or more now, import its members instead." in shown
    )
    assert 'href="/imports?kind=indicators"' in page.text
    # Read in the trail as the API reads the same account's list, under the same actor.
    by_page = events(engine, before)
    between = last_event_id(engine)
    api = coord.get(
        "/api/v1/checks/sizes", headers={"Authorization": f"Bearer {sized['v1-coord']}"}
    )
    assert api.json()["rows"] == [
        {"household": "H1", "area": "R-C-V1", "year": 2025, "members": 2, "members_in_work": 3}
    ]
    assert by_page == events(engine, between)
    assert [e[:3] for e in by_page] == [
        ("read", "household_sizes", None),
        ("read", "household", "H1"),
    ]
    # The link opens the household's file, which shows the year.
    file = coord.get("/files/household", params={"id": "H1"})
    assert file.status_code == 200 and "2025" in _shown(file.text)


def test_the_page_is_in_chinese_for_a_chinese_browser(
    pages: TestClient, sized: dict[str, str]
) -> None:
    boss = _signed_in(pages, sized, "boss")
    page = boss.get(URL, headers=ZH)
    assert page.status_code == 200, page.text
    shown = _shown(page.text)
    assert "就业人数多于家庭成员人数" in shown and "H1" in shown and "H2" in shown
    assert "请重新导入其 2024 年的指标，就业人数不超过 3 人" in shown
    _chinese(page.text)


def test_another_area_and_a_visitor_s_account_are_refused_in_the_page_s_language(
    pages: TestClient, sized: dict[str, str], engine: Engine
) -> None:
    before = last_event_id(engine)
    coord = _signed_in(pages, sized, "v2-coord")
    other = coord.get(URL, params={"area": "R-C-V1"})
    assert other.status_code == 403
    assert "area R-C-V1 is outside account v2-coord's area R-C-V2" in _shown(other.text)
    visitor = _signed_in(pages, sized, "v1")
    chinese = visitor.get(URL, headers=ZH)
    assert chinese.status_code == 403
    assert "账户 v1 是帮扶人账户：已存储的数据由地区的协调员或管理员核查和更正" in _shown(
        chinese.text
    )
    _chinese(chinese.text)
    english = visitor.get(URL)
    assert "account v1 is a visitor's: stored figures are checked and corrected" in _shown(
        english.text
    )
    assert events(engine, before) == []


def test_importing_the_year_again_as_the_page_says_empties_the_list_which_says_so(
    pages: TestClient, sized: dict[str, str]
) -> None:
    coord = _signed_in(pages, sized, "v1-coord")
    chosen = coord.get("/imports", params={"kind": "indicators"})
    assert re.search(r'<option value="indicators" selected>', chosen.text), chosen.text
    fixed = b"household_id,year,members_in_work\nH1,2025,2\n"
    sent = coord.post(
        "/imports",
        data={"kind": "indicators"},
        files={"file": ("fixed.csv", io.BytesIO(fixed))},
    )
    assert sent.status_code == 200 and "1 updated" in _shown(sent.text), sent.text
    empty = coord.get(URL)
    assert "No household in R-C-V1 has more members in work than members." in _shown(empty.text)
    chinese = coord.get(URL, headers=ZH)
    assert "R-C-V1 没有农户的就业人数多于家庭成员人数。" in _shown(chinese.text)
    _chinese(chinese.text)
    # The manager's whole list keeps H2, of the other village.
    boss = _signed_in(pages, sized, "boss")
    assert "H2 R-C-V2 2024 3 5" in _shown(boss.get(URL).text)


@pytest.mark.parametrize("page", ["/", "/imports", "/outcomes"])
def test_the_home_imports_and_outcomes_pages_link_to_it(
    pages: TestClient, sized: dict[str, str], page: str
) -> None:
    coord = _signed_in(pages, sized, "v1-coord")
    assert f'href="{URL}"' in coord.get(page).text


def _links(page: str) -> dict[str, str]:
    """The page's links to the pages before and after it, by ``rel``."""
    return {
        rel: html.unescape(href)
        for href, rel in re.findall(r'<a href="(\?[^"]*)" rel="(prev|next)">', page)
    }


def test_the_list_is_paged_with_links_that_keep_its_area_and_page_size(
    pages: TestClient, sized: dict[str, str], engine: Engine
) -> None:
    boss = _signed_in(pages, sized, "boss")
    token = {"Authorization": f"Bearer {sized['boss']}"}
    before = last_event_id(engine)
    first = boss.get(URL, params={"area": "R-C", "limit": 1})
    assert first.status_code == 200, first.text
    shown = _shown(first.text)
    assert "Rows 1–1 of 2." in shown and "H1 R-C-V1 2025 2 3" in shown and "H2" not in shown
    assert _links(first.text) == {"next": "?area=R-C&limit=1&offset=1"}
    assert 'name="limit" value="1"' in first.text  # the form keeps the page size
    # Each page is read in the trail as the API's page of the same rows.
    by_page = events(engine, before)
    between = last_event_id(engine)
    boss.get("/api/v1/checks/sizes", params={"area": "R-C", "limit": 1}, headers=token)
    assert by_page == events(engine, between)
    before = last_event_id(engine)
    last = boss.get(URL + _links(first.text)["next"])
    shown = _shown(last.text)
    assert "Rows 2–2 of 2." in shown and "H2 R-C-V2 2024 3 5" in shown and "H1" not in shown
    assert _links(last.text) == {"prev": "?area=R-C&limit=1"}
    assert [e[:4] for e in events(engine, before)] == [
        ("read", "household_sizes", None, {"rows": 1, "area": "R-C", "offset": 1}),
        ("read", "household", "H2", {"table": "household_indicators", "check": "sizes"}),
    ]
    back = boss.get(URL + _links(last.text)["prev"])
    assert "Rows 1–1 of 2." in _shown(back.text)
    past = boss.get(URL, params={"area": "R-C", "limit": 1, "offset": 7})
    assert past.status_code == 200, past.text
    shown = _shown(past.text)
    assert "No rows after row 7 of 2." in shown and "H1" not in shown and "H2" not in shown
    assert "has more members in work than members." not in shown  # the list is not empty
    assert _links(past.text) == {"prev": "?area=R-C&limit=1&offset=6"}
    # The default page size holds both: no links, and none in the form either.
    whole = boss.get(URL)
    assert "Rows 1–2 of 2." in _shown(whole.text) and _links(whole.text) == {}
    assert 'name="limit"' not in whole.text


def test_the_download_is_the_command_s_csv_read_in_the_trail_as_the_command_reads_it(
    pages: TestClient,
    sized: dict[str, str],
    engine: Engine,
    cli: Invoke,  # noqa: F811
) -> None:
    coord = _signed_in(pages, sized, "v1-coord")
    page = coord.get(URL)
    link = re.search(r'<a href="(/checks/sizes\.csv[^"]*)" download>', page.text)
    assert link is not None, page.text
    assert link.group(1) == "/checks/sizes.csv?area=R-C-V1"
    before = last_event_id(engine)
    got = coord.get(link.group(1))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    assert got.headers["content-disposition"] == (
        'attachment; filename="household-sizes-R-C-V1.csv"'
    )
    by_download = events(engine, before)
    between = last_event_id(engine)
    done = cli("check", "sizes", "--area", "R-C-V1", "--format", "csv")
    assert got.content == done.stdout_bytes
    assert by_download == events(engine, between)
    assert got.text.splitlines() == [
        "household,area,year,members,members_in_work",
        "H1,R-C-V1,2025,2,3",
    ]
    # The whole list, however many pages it is shown on; a manager's has no area.
    boss = _signed_in(pages, sized, "boss")
    paged = boss.get(URL, params={"limit": 1})
    assert 'href="/checks/sizes.csv" download' in paged.text
    whole = boss.get("/checks/sizes.csv")
    assert whole.content == cli("check", "sizes", "--format", "csv").stdout_bytes
    assert len(whole.text.splitlines()) == 3


def test_the_download_is_refused_as_the_page_is_in_the_page_s_language(
    pages: TestClient, sized: dict[str, str], engine: Engine
) -> None:
    before = last_event_id(engine)
    coord = _signed_in(pages, sized, "v2-coord")
    other = coord.get("/checks/sizes.csv", params={"area": "R-C-V1"})
    assert other.status_code == 403 and other.headers["content-type"].startswith("text/html")
    assert "area R-C-V1 is outside account v2-coord's area R-C-V2" in _shown(other.text)
    visitor = _signed_in(pages, sized, "v1")
    chinese = visitor.get("/checks/sizes.csv", headers=ZH)
    assert chinese.status_code == 403
    assert "账户 v1 是帮扶人账户：已存储的数据由地区的协调员或管理员核查和更正" in _shown(
        chinese.text
    )
    _chinese(chinese.text)
    assert events(engine, before) == []


def test_the_paged_page_and_its_download_link_are_in_chinese(
    pages: TestClient, sized: dict[str, str]
) -> None:
    boss = _signed_in(pages, sized, "boss")
    page = boss.get(URL, params={"limit": 1}, headers=ZH)
    assert page.status_code == 200, page.text
    shown = _shown(page.text)
    assert "第 1–1 行，共 2 行。" in shown and "后 1 条" in shown
    assert "下载整个列表 （CSV 格式，与 doorstep check sizes --format csv 输出相同）" in shown
    _chinese(page.text)
    past = boss.get(URL, params={"offset": 3}, headers=ZH)
    shown = _shown(past.text)
    assert "共 2 行，第 3 行之后没有数据。" in shown and "前 200 条" in shown
    _chinese(past.text)
