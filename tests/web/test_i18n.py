"""The web app in Simplified Chinese: a catalogue that holds every string of the templates
and the web code, translated, with the same placeholders; the language chosen from the
browser's header or the switch's cookie; pages with no English words left in them."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from doorstep.web import i18n
from tests.web.conftest import SignIn

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


Key = tuple[str, str | None]


def _key(message_id: str | tuple[str, ...] | list[str], context: str | None) -> Key:
    """A message's singular English and its context (``punctuation``: Chinese has its own)."""
    return (message_id if isinstance(message_id, str) else message_id[0]), context


def _catalogue() -> dict[Key, Message]:
    path = i18n.catalogue_path("zh-Hans")
    assert path is not None
    with path.open("rb") as f:
        return {_key(m.id, m.context): m for m in read_po(f) if m.id}


def _extracted_by_file() -> list[tuple[str, Key]]:
    """The msgids `make messages` extracts now, as babel.cfg says (``_partials`` too:
    Babel skips folders whose names start with ``_`` unless told otherwise), each with the
    file it is in."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        directory_filter=lambda d: not Path(d).name.startswith("."),
    )
    return [(file, _key(message, context)) for file, _line, message, _notes, context in found]


def _extracted() -> set[Key]:
    return {key for _file, key in _extracted_by_file()}


def test_the_catalogue_holds_every_string_of_the_templates_and_web_code_and_no_other() -> None:
    extracted, catalogue = _extracted(), set(_catalogue())
    assert len(extracted) > 500  # the extraction found the templates, not nothing
    assert extracted - catalogue == set(), "new strings: run `make messages`, translate them"
    assert catalogue - extracted == set(), "strings no longer used: run `make messages`"


def test_the_catalogue_holds_what_the_services_say_to_people_too() -> None:
    """babel.cfg finds the services' ``Say("...")`` templates (a refusal, a note), which a
    page shows in its language: none is left out because the keyword went unseen."""
    said = {key for file, key in _extracted_by_file() if not file.startswith("src/doorstep/web/")}
    assert len(said) > 40
    for template in (
        "cannot record the visit of %(visitor)s to %(household)s from %(start)s: %(reason)s",
        "account %(account)s records the visits of visitor %(visitor)s only",
        "household %(household)s's consent is %(state)s already",
        "referral %(number)s is %(was)s for good: it cannot become %(status)s",
        "no household with id %(household)s",
    ):
        assert (template, None) in said
    assert said <= set(_catalogue())


def test_every_string_has_a_checked_chinese_translation() -> None:
    for key, m in _catalogue().items():
        strings = m.string if isinstance(m.string, tuple | list) else [m.string]
        assert all(s.strip() for s in strings), f"untranslated: {key!r}"
        assert not m.fuzzy, f"fuzzy (unchecked): {key!r}"


#: %(name)s for the pages and web code, {name} for the scripts', and the HTML tags.
PLACEHOLDERS = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]+>")


@pytest.mark.parametrize("key", sorted(_catalogue(), key=str))
def test_a_translation_keeps_the_placeholders_and_tags_of_its_english(key: Key) -> None:
    m = _catalogue()[key]
    english = [m.id] if isinstance(m.id, str) else list(m.id)
    chinese = [m.string] if isinstance(m.string, str) else list(m.string)
    wanted = sorted(PLACEHOLDERS.findall(english[-1]))
    for s in chinese:
        assert sorted(PLACEHOLDERS.findall(s)) == wanted, (key, s)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-Hans-CN,en;q=0.5", "zh-Hans"),
        ("en-GB,zh;q=0.8", "en"),
        ("fr-FR, zh-TW;q=0.4", "zh-Hans"),
        ("fr;q=1, en;q=0.2, zh;q=0.5", "zh-Hans"),
        ("de", None),
        ("zh;q=0", None),
        ("", None),
        ("zh;q=abc, en", "en"),
    ],
)
def test_the_header_chooses_the_first_language_it_weighs_highest_that_the_pages_speak(
    header: str, language: str | None
) -> None:
    assert i18n.from_accept_language(header) == language


#: Words of the English pages that no Chinese page may show outside names and codes.
ENGLISH = re.compile(
    r"\b(Household|Households|Visitor|Visitors|Record|Recorded|Consent|Referrals?|Sign|"
    r"Due|Overdue|Upcoming|None|Open|Show|visits?|days?|planned|the|and|of|with|from)\b"
)


def _words(page: str) -> str:
    """What a reader sees: the page's text, without scripts, styles and tags."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _chinese(page: str) -> None:
    assert '<html lang="zh-Hans">' in page
    left = sorted(set(ENGLISH.findall(_words(page))))
    assert left == [], f"English left on a Chinese page: {left}"


def test_the_sign_in_page_speaks_the_language_the_browser_asks_for(site: TestClient) -> None:
    english = site.get("/login")
    assert '<html lang="en">' in english.text and "<h1>Sign in</h1>" in english.text
    chinese = site.get("/login", headers=ZH)
    assert "<h1>登录</h1>" in chinese.text
    assert chinese.headers["content-language"] == "zh-Hans"
    assert "Accept-Language" in chinese.headers["vary"]
    _chinese(chinese.text)


@pytest.mark.parametrize(
    ("account", "path", "heading"),
    [
        ("v1", "/", "当前登录：v1"),
        ("v1", "/record", "登记已完成的走访"),
        ("v1", "/files/household?id=H0", "农户档案"),
        ("v1-coord", "/", "当前登录：v1-coord"),
        ("v1-coord", "/files/household?id=H0", "农户档案"),
        ("v1-coord", "/lists/due", "应走访"),
        ("v1", "/consent", "登记农户知情同意"),
        ("v1", "/refer", "转介农户"),
    ],
)
def test_a_page_is_in_chinese_for_a_chinese_browser_and_in_english_for_another(
    sign_in: SignIn, account: str, path: str, heading: str
) -> None:
    client = sign_in(account)
    chinese = client.get(path, headers=ZH)
    assert chinese.status_code == 200, chinese.text
    assert heading in chinese.text
    _chinese(chinese.text)
    english = client.get(path)
    assert '<html lang="en">' in english.text
    assert heading not in english.text and "Sign out" in english.text


def test_the_switch_sets_a_cookie_that_wins_over_the_header_and_returns_to_the_page(
    sign_in: SignIn,
) -> None:
    client = sign_in("v1")
    switched = client.get("/language/en", params={"back": "/record?household=H0"}, headers=ZH)
    assert (switched.status_code, switched.headers["location"]) == (303, "/record?household=H0")
    assert f"{i18n.COOKIE}=en" in switched.headers["set-cookie"]
    assert "<h1>Record a visit made</h1>" in client.get("/record", headers=ZH).text
    client.get("/language/zh-Hans", params={"back": "/record"})
    page = client.get("/record").text  # no header: the cookie alone
    assert "<h1>登记已完成的走访</h1>" in page
    # The switch names each language in itself and links to this page.
    assert 'href="/language/en?back=/record"' in page and '<strong lang="zh-Hans">中文' in page


@pytest.mark.parametrize("back", ["//elsewhere.example/", "https://elsewhere.example/", "/\\x"])
def test_the_switch_returns_only_to_a_page_of_this_site(site: TestClient, back: str) -> None:
    switched = site.get("/language/zh-Hans", params={"back": back})
    assert switched.headers["location"] == "/"


def test_a_language_the_pages_do_not_speak_sets_nothing(site: TestClient) -> None:
    switched = site.get("/language/xx", params={"back": "/login"})
    assert switched.headers["location"] == "/login" and "set-cookie" not in switched.headers


def test_a_message_the_web_code_writes_is_in_the_page_s_language(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    made = coord.post(
        "/activities",
        data={
            "code": "CAMP",
            "kind": "summer_camp",
            "title": "Camp",
            "area": "R-C-V1",
            "starts_on": "2027-02-01",
        },
        headers=ZH,
    )
    assert made.status_code == 200, made.text
    assert "已添加 CAMP：Camp，地区 R-C-V1，自 2027-02-01 起。" in made.text
    assert "<td>夏令营</td>" in made.text  # a code shown by its label
