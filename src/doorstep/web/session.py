"""Who is signed in: the API token, kept in a cookie the page's scripts cannot read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from doorstep.api.deps import EngineDep
from doorstep.errors import NotAuthenticated
from doorstep.privacy.access import Principal
from doorstep.services import accounts
from doorstep.storage.session import unit_of_work

#: The cookie that holds the token: HttpOnly, SameSite=Strict (no other site can make the
#: browser send it with a form), Secure when the page came over HTTPS.
COOKIE = "doorstep_token"


class SignInNeeded(Exception):
    """No live token in the cookie: the page sends the browser to sign in."""


def signed_in(request: Request, engine: EngineDep) -> Principal:
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInNeeded
    try:
        with unit_of_work(engine) as session:
            return accounts.authenticate(session, token)
    except NotAuthenticated:
        raise SignInNeeded from None


WebPrincipalDep = Annotated[Principal, Depends(signed_in)]
