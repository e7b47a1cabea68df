"""A household's and a visitor's rights: everything held about them, as the file
`doorstep household|visitor export` writes, and their erasure, as `... erase` does.

The functions below are what the routes and the web app's pages both call: one audited
unit of work each, with the attempt the command line records, under the account's actor.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Response
from sqlalchemy import Engine

from doorstep.api.deps import EngineDep, PrincipalDep, TodayDep, unit
from doorstep.api.schemas import ErasureConfirm, HouseholdErased, VisitorErased
from doorstep.domain.ids import normal_id
from doorstep.errors import InvalidInput
from doorstep.privacy import access
from doorstep.privacy.access import Principal
from doorstep.privacy.audit import SUBJECT_EXPORT, Attempt
from doorstep.say import Say
from doorstep.services import household_rights, visitor_rights
from doorstep.services.rights_json import MEDIA_TYPE, export_filename, export_text

router = APIRouter(tags=["rights"])

Subject = Literal["household", "visitor"]
_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPE: {}}, "description": "The export, as a JSON file"}
}


@router.get("/households/{household:path}/export", response_class=Response, responses=_FILE)
def household_export(household: str, engine: EngineDep, who: PrincipalDep) -> Response:
    """Everything held about the household, as `doorstep household export` writes it (an
    area's account, for a household in its area)."""
    return export_response(engine, who, "household", household)


@router.post("/households/{household:path}/erase", response_model=HouseholdErased)
def household_erase(
    household: str, body: ErasureConfirm, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> HouseholdErased:
    """Erase the household and everything held about it, as `doorstep household erase`
    does (a manager, for a household in its area; ``confirm``: its id again)."""
    return erase_household(engine, who, household, body.confirm, today)


@router.get("/visitors/{visitor:path}/export", response_class=Response, responses=_FILE)
def visitor_export(visitor: str, engine: EngineDep, who: PrincipalDep) -> Response:
    """Everything held about the visitor, as `doorstep visitor export` writes it (their own
    account, or an area's account whose area holds their home area)."""
    return export_response(engine, who, "visitor", visitor)


@router.post("/visitors/{visitor:path}/erase", response_model=VisitorErased)
def visitor_erase(
    visitor: str, body: ErasureConfirm, engine: EngineDep, who: PrincipalDep, today: TodayDep
) -> VisitorErased:
    """Erase the visitor's personal data, as `doorstep visitor erase` does (a manager, for a
    visitor whose home area is in its area; ``confirm``: their id again)."""
    return erase_visitor(engine, who, visitor, body.confirm, today)


def export_response(engine: Engine, who: Principal, subject: Subject, given: str) -> Response:
    """The export of the household or visitor ``given``, if ``who`` may have it, as a JSON
    file to download; recorded as the command line records it (a refusal as an attempt)."""
    external_id = normal_id(given)
    tried = Attempt(who.actor, SUBJECT_EXPORT, subject, external_id)
    with unit(engine, who, tried) as session:
        conn = session.connection()
        if subject == "household":
            access.check_household_export(conn, who, external_id)
            data = household_rights.export_household(session, external_id, actor=who.actor)
        else:
            access.check_visitor_export(conn, who, external_id)
            data = visitor_rights.export_visitor(session, external_id, actor=who.actor)
    disposition = f'attachment; filename="{export_filename(external_id)}"'
    return Response(
        export_text(data), media_type=MEDIA_TYPE, headers={"Content-Disposition": disposition}
    )


def check_confirmed(external_id: str, confirm: str) -> None:
    """Refuse an erasure whose confirmation is not the id erased, before anything is read
    or recorded, as `erase` without ``--yes`` is: a slip (a wrong id, a form sent twice)
    erases no one."""
    if normal_id(confirm.strip()) != external_id:
        raise InvalidInput(
            Say(
                "erasing %(id)s cannot be undone: to confirm, give its id (%(id)s) as confirm",
                id=external_id,
            )
        )


def erase_household(
    engine: Engine, who: Principal, given: str, confirm: str, today: dt.date
) -> HouseholdErased:
    """Erase the household ``given`` if ``who`` may and ``confirm`` names it."""
    household = normal_id(given)
    check_confirmed(household, confirm)
    tried = Attempt(who.actor, "delete", "household", household)
    with unit(engine, who, tried) as session:
        access.check_household_erasure(session.connection(), who, household)
        counts = household_rights.erase_household(session, household, actor=who.actor, today=today)
    return HouseholdErased(
        household=household,
        erased=counts,
        still_on_disk=household_rights.still_on_disk(session),
    )


def erase_visitor(
    engine: Engine, who: Principal, given: str, confirm: str, today: dt.date
) -> VisitorErased:
    """Erase the visitor ``given`` if ``who`` may and ``confirm`` names them; refused
    (409) while they still look after households, as at the command line."""
    visitor = normal_id(given)
    check_confirmed(visitor, confirm)
    tried = Attempt(who.actor, "delete", "visitor", visitor)
    with unit(engine, who, tried) as session:
        access.check_visitor_erasure(session.connection(), who, visitor)
        done = visitor_rights.erase_visitor(session, visitor, actor=who.actor, today=today)
    return VisitorErased(
        visitor=visitor,
        erased=done.erased,
        kept=done.kept,
        still_on_disk=household_rights.still_on_disk(session),
    )
