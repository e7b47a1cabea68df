"""A page's form sends each box left empty as ``name=``: for a page, that is a field not given.

A browser cannot leave a box out of a GET form, so ``/outcomes?area=GZ&year=`` is what the
outcomes form sends when no year is typed (or none was known to fill in). The pages' typed
fields (a year, a number of days, a day) would refuse the empty text ("check year: Input
should be a valid integer"); each takes its default instead once the empty field is gone.
The API under ``/api/v1`` keeps what it is sent: a client that writes ``days=`` is told.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Receive, Scope, Send

from doorstep.api.app import PREFIX


def without_blank_fields(query: bytes) -> bytes:
    """``query`` without the fields whose value is empty or only spaces (``a=``, ``a=+``,
    ``a``), the others kept byte for byte, in their order."""
    kept = [
        part
        for part in query.split(b"&")
        if unquote_plus(part.partition(b"=")[2].decode("latin-1")).strip()
    ]
    return b"&".join(kept)


class BlankFieldsDropped:
    """ASGI middleware: a page's address loses its blank fields (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"") if scope["type"] == "http" else b""
        path: str = scope.get("path", "")
        if query and path != PREFIX and not path.startswith(PREFIX + "/"):
            dropped = without_blank_fields(query)
            if dropped != query:
                scope = {**scope, "query_string": dropped}
        await self.app(scope, receive, send)
