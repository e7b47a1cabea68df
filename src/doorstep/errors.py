"""The one error hierarchy for business-rule failures.

Each error carries an HTTP-like status so every front door (CLI, API, web) can render it
the same way. A bug is never a ``DoorstepError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Named:
    """People an error's message names by id (``entity``: whose ids they are), and the
    detail of the ``read`` the audit trail records under each: whoever is shown the
    message has read that of them, though the command was refused."""

    entity: str
    ids: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)
    #: The message as the attempt's own event keeps it, without their ids, where those are
    #: a household's: that event is not under the household's id, so its erasure would not
    #: find it there (the read under its id says who was shown it). ``None``: the message.
    unnamed: str | None = None


class DoorstepError(Exception):
    """A failure the user can act on; ``named``: the people its message names, if any."""

    status: int = 400

    def __init__(
        self, message: str, *, status: int | None = None, named: Named | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.named = named
        if status is not None:
            self.status = status


class NotFound(DoorstepError):
    status = 404


class Conflict(DoorstepError):
    status = 409


class NotPermitted(DoorstepError):
    status = 403


class InvalidInput(DoorstepError):
    status = 422
