"""The one error hierarchy for business-rule failures.

Each error carries an HTTP-like status so every front door (CLI, API, web) can render it
the same way. A bug is never a ``DoorstepError``. An error raised with a :class:`Say` (its
English template and values) can be shown in a page's language; its ``message`` is the
template rendered in English, what the CLI, the API and the audit trail write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from doorstep.say import Say


@dataclass(frozen=True)
class Named:
    """People an error's message names by id (``entity``: whose ids they are), and the
    detail of the ``read`` the audit trail records under each: whoever is shown the
    message has read that of them, though the command was refused."""

    entity: str
    ids: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)
    #: The message as the attempt's own event keeps it, naming no one (a household's or a
    #: visitor's id becomes "a household", "a visitor"): that event is not under their
    #: ids, so their erasure would not find it there (the read under each id says who was
    #: shown it). ``None``: the message, which then names no one.
    unnamed: str | None = None


class DoorstepError(Exception):
    """A failure the user can act on; ``named``: the people its message names, if any (one
    :class:`Named` per entity: a household and the visitor it is paired with).

    ``message`` is English text, or a :class:`Say` to translate (:attr:`says`), which the
    English :attr:`message` is rendered from."""

    status: int = 400

    def __init__(
        self,
        message: str | Say,
        *,
        status: int | None = None,
        named: Named | Sequence[Named] | None = None,
    ) -> None:
        #: The sentence's template and values, for a front door that speaks another
        #: language; ``None``: the message is English only (not converted yet).
        self.says: Say | None = message if isinstance(message, Say) else None
        self.message: str = message.english() if isinstance(message, Say) else message
        super().__init__(self.message)
        self.named: tuple[Named, ...] = (
            () if named is None else (named,) if isinstance(named, Named) else tuple(named)
        )
        if status is not None:
            self.status = status

    @property
    def stored_line(self) -> str:
        """The message as the audit trail may keep it: the first :attr:`Named.unnamed`,
        else the message itself (which then names no one)."""
        lines = [n.unnamed for n in self.named if n.unnamed is not None]
        return lines[0] if lines else self.message


class NotFound(DoorstepError):
    status = 404


class Conflict(DoorstepError):
    status = 409


class NotPermitted(DoorstepError):
    status = 403


class InvalidInput(DoorstepError):
    status = 422


class NotAuthenticated(DoorstepError):
    """An API request without a token the programme knows, or with one expired, revoked or
    of a disabled account."""

    status = 401
