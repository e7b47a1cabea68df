"""A page's form sends each box left empty as ``name=``: for a page, that is a field not given.

A browser cannot leave a box out of a form, so ``/outcomes?area=GZ&year=`` is what the
outcomes form sends when no year is typed (or none was known to fill in), and a form sent
by POST carries ``end=`` in its body the same way. The pages' typed fields (a year, a number
of days, a day) would refuse the empty text ("check year: Input should be a valid
integer"); each takes its default instead once the empty field is gone. A box holding only
spaces is an empty one, as an import's cell of spaces is (``end=+`` is no day, and
``household=+`` no id): a required field left so is refused as missing ("check household:
Field required"), in the page's language. No page's form gives a box of spaces a meaning of
its own: a note or a reason of spaces is none, as an empty one is.
The API under ``/api/v1`` keeps what it is sent: a client that writes ``days=`` is told.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstep.api.app import PREFIX

#: The body a page's form sends (an upload's, ``multipart/form-data``, is left as sent: its
#: boxes are a choice and a file).
FORM = b"application/x-www-form-urlencoded"


def without_blank_fields(query: bytes) -> bytes:
    """``query`` (an address's query, or a form's body) without the fields whose value is
    empty or only spaces (``a=``, ``a=+``, ``a``), the others kept byte for byte, in their
    order."""
    kept = [
        part
        for part in query.split(b"&")
        if unquote_plus(part.partition(b"=")[2].decode("latin-1")).strip()
    ]
    return b"&".join(kept)


def _is_form(scope: Scope) -> bool:
    kind: bytes = dict(scope.get("headers") or []).get(b"content-type", b"")
    return kind.split(b";")[0].strip().lower() == FORM


class BlankFieldsDropped:
    """ASGI middleware: a page's address and form lose their blank fields (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path == PREFIX or path.startswith(PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if query:
            dropped = without_blank_fields(query)
            if dropped != query:
                scope = {**scope, "query_string": dropped}
        if _is_form(scope):
            scope, receive = await _form_without_blank_fields(scope, receive)
        await self.app(scope, receive, send)


async def _form_without_blank_fields(scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
    """The form's whole body read (the route reads it whole too), its blank fields dropped,
    and handed on as one message; a client gone before the end is handed on as gone."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            first = message
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            body = without_blank_fields(b"".join(chunks))
            first = {"type": "http.request", "body": body, "more_body": False}
            headers = [(k, v) for k, v in scope.get("headers") or [] if k != b"content-length"]
            scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
            break
    handed = False

    async def replayed() -> Message:
        nonlocal handed
        if not handed:
            handed = True
            return first
        return await receive()

    return scope, replayed
