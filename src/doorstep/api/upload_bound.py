"""The most bytes an upload may have: a request to an import route that says it is larger
(``Content-Length``), or turns out so while it arrives, is refused with 413 before the rest
is read, rather than filling the server's disk. The command line's `doorstep import` on the
server has no bound: it reads the file where it lies.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Where files are uploaded: the API's import route and the web app's import page.
UPLOAD_PATHS = ("/api/v1/imports/", "/imports")


class _TooLarge(Exception):
    pass


class UploadBound:
    """ASGI middleware refusing uploads of more than ``limit()`` bytes (read per request:
    the app's setting, which a deployment or a test may change)."""

    def __init__(self, app: ASGIApp, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and str(scope["path"]).startswith(UPLOAD_PATHS)
        ):
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        said = dict(scope.get("headers") or []).get(b"content-length")
        if said is not None and said.isdigit() and int(said) > limit:
            await _refuse(send, limit, scope)
            return
        seen = 0
        over = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            # Past the bound, whatever the app answers (its body parser turns the error
            # into a 400 of its own) gives way to the 413.
            if not over:
                await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not over:
                raise
        if over:
            await _refuse(send, limit, scope)


def described(limit: int) -> str:
    mib = limit / 2**20
    return (
        f"the upload is larger than this server takes ({mib:,.0f} MiB, "
        "DOORSTEP_MAX_UPLOAD_MB): split the file, or import it with `doorstep import` on the "
        "server"
    )


async def _refuse(send: Send, limit: int, scope: Scope) -> None:
    """413: a problem document to the API, a page to a browser."""
    if str(scope["path"]).startswith("/api/"):
        kind = b"application/problem+json"
        body = json.dumps(
            {"title": "UploadTooLarge", "status": 413, "detail": described(limit)}
        ).encode()
    else:
        kind = b"text/html; charset=utf-8"
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too large'
            f"</title></head><body><p>{html.escape(described(limit))}.</p>"
            '<p><a href="/imports">Back</a></p></body></html>'
        ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
