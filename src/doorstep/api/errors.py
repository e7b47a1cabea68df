"""Business-rule failures as problem details (RFC 9457), with the status the error carries.

The message is the one the command line prints: it says what to do. People it names were
shown to the caller, so each gets a read in the trail, as at the command line.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from doorstep.errors import DoorstepError, NotAuthenticated

PROBLEM = "application/problem+json"


def problem(exc: DoorstepError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
    return JSONResponse(
        {"title": type(exc).__name__, "status": exc.status, "detail": exc.message},
        status_code=exc.status,
        media_type=PROBLEM,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DoorstepError)
        return problem(exc)

    app.add_exception_handler(DoorstepError, handle)
