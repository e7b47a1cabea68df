"""Who the caller is."""

from __future__ import annotations

from fastapi import APIRouter

from doorstep.api.deps import PrincipalDep
from doorstep.api.schemas import AccountRead

router = APIRouter(tags=["account"])


@router.get("/me", response_model=AccountRead)
def me(who: PrincipalDep) -> AccountRead:
    """The calling account: its role and scope."""
    return AccountRead(name=who.name, role=who.role, area=who.area, visitor=who.visitor)
