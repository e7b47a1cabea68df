"""Business-rule failures as problem details (RFC 9457), with the status the error carries.

The message is the one the command line prints, what it says to do worded by the API's
routes instead of the command line's commands (:mod:`doorstep.api.remedies`). People it names were
shown to the caller, so each gets a read in the trail, as at the command line.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from doorstep.api import remedies
from doorstep.errors import DoorstepError, NotAuthenticated

PROBLEM = "application/problem+json"


def problem(exc: DoorstepError, detail: str | None = None) -> JSONResponse:
    """``exc`` as a problem document; ``detail``: its message in other words (the web
    app's scripts get it in the page's language), else its English message, what it tells
    one to do worded by the API's routes."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
    return JSONResponse(
        {
            "title": type(exc).__name__,
            "status": exc.status,
            "detail": remedies.message(exc) if detail is None else detail,
        },
        status_code=exc.status,
        media_type=PROBLEM,
        headers=headers,
    )


def invalid(exc: RequestValidationError, detail: str | None = None) -> JSONResponse:
    """A request the routes' types refuse (a day that is not one, a missing field), as a
    problem too, each error by where it is and why, as an import names row and column;
    ``detail``: those in other words (the web app's scripts get them in the page's
    language)."""
    said = [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
        for e in exc.errors()
    ]
    return JSONResponse(
        {
            "title": "InvalidInput",
            "status": 422,
            "detail": "; ".join(said) if detail is None else detail,
            "errors": jsonable_encoder(exc.errors()),
        },
        status_code=422,
        media_type=PROBLEM,
    )


def http_problem(exc: HTTPException) -> JSONResponse:
    """A refusal of the framework's own (a body that is not JSON, an address no route has,
    a method a route does not take) as a problem document too, titled by its status."""
    return JSONResponse(
        {
            "title": HTTPStatus(exc.status_code).phrase.title().replace(" ", ""),
            "status": exc.status_code,
            "detail": str(exc.detail),
        },
        status_code=exc.status_code,
        media_type=PROBLEM,
        headers=exc.headers,
    )


def install(app: FastAPI) -> None:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DoorstepError)
        return problem(exc)

    async def handle_invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return invalid(exc)

    async def handle_http(request: Request, exc: Exception) -> Response:
        # Under the API's addresses only: the pages' own are the site's.
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith("/api/"):
            return http_problem(exc)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(DoorstepError, handle)
    app.add_exception_handler(RequestValidationError, handle_invalid)
    app.add_exception_handler(HTTPException, handle_http)


def describe(app: FastAPI) -> None:
    """Have ``/openapi.json`` give every refusal (a 4xx answer) the media type this API
    sends it with, ``application/problem+json``: FastAPI files a declared answer under the
    route's own, ``application/json``."""
    made = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = made()
            for operation in _operations(spec):
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    if str(status).startswith("4") and "application/json" in content:
                        content[PROBLEM] = content.pop("application/json")
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for path in spec.get("paths", {}).values() for op in path.values()]
