"""A household's or visitor's id as a user gives it, found as it is stored.

Exports write an id that starts like a formula (``=X``) with an apostrophe before it
(``'=X``: :mod:`~doorstep.services.importing.formulas`), and a user copies it from there.
Each command that looks a person up by id asks :func:`stored_id` first, so that all of
them read such an id alike, as file mode's ``pair --explain`` does.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from doorstep.services.importing.formulas import typed_forms
from doorstep.storage.repositories import household_data, lookups

#: Whose id: a household's or a visitor's.
Person = Literal["household", "visitor"]


def stored_id(session: Session, person: Person, given: str) -> str:
    """The id ``given`` names: itself when a household (or visitor) holds it, else the
    id an export wrote as ``given`` when one holds that, else ``given`` unchanged, for the
    lookup that follows to refuse as it always did. An erased household is held by no
    row, but the trail keeps its id: ``'=X`` of an erased ``=X`` is told it was erased.
    """
    forms = typed_forms(given)
    if len(forms) == 1:  # nothing an export could have escaped: no need to look
        return given
    conn = session.connection()
    held = lookups.held_ids(conn, "households" if person == "household" else "visitors", forms)
    if not held and person == "household":
        held = household_data.erased_ids(conn, list(forms))
    return next((f for f in forms if f in held), given)
