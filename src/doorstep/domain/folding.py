"""Text as a search compares it: the same whatever its case, script or Unicode spelling.

A coordinator types ``élodie`` for a head stored as ``ÉLODIE``, ``straße`` or ``STRASSE``
for ``Straße``, ``σωκράτης`` for ``ΣΩΚΡΆΤΗΣ``, and a name pasted from another system may
hold full-width letters (``ＡＢＣ``) or an accent as a separate combining character. Each
stored name, address and id is kept also in the form this module gives (migration 0024),
and a search looks for the query in the same form: so a search finds what a correct
case-insensitive substring match of the text as a reader sees it would, on every database
(SQLite's ``LOWER`` folds ASCII only, PostgreSQL's depends on the server's locale).

The form is Unicode's compatibility normal form (NFKC) case-folded (``str.casefold``: ß is
ss, final ς is σ, the Turkish dotted İ is i and a combining dot), then NFKC again (folding
can undo a composition). Accents stay: ``elodie`` does not find ``Élodie``.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``text`` in the form searches compare (see the module's docstring).

    >>> fold("ÉLODIE Straße ΣΟΦΊΑ ＡＢ")
    'élodie strasse σοφία ab'
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
