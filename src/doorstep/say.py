"""What the services say to people, in a form a front door can put in another language.

A :class:`Say` is a sentence's English template, with gettext's ``%(name)s`` placeholders,
and the values that fill them. :meth:`Say.english` is the sentence as the command line,
the API and the audit trail have always written it; the web app looks the template up in
the page's catalogue and fills the translation with the same values
(:func:`doorstep.web.i18n.told`). English is rendered from the template, so the English
and the words translated can never tell two stories.

``make messages`` finds the templates because ``babel.cfg`` names ``Say`` a keyword: a
template is a string literal written in the call, ``Say("no household with id
%(household)s", household=...)``, never a variable (a sentence that varies is two
templates, one chosen in code). Nothing here knows Babel, a catalogue or the web.

A value is data, shown as it is (an id, a name, a day, a number); a :class:`Code` (a
consent state, a service, a status), which a page shows by its label; a :class:`Say`,
a part of the sentence, translated too; or an :class:`Act`, something the reader is told
to do, which each front door words as its own user does it (the command line by its
command, the API by its route, the pages by their page and button).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

#: The placeholders of a template: ``%(name)s`` only, as the catalogue's checks expect.
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


class Code(str):
    """A stored code in a sentence (``withdrawn``, ``employment``): English writes the
    code itself; a page shows its label in the page's language."""

    __slots__ = ()


#: A value: data (a ``Code`` is a ``str``), a part of the sentence, or an action.
Value: TypeAlias = "str | int | dt.date | Say | Act"

#: How a front door words an :class:`Act` (its values filled in): a :class:`Say` to
#: translate, or English only (a ``str``: the API's); ``None``: as the command line does
#: (:attr:`Act.command`), that front door having no words of its own for it.
Wording: TypeAlias = "Callable[[Act], Say | str | None]"


@dataclass(frozen=True, init=False)
class Say:
    """A sentence to translate: its English ``template`` and the ``values`` that fill it,
    checked on construction to be the template's placeholders, no more and no fewer."""

    template: str
    values: tuple[tuple[str, Value], ...]

    def __init__(self, template: str, /, **values: Value) -> None:
        wanted = set(PLACEHOLDER.findall(template))
        if wanted != set(values):
            raise ValueError(f"{template!r} takes {sorted(wanted)}, not {sorted(values)}")
        if "%" in PLACEHOLDER.sub("", template).replace("%%", ""):
            raise ValueError(f"{template!r}: only %(name)s placeholders, and %% for a %")
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "values", tuple(values.items()))

    def render(
        self,
        gettext: Callable[[str], str],
        label: Callable[[str], str],
        words: Wording | None = None,
    ) -> str:
        """The sentence in the language of ``gettext`` (a catalogue's), its codes shown by
        ``label``, its acts worded by ``words`` (``None``: the command line's): the
        template's translation filled with the values (a part translated the same way)."""
        filled = {
            name: (
                value.render(gettext, label, words)
                if isinstance(value, Say)
                else value.render(gettext, label, words)
                if isinstance(value, Act)
                else label(value)
                if isinstance(value, Code)
                else str(value)
            )
            for name, value in self.values
        }
        return gettext(self.template) % filled

    def english(self, words: Wording | None = None) -> str:
        """The sentence in English, codes as they are, acts as ``words`` word them (by
        default the command line's): what the CLI and the trail write."""
        return self.render(_same, str, words)

    def __str__(self) -> str:
        return self.english()


@dataclass(frozen=True, init=False)
class Act:
    """Something a sentence tells its reader to do (pair an area again, lift an exclusion),
    named by ``name`` with its ``values``, and said as the command line does it
    (``command``, English only: what English writes by default, as the command line and the
    trail always have). A front door whose user has no command line words ``name`` as that
    user does it (a :data:`Wording`): the API by its route, the pages by their page and
    button. Every wording fills the same place in the sentence: a part, not a sentence.
    """

    name: str
    command: str
    values: tuple[tuple[str, Value], ...]

    def __init__(self, name: str, command: str, /, **values: Value) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "command", command)
        object.__setattr__(self, "values", tuple(values.items()))

    def value(self, name: str) -> Value:
        """One of the act's values, for a wording to fill its words with."""
        return dict(self.values)[name]

    def render(
        self,
        gettext: Callable[[str], str],
        label: Callable[[str], str],
        words: Wording | None = None,
    ) -> str:
        """The act as ``words`` word it (translated by ``gettext``), else the command."""
        said = None if words is None else words(self)
        if said is None or isinstance(said, str):
            return self.command if said is None else said
        return said.render(gettext, label, words)


class Said(str):
    """A sentence in English that keeps its :class:`Say`: a ``str`` wherever English is
    written, compared or joined (a note in an import's list of notes), and :attr:`says`
    for a front door that speaks another language."""

    says: Say

    def __new__(cls, says: Say) -> Said:
        said = super().__new__(cls, says.english())
        said.says = says
        return said


#: How :func:`joined` joins two parts, by the separator English joins them with.
_JOINS: dict[str, Callable[[Value, Value], Say]] = {
    ", ": lambda first, rest: Say("%(first)s, %(rest)s", first=first, rest=rest),
    " and ": lambda first, rest: Say("%(first)s and %(rest)s", first=first, rest=rest),
    "; and ": lambda first, rest: Say("%(first)s; and %(rest)s", first=first, rest=rest),
    " or ": lambda first, rest: Say("%(first)s or %(rest)s", first=first, rest=rest),
}


def joined(parts: Sequence[Value], by: str) -> Value:
    """``parts`` joined as ``by.join`` joins them in English (``by``: ``", "``, ``" and "``,
    ``"; and "`` or ``" or "``), and as a page's language joins them: each join is a sentence of two
    parts, translated. One part is itself."""
    if not parts:
        raise ValueError("nothing to join")
    out = parts[-1]
    for part in reversed(parts[:-1]):
        out = _JOINS[by](part, out)
    return out


def _same(text: str) -> str:
    return text
