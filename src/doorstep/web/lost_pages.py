"""An address the site has no page at, or a page asked for in a way it is not opened (a
form's address opened from the browser's history): a page saying so in the reader's
language, with the way back, where a browser showed the framework's ``{"detail": "Not
Found"}``. The API's addresses keep their problem documents, and a page's script (which
does not ask for HTML) the framework's answer."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from doorstep.api import errors as api_errors
from doorstep.api.app import PREFIX
from doorstep.web.pages import render
from doorstep.web.session import SignInNeeded, signed_in

#: The refusals a reader's browser is shown a page for.
SHOWN = frozenset({404, 405})


def install(app: FastAPI) -> None:
    """In place of the API's handler of the framework's refusals (the site is one app)."""

    async def lost(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        path = request.url.path
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return api_errors.http_problem(exc)
        if exc.status_code not in SHOWN or "text/html" not in request.headers.get("accept", ""):
            return await http_exception_handler(request, exc)
        try:  # the menu, for a reader signed in
            who = signed_in(request, request.app.state.engine)
        except SignInNeeded:
            who = None
        return render(
            request, "lost.html", who, status=exc.status_code, gone=exc.status_code == 404
        )

    app.add_exception_handler(HTTPException, lost)
