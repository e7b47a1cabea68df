"""Headers every answer carries, for the personal data the pages and the API hold.

* ``Cache-Control: no-store`` on every answer but the unchanging files (scripts, styles,
  icons served from a folder): a household's file or a work list is not kept by the browser
  of a shared computer, for the back button or the next person, nor by a proxy on the way.
  An answer that sets its own (the service worker's ``no-cache``) keeps it.
* The pages are shown in no other site's frame (``X-Frame-Options``, and CSP's
  ``frame-ancestors``, which newer browsers read instead): a button to erase a household
  cannot be clicked through a page laid over it.
* A file is taken as the type it is sent as (``nosniff``), and a link followed to another
  site does not carry the page's address, whose query may name a household
  (``Referrer-Policy``).
* Served over HTTPS (``serve --tls-cert``), the browser is told to come back over HTTPS
  only (``Strict-Transport-Security``): a sign-in token is never sent in the clear by a
  link or a typed address that says ``http``.

A pure ASGI middleware, so that streamed answers (exports) pass through as they are sent.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Set on every answer that has not set its own.
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}

#: Set on every answer but a folder's files, where it has not set its own.
NOT_KEPT = "no-store"

#: Set on every answer sent over HTTPS: a year, the usual.
HTTPS_ONLY = "max-age=31536000"


class SafeHeaders:
    """Adds :data:`ALWAYS` and :data:`NOT_KEPT` to ``app``'s answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                # The router has put what answered in the scope: a mounted folder's files
                # are the same for everyone, and may be kept.
                if not isinstance(scope.get("endpoint"), StaticFiles):
                    headers.setdefault("Cache-Control", NOT_KEPT)
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", HTTPS_ONLY)
            await send(message)

        await self.app(scope, receive, with_headers)
