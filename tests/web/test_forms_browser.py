"""The pages' forms in a real browser (Chromium, driven by Playwright), against the site
served for real (``site.js``): where the page's list of areas was cut short, typing in an
area's box asks for the areas that match, and emptying it gives the page's list back; a
required box of spaces stops its form on the page, as an empty one does; the menu wraps
within a phone's screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from doorstep.services import registry
from tests.web.live import LiveSite
from tests.web.test_offline_browser import _signed_in, _until, browser, live

__all__ = ["browser", "live"]

OFFERED = "() => [...document.querySelectorAll('#areas option')].map((o) => o.value).join(' ')"


def _offered(page: Page, expected: str) -> None:
    _until(page, f"() => ({OFFERED})() === {expected!r}")


def test_typing_in_an_area_s_box_offers_the_areas_that_match_past_the_page_s_list(
    browser: Browser, live: LiveSite, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "AREA_CHOICES", 2)
    page = _signed_in(browser, live, tokens["boss"])
    page.goto("/figures")
    _offered(page, "R R-C")
    page.fill("input[name=area]", "r-c-v")
    _offered(page, "R-C-V1 R-C-V2")
    page.fill("input[name=area]", "two")
    _offered(page, "R-C-V2")
    page.fill("input[name=area]", "")
    _offered(page, "R R-C")


def test_a_list_not_cut_short_is_not_asked_for(
    browser: Browser, live: LiveSite, tokens: dict[str, str]
) -> None:
    page = _signed_in(browser, live, tokens["boss"])
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/areas/choices" in r.url else None)
    page.goto("/figures")
    whole = page.evaluate(f"({OFFERED})()")
    assert {"R", "R-C", "R-C-V1", "R-C-V2"} <= set(whole.split())
    page.fill("input[name=area]", "two")
    page.wait_for_timeout(600)
    assert page.evaluate(f"({OFFERED})()") == whole
    assert asked == []


def test_a_required_box_of_spaces_stops_the_form_on_its_page(
    browser: Browser, live: LiveSite, tokens: dict[str, str]
) -> None:
    page = _signed_in(browser, live, tokens["boss"])
    page.goto("/consent")
    page.fill("#household", " \u3000 ")
    page.fill("#evidence", "a signed form")
    page.click("#send")
    page.wait_for_timeout(300)
    assert page.url == f"{live.url}/consent"
    assert page.evaluate("document.querySelector('#household').validity.valueMissing")
    assert page.input_value("#evidence") == "a signed form"
    # Enter in a box sends the form too: stopped the same way.
    page.fill("#household", "   ")
    page.press("#evidence", "Enter")
    page.wait_for_timeout(300)
    assert page.url == f"{live.url}/consent"
    assert page.evaluate("document.querySelector('#household').value") == ""


@pytest.mark.parametrize("account", ["boss", "v1"])
def test_the_menu_wraps_within_a_phone_s_screen(
    browser: Browser, live: LiveSite, tokens: dict[str, str], account: str
) -> None:
    page = _signed_in(browser, live, tokens[account])
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/lists/due")
    # Links side by side with no space between them could not wrap: the menu ran off the
    # screen's right edge, a link or two out of reach.
    right = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('nav a')]"
        ".map((a) => a.getBoundingClientRect().right))"
    )
    assert right <= 360, right
    # Each link wraps whole: "Kept apart" is not split over two lines.
    heights = page.evaluate(
        "() => [...document.querySelectorAll('nav a')].map((a) => a.getClientRects().length)"
    )
    assert set(heights) == {1}, heights
