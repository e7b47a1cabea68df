"""Language codes: ISO 639-1 (two letters) or ISO 639-3 (three letters), lower case."""

from __future__ import annotations

from functools import lru_cache

import pycountry

SEPARATOR = ";"


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """Every ISO 639-1 and 639-3 code that pycountry ships."""
    codes: set[str] = set()
    for lang in pycountry.languages:
        codes.add(lang.alpha_3)
        alpha_2 = getattr(lang, "alpha_2", None)
        if alpha_2:
            codes.add(alpha_2)
    return frozenset(codes)


@lru_cache(maxsize=1)
def _two_letter() -> dict[str, str]:
    """ISO 639-3 code -> its ISO 639-1 code, for the languages that have one."""
    return {
        lang.alpha_3: lang.alpha_2 for lang in pycountry.languages if getattr(lang, "alpha_2", None)
    }


def parse_languages(text: str) -> tuple[str, ...]:
    """Split ``"zh;hmn"`` into normalised codes; blanks are dropped, order kept, no repeats.

    A language with a two-letter code is always written with it (``zho`` is ``zh``), so that
    two people who speak it share it whichever code each file used."""
    seen: dict[str, None] = {}
    two = _two_letter()
    for part in text.split(SEPARATOR):
        code = part.strip().lower()
        if code:
            seen.setdefault(two.get(code, code), None)
    return tuple(seen)


def unknown_codes(codes: tuple[str, ...]) -> list[str]:
    """The codes in ``codes`` that are not ISO 639 codes."""
    known = known_codes()
    return [c for c in codes if c not in known]
