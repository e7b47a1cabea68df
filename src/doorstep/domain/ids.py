"""Ids and codes as Doorstep compares and stores them: in Unicode normal form C.

``CAFÉ`` may reach Doorstep with its É as one character (NFC, what most keyboards type)
or as E and a combining accent (NFD, what some systems' file names and input methods
give). The two look the same and name the same household, so every entry point (an
import's cells, a command's arguments, file mode's files) puts an id in NFC, through
:func:`normal_id` or :data:`ID_FORM`, before it is compared or stored. Ids stored in
another form by earlier versions were re-spelt by migration 0009, so a stored id is only
ever compared in this form.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Final, Literal

from doorstep.say import Say

#: The normal form of ids and codes.
ID_FORM: Final[Literal["NFC"]] = "NFC"


#: What no id or code holds inside it (a regular expression, for Python's ``re`` and the
#: imports' polars alike): control characters (a tab, a line break; a NUL is refused
#: everywhere on its own) and the marks that turn the direction of text around, which would
#: make an id that shows as another, or that no one can type to find it.
NOT_IN_AN_ID: Final = r"[\x01-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


def normal_id(value: str) -> str:
    """``value`` in :data:`ID_FORM`; nothing else changes (spaces are trimmed elsewhere)."""
    return unicodedata.normalize(ID_FORM, value)


#: What the audit trail says in place of an erased household's id, in the events of others
#: that named it (a visitor's exclusion events; migration 0012 wrote it so too). No
#: household may have it as its id, in any case, or its events and an erased one's could
#: not be told apart: every entry point refuses it (:func:`reserved_household_id`).
ERASED_HOUSEHOLD: Final = "erased household"
#: Why a household id equal to :data:`ERASED_HOUSEHOLD` is refused, wherever it is given.
RESERVED: Final = Say(
    '"%(marker)s" is what the audit trail writes in place of an erased household\'s id, so '
    "no household may have it; give the household another id",
    marker=ERASED_HOUSEHOLD,
)
RESERVED_REASON: Final = RESERVED.english()


def reserved_household_id(value: str) -> bool:
    """Whether ``value`` (an id as stored: trimmed, in :data:`ID_FORM`) reads as
    :data:`ERASED_HOUSEHOLD`, in any case."""
    return value.lower() == ERASED_HOUSEHOLD


#: The largest id a row can have: ids are ``Integer`` columns, which PostgreSQL holds in
#: 32 bits (a larger one is refused by the database, not merely not found).
MAX_ROW_ID: Final = 2**31 - 1
#: The largest proposal number there can be (:data:`MAX_ROW_ID`).
MAX_PROPOSAL_ID: Final = MAX_ROW_ID
#: The largest id an audit event can have (``Integer``, 32 bits in PostgreSQL): a page of
#: the trail asked for ``before`` a larger one is refused as out of range, not by the
#: database.
MAX_EVENT_ID: Final = MAX_ROW_ID
#: The furthest row a page of a list may start at: past any list's length, and within both
#: databases' integers (an ``OFFSET`` past 64 bits is refused by the database, a 500).
MAX_OFFSET: Final = 2**31 - 1


_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def file_stem(value: str) -> str:
    """A file name, without its suffix, for a file about the person or thing of id
    ``value``: safe on any system and in a ``Content-Disposition`` header (letters, digits,
    ``.``, ``_`` and ``-``), and one id's alone: an id that had to change for it gets a
    digest of itself appended, so ``A/B`` and ``A_B`` never share a file."""
    safe = _UNSAFE_IN_FILE_NAME.sub("_", value)
    if safe.startswith("."):  # a hidden file, or "..": never
        safe = "_" + safe[1:]
    if safe != value or not safe:
        safe = f"{safe}-{hashlib.sha256(value.encode()).hexdigest()[:8]}"
    return safe
