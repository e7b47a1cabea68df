"""The figures' and the outcomes' charts speak the page's language: their titles, axis
labels and legends are SVG text, drawn by the browser's fonts, in Chinese on a Chinese
page; in English on an English page, the words of the command line's PNG."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from pathlib import Path

from sqlalchemy import Engine

from tests.factories.outcomes import indicators_programme
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH


def _chart_words(page: str) -> str:
    """The words of the page's chart, as the browser draws them: its SVG's text."""
    found = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert found is not None, page
    svg = base64.b64decode(found.group(1)).decode("utf-8")
    return " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def test_the_figures_chart_is_titled_labelled_and_keyed_in_chinese(
    sign_in: SignIn, first_visit: tuple[dt.date, dt.date]
) -> None:
    made = {"household": "H0", "visitor": "V1", "start": first_visit[0].isoformat()}
    assert sign_in("v1").post("/record", data=made).status_code == 200  # a bar to draw
    boss = sign_in("boss")
    chinese = _chart_words(boss.get("/figures", params={"area": "R"}, headers=ZH).text)
    for words in ("各月已完成走访和未走访次数", "R，", " 至 ", "走访次数", "已完成走访", "未走访"):
        assert words in chinese, chinese
    assert "Visits" not in chinese and "made" not in chinese
    english = _chart_words(boss.get("/figures", params={"area": "R"}).text)
    for words in ("Visits made and missed by month", "R, ", " to ", "Visits made", "Missed"):
        assert words in english, english


def test_the_outcomes_chart_is_titled_labelled_and_keyed_in_chinese(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    indicators_programme(programme, tmp_path)
    coord = sign_in("v2-coord")
    chinese = _chart_words(coord.get("/outcomes", headers=ZH).text)
    legend = ("低于贫困线（", "有成员就业", "参加服务")
    for words in ("各年农户帮扶成效", "R-C-V2", "农户占比", *legend):
        assert words in chinese, chinese
    assert "households" not in chinese and "poverty" not in chinese
    english = _chart_words(coord.get("/outcomes").text)
    for words in ("Household outcomes by year", "share of households", "a member in work"):
        assert words in english, english
