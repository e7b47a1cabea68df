"""The one error hierarchy for business-rule failures.

Each error carries an HTTP-like status so every front door (CLI, API, web) can render it
the same way. A bug is never a ``DoorstepError``.
"""

from __future__ import annotations


class DoorstepError(Exception):
    """A failure the user can act on."""

    status: int = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
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
