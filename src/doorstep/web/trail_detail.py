"""An audit event's detail as the trail's page shows it: each key by its label, each value
in the page's language where it is a code with a name (a table, a state, a reason), else
as it is (an id, a file's name, a day, a count, an error's line); a count of rows by table
as ``visits 3, pairings 1``. A key with no label is shown as it is: nothing an event holds
is left out (the page shows the stored JSON beside it too)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from doorstep.web.labels import ACTIONS, CODED, DETAILS, LABELS, N_, RECORDS, TABLES

Gettext = Callable[[str], str]
Pgettext = Callable[[str, str], str]

#: How a value of none, and a yes or no, read.
NONE, YES, NO = N_("none"), N_("yes"), N_("no")


def shown(
    detail: Mapping[str, Any] | None, gettext: Gettext, pgettext: Pgettext
) -> list[tuple[str, str]]:
    """Each key of ``detail`` in its stored order, as ``(label, value)`` in the language of
    ``gettext`` and ``pgettext`` (a page's catalogue)."""
    words = _Words(gettext, pgettext)
    return [(words.key(k), words.value(k, v)) for k, v in (detail or {}).items()]


class _Words:
    def __init__(self, gettext: Gettext, pgettext: Pgettext) -> None:
        self.gettext, self.pgettext = gettext, pgettext
        self.comma = pgettext("punctuation", ", ")
        self.opening, self.closing = pgettext("punctuation", " ("), pgettext("punctuation", ")")

    def key(self, key: str) -> str:
        """A top-level key's label; one with none, as it is."""
        found = DETAILS.get(key)
        return self.pgettext(*found) if found is not None else key

    def inner(self, key: str) -> str:
        """A key within a value (``{"visits": 3}``): a table's or a record's name, or a
        detail's label in the middle of a line (``{"started": 2}``: ``started 2``), else as
        it is."""
        found = RECORDS.get(key) or TABLES.get(key)
        if found is not None:
            return self.pgettext(*found)
        if key in DETAILS:
            label = self.key(key)
            return label[:1].lower() + label[1:]
        return key

    def value(self, key: str, value: Any) -> str:
        if value is None:
            return self.gettext(NONE)
        if isinstance(value, bool):
            return self.gettext(YES if value else NO)
        if isinstance(value, Mapping):
            if not value:
                return self.gettext(NONE)
            return self.comma.join(self.nested(str(k), v) for k, v in value.items())
        if isinstance(value, list | tuple):
            if not value:
                return self.gettext(NONE)
            return self.comma.join(self.value(key, v) for v in value)
        if isinstance(value, str):
            return self.code(key, value)
        return str(value)

    def nested(self, key: str, value: Any) -> str:
        """A key and its value within a value, the value in parentheses where it is itself
        several."""
        text = self.value(key, value)
        if isinstance(value, Mapping | list | tuple) and value:
            return f"{self.inner(key)}{self.opening}{text}{self.closing}"
        return f"{self.inner(key)} {text}"

    def code(self, key: str, text: str) -> str:
        """A string value: by its name if ``key`` holds codes and it has one, else as is."""
        kind = CODED.get(key)
        if kind == "record":
            found = RECORDS.get(text) or TABLES.get(text)
        elif kind == "action":
            found = ACTIONS.get(text)
        elif kind == "label":
            english = LABELS.get(text)
            return text if english is None else self.gettext(english)
        else:
            return text
        return text if found is None else self.pgettext(*found)
