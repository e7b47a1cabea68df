"""The languages the pages speak, and which one a request gets.

The templates and the web code are written in English; a language other than English is a
Babel catalogue, ``locale/<dir>/LC_MESSAGES/messages.po``, read and compiled in memory at
start-up, so the repository holds text a reviewer can read and no binary ``.mo``. A request
gets the language its cookie names (the header's switch sets it), else the first language
its ``Accept-Language`` header asks for that the pages speak, else English.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from doorstep.errors import DoorstepError
from doorstep.say import Said, Say
from doorstep.web import remedies
from doorstep.web.labels import label

LOCALE = Path(__file__).parent / "locale"

#: The languages the pages speak: the tag ``<html lang>`` and the cookie carry, its name in
#: itself (as the switch shows it), and the catalogue's folder under ``locale/`` (none:
#: the templates' own English).
LANGUAGES: dict[str, tuple[str, str | None]] = {
    "en": ("English", None),
    "zh-Hans": ("中文", "zh_Hans"),
}
DEFAULT = "en"

#: The cookie that holds the language chosen with the switch: it wins over the header.
COOKIE = "doorstep_lang"

#: How a header's language (its primary subtag, lower case) maps to one of ours: any
#: Chinese reads Simplified Chinese better than English.
_PRIMARY = {"en": "en", "zh": "zh-Hans"}


def catalogue_path(tag: str) -> Path | None:
    folder = LANGUAGES[tag][1]
    return None if folder is None else LOCALE / folder / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(tag: str) -> gettext.NullTranslations:
    """The language's messages, compiled from its ``.po`` once per process (fuzzy entries
    left out, as ``msgfmt`` leaves them: an unchecked guess is shown in English)."""
    po = catalogue_path(tag)
    if po is None:
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalogue = read_po(f)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def from_accept_language(header: str) -> str | None:
    """The first of our languages the header asks for, by its weights (``q``), or none."""
    asked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    weight = float(p[2:])
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            asked.append((-weight, i, tag.lower()))
    for _, _, tag in sorted(asked):
        ours = _PRIMARY.get(tag.split("-")[0])
        if ours is not None:
            return ours
    return None


def language(request: Request) -> str:
    """The language of the page answering ``request``."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return from_accept_language(request.headers.get("accept-language", "")) or DEFAULT


def gettext_for(request: Request) -> Callable[[str], str]:
    """``_`` for the web code's own messages: ``_("Recorded %(n)s") % {"n": n}``."""
    return translations(language(request)).gettext


def told(request: Request, said: DoorstepError | Say) -> str:
    """What a service said (an error, a note), in the page's language: its
    :class:`~doorstep.say.Say` rendered with the request's catalogue, its codes by their
    labels; in English, as the command line and the API write it, codes as they are; an
    error with no ``Say`` (not converted yet), its English message. Either way, what it
    tells one to do is worded by the pages (:mod:`doorstep.web.remedies`), not the command
    line."""
    says = said.says if isinstance(said, DoorstepError) else said
    if says is None:
        assert isinstance(said, DoorstepError)
        return said.message
    tag = language(request)
    if tag == DEFAULT:
        return says.english(remedies.words)
    return said_in(tag, says)


def said_in(tag: str, says: Say) -> str:
    """A sentence in the language ``tag``, its codes by their labels, what it tells one to
    do by the pages' words."""
    gettext = translations(tag).gettext
    return says.render(gettext, lambda code: label(gettext, code), remedies.words)


def shown_in(tag: str, value: object) -> object:
    """A value a page shows as it is, unless it is a :class:`~doorstep.say.Said` (a line a
    service wrote in English, such as a work list's status): that, in the language ``tag``."""
    return said_in(tag, value.says) if isinstance(value, Said) else value


router = APIRouter(include_in_schema=False)


def _back(path: str) -> str:
    """Only an address on this site (``/...``, never ``//host``), so the switch cannot be
    used to send someone elsewhere."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


@router.get("/language/{tag}")
def switch(tag: str, back: str = "/") -> RedirectResponse:
    """Set the language (the switch in every page's header) and return to the page."""
    done = RedirectResponse(_back(back), status_code=303)
    if tag in LANGUAGES:
        done.set_cookie(COOKIE, tag, max_age=365 * 24 * 3600, samesite="lax")
    return done
