"""The longest text each kind of field holds: its stored column's size.

The tables are declared with these (``String(CODE_MAX)``), and the API's models and the
pages' forms bound their fields with them, so that the limit a person meets at any front
door is the column's, and a column made longer or shorter moves them all. The command
line and the services check a value against the column itself
(``services.column_fit.check_fits``), with the same result.
"""

from __future__ import annotations

from typing import Final

#: The longest id or code: a household's or visitor's id, an area's, organisation's,
#: team's, activity's or project's code.
CODE_MAX: Final = 64
#: The longest title or name of a thing: an activity's or project's title, an area's or
#: organisation's name.
TITLE_MAX: Final = 200
#: The longest account name.
ACCOUNT_NAME_MAX: Final = 100
#: The longest reason two people are kept apart (an exclusion's).
REASON_MAX: Final = 200

#: The longest evidence a consent act keeps: a line saying what it rests on, not a document
#: (the service checks it; the column is text).
EVIDENCE_MAX: Final = 500

#: Each, by the name the pages' forms give it (``maxlength="{{ longest.code }}"``).
LONGEST: Final = {
    "code": CODE_MAX,
    "title": TITLE_MAX,
    "account_name": ACCOUNT_NAME_MAX,
    "reason": REASON_MAX,
}
