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


def parse_languages(text: str) -> tuple[str, ...]:
    """Split ``"zh;hmn"`` into normalised codes; blanks are dropped, order kept, no repeats."""
    seen: dict[str, None] = {}
    for part in text.split(SEPARATOR):
        code = part.strip().lower()
        if code:
            seen.setdefault(code, None)
    return tuple(seen)


def unknown_codes(codes: tuple[str, ...]) -> list[str]:
    """The codes in ``codes`` that are not ISO 639 codes."""
    known = known_codes()
    return [c for c in codes if c not in known]
