"""Pydantic's reasons for refusing a form's field, in the page's language.

Pydantic writes its reasons in English (``msg``); each also has a ``type`` code and the
constraint's values (``ctx``: ``ge``, ``max_length``...). A page in another language shows
the reason of a type our forms can produce by a sentence of its own, translated and
filled with those values; an English page, or a type not listed here, shows pydantic's
``msg`` as the API does. A validator's ``ValueError`` whose argument is a
:class:`~doorstep.say.Said` is said in the page's language too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request

from doorstep.api import nul_refused
from doorstep.say import PLACEHOLDER, Said
from doorstep.web import i18n
from doorstep.web.labels import N_

#: Each type's sentence (pydantic's English, its values as ``%(name)s`` placeholders,
#: named as in ``ctx``), for the types the forms' models can refuse a field with.
REASONS: dict[str, str] = {
    "missing": N_("Field required"),
    "string_type": N_("Input should be a valid string"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "finite_number": N_("Input should be a finite number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "greater_than": N_("Input should be greater than %(gt)s"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than": N_("Input should be less than %(lt)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_inexact": N_("Input should be a date, without a time of day"),
    "uuid_type": N_("Input should be a valid UUID"),
    "uuid_parsing": N_("Input should be a valid UUID"),
    "list_type": N_("Input should be a valid list"),
    "too_short": N_("List should have at least %(min_length)s items, not %(actual_length)s"),
    "too_long": N_("List should have at most %(max_length)s items, not %(actual_length)s"),
    "enum": N_("Input should be one of %(expected)s"),
    "literal_error": N_("Input should be one of %(expected)s"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    nul_refused.TYPE: N_("Input should not contain a NUL character (\\x00)"),
}

#: The choices of an ``enum`` or ``literal_error`` as pydantic writes them: ``'a', 'b' or 'c'``.
_QUOTED = re.compile(r"'([^']*)'")


def why(request: Request, error: Mapping[str, Any]) -> str:
    """The reason of one of pydantic's errors (an item of ``ValidationError.errors()``) in
    the language of the page answering ``request``."""
    tag = i18n.language(request)
    english = str(error["msg"])
    if tag == i18n.DEFAULT:
        return english
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if error["type"] == "value_error":
        raised = ctx.get("error")
        said = raised.args[0] if isinstance(raised, ValueError) and raised.args else None
        return i18n.said_in(tag, said.says) if isinstance(said, Said) else english
    template = REASONS.get(error["type"])
    if template is None or not set(PLACEHOLDER.findall(template)) <= set(ctx):
        return english
    words = i18n.translations(tag)
    values = {name: _shown(ctx[name]) for name in PLACEHOLDER.findall(template)}
    if "expected" in values:
        values["expected"] = words.pgettext("punctuation", ", ").join(
            _QUOTED.findall(values["expected"]) or [values["expected"]]
        )
    return words.gettext(template) % values


def _shown(value: object) -> str:
    """A constraint's value as the page shows it: a day in ISO, a number with separators."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def checked(request: Request, errors: Iterable[tuple[str, Mapping[str, Any]]]) -> str:
    """The refusal of a page's form: "check field: reason; ..." (:func:`each`), or "check
    the form" where no field is named, in the page's language."""
    said = each(request, errors)
    _ = i18n.gettext_for(request)
    return _("check %(fields)s") % {"fields": said} if said else _("check the form")


def each(request: Request, errors: Iterable[tuple[str, Mapping[str, Any]]]) -> str:
    """``field: reason; field: reason``, the reasons said by :func:`why`, punctuated as
    the page's language punctuates."""
    words = i18n.translations(i18n.language(request))
    colon = words.pgettext("punctuation", ": ")
    return words.pgettext("punctuation", "; ").join(
        f"{field}{colon}{why(request, error)}" for field, error in errors
    )
