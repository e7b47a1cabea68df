"""What the services tell people to do: the command line's words in English, as ever; every
remedy worded by the API, by routes and fields it has, and by the pages, by pages and
buttons they have."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from doorstep import remedies
from doorstep.api import remedies as api_remedies
from doorstep.api.app import create_app
from doorstep.api.schemas import ProposalCreate
from doorstep.remedies import Remedy
from doorstep.say import Act, Say
from doorstep.services.importing.columns import VISITORS
from doorstep.web import remedies as web_remedies

TEMPLATES = Path(remedies.__file__).parent / "web" / "templates"

#: One act of each remedy, with values.
ACTS: dict[Remedy, Act] = {
    Remedy.PAIR_AGAIN: remedies.pair_again("R-C-V1"),
    Remedy.PAIR_FIRST: remedies.pair_first(),
    Remedy.HAND_OVER: remedies.hand_over("V1", dt.date(2027, 2, 28)),
    Remedy.HAND_OVER_STEPS: remedies.hand_over_steps(),
    Remedy.PROPOSE_AND_COMMIT: remedies.propose_and_commit(),
    Remedy.EXCLUDE: remedies.exclude(),
    Remedy.UNEXCLUDE: remedies.unexclude(),
    Remedy.NEXT_PROPOSAL: remedies.next_proposal(),
    Remedy.PLAN: remedies.plan(),
    Remedy.REPLACE: remedies.replace(),
    Remedy.IMPORT_FILE: remedies.import_file("households"),
    Remedy.IMPORT_FIRST: remedies.import_first("areas"),
    Remedy.DATABASE: remedies.database("/srv/doorstep/var/doorstep.db"),
    Remedy.IMPORT_BY: remedies.import_by("visits", "`doorstep import visits`"),
    Remedy.LISTED: remedies.listed("referrals", "`doorstep referral list` shows them"),
}


def test_english_says_the_command_and_each_front_door_its_own_words() -> None:
    said = Say("proposal 3 is stale; %(remedy)s", remedy=remedies.pair_again("R-C-V1"))
    assert said.english() == "proposal 3 is stale; run `doorstep pair --area R-C-V1` again"
    assert str(said) == said.english()
    assert api_remedies.said(said) == (
        "proposal 3 is stale; make a new proposal for R-C-V1 (POST /api/v1/pairing/proposals)"
    )
    assert said.english(web_remedies.words) == (
        "proposal 3 is stale; make a new proposal for R-C-V1 on the Pairing page"
    )
    # A page in another language translates the page's words, never the command.
    zh = {"make a new proposal for %(area)s on the Pairing page": "重新生成 %(area)s"}
    assert said.render(lambda t: zh.get(t, t), str, web_remedies.words) == (
        "proposal 3 is stale; 重新生成 R-C-V1"
    )
    # A front door with no words of its own for an act says the command.
    assert said.english(lambda _act: None) == said.english()


def test_every_remedy_is_worded_by_the_api_and_by_the_pages() -> None:
    assert set(ACTS) == set(Remedy)
    assert set(Remedy) == api_remedies.WORDED
    assert set(Remedy) == web_remedies.WORDED


#: A route as a wording names it: its method and path.
_ROUTE = re.compile(r"\b(GET|POST|PUT|DELETE) (/api/v1/[\w/{}.-]*\w[}]?)")


@pytest.mark.parametrize("remedy", list(Remedy))
def test_the_api_names_routes_it_has_and_no_command(remedy: Remedy) -> None:
    worded = api_remedies.words(ACTS[remedy])
    assert worded is not None
    assert "doorstep" not in worded and "--" not in worded, worded
    operations = {
        (method.upper(), re.sub(r"\{[^}]+\}", "[^/]+", path))
        for path, ops in create_app("sqlite://").openapi()["paths"].items()
        for method in ops
    }
    for method, path in _ROUTE.findall(worded):
        named = path.replace("{proposal}", "1")
        assert any(m == method and re.fullmatch(p, named) for m, p in operations), (method, path)
    fields = set(ProposalCreate.model_fields) | {c.name for c in VISITORS.columns} | {"replace"}
    for field in re.findall(r"\b(new_only|active_to|replace)=?", worded):
        assert field in fields


@pytest.mark.parametrize("remedy", list(Remedy))
def test_the_pages_name_pages_of_the_menu_and_boxes_and_buttons_they_show(
    remedy: Remedy,
) -> None:
    worded = web_remedies.words(ACTS[remedy])
    assert worded is not None
    english = worded.english()
    assert "doorstep" not in english and "--" not in english and "/api/" not in english
    menu = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    for page in re.findall(r"the ([A-Z][\w ]*?) page", english):
        # A link of the menu: ``{{ menu("/pairing", _("Pairing")) }}``.
        assert re.search(rf'menu\("/[^"]*", _\("{re.escape(page)}"\)\)', menu), page
    shown = " ".join(p.read_text(encoding="utf-8") for p in TEMPLATES.rglob("*.html"))
    for quoted in re.findall(r"“([^”]+)”", english):
        assert quoted in shown, quoted


@pytest.mark.parametrize("table", ["referrals", "projects", "activities"])
def test_each_list_a_refusal_points_to_is_worded_by_a_route_and_a_page(table: str) -> None:
    act = remedies.listed(table, f"`doorstep {table} list` shows them")
    assert api_remedies.words(act) == f"GET /api/v1/{table} lists them"
    page = web_remedies.words(act)
    assert page is not None
    assert page.english() == f"the {table.capitalize()} page lists them"
