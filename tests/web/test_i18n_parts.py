"""The part a service adds to a refusal of an area code that differs from one on record only
in case ("; did you mean 'R-C-V1'?") goes through the page's catalogue as the sentence does,
so a Chinese page shows none of it in English; it was an English fragment written into the
sentence's values.

The catalogue may not hold them yet (the translations are added after the strings): a
stand-in stands where it has none, and the page is asked to show the catalogue's words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from doorstep.web import i18n
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH
from tests.web.test_i18n_refusals import _shown

#: What the catalogue says of each part, where it says nothing yet.
STAND_INS = {
    "; did you mean %(codes)s?": "；是否指 %(codes)s？",
    "%(first)s or %(rest)s": "%(first)s 或 %(rest)s",
}


@pytest.fixture
def chinese() -> Iterator[dict[str, str]]:
    """The Chinese catalogue's words for each part (its stand-in where it has none yet)."""
    held = i18n.translations("zh-Hans")
    catalog: dict[str, str] = held._catalog  # type: ignore[attr-defined]
    added = [english for english in STAND_INS if english not in catalog]
    catalog.update({english: STAND_INS[english] for english in added})
    yield {english: held.gettext(english) for english in STAND_INS}
    for english in added:
        del catalog[english]


def test_an_area_code_that_differs_in_case_is_hinted_in_chinese(
    sign_in: SignIn, chinese: dict[str, str]
) -> None:
    hint = chinese["; did you mean %(codes)s?"] % {"codes": "'R-C-V1'"}
    coordinator = sign_in("v1-coord")
    planned = coordinator.post("/planning", data={"area": "r-c-v1", "months": "3"}, headers=ZH)
    assert hint in _shown(planned.text), _shown(planned.text)
    boss = sign_in("boss")
    activity = {"code": "A9", "kind": "trip", "title": "t", "area": "r-c-v1"}
    added = boss.post("/activities", data={**activity, "starts_on": "2027-03-10"}, headers=ZH)
    assert hint in _shown(added.text), _shown(added.text)
    for page in (planned, added):
        assert "did you mean" not in page.text
    english = boss.post("/activities", data={**activity, "starts_on": "2027-03-10"})
    assert "no area with code 'r-c-v1'; did you mean 'R-C-V1'?" in _shown(english.text)
