"""Every text field a front door bounds is bounded as the column it lands in.

PostgreSQL refuses a value longer than its ``VARCHAR(n)`` where SQLite stores it whole, so
a field bounded more loosely than its column passes the API's check and fails on one
database (a 500), and one bounded more tightly refuses what the command line takes. The
bounds come from :mod:`doorstep.domain.lengths` (and ``VISIT_ID_MAX``), which the tables
are declared with; these tests find every bounded text field of the API's and the pages'
routes (their address, query, form and JSON fields, the models within models too) and
compare each with its column, so that a new bounded field must name its column here.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from sqlalchemy import Column, String

from doorstep.domain.lengths import LONGEST
from doorstep.storage.tables import (
    Account,
    Activity,
    Area,
    Exclusion,
    Household,
    Organisation,
    Project,
    Visit,
    Visitor,
)
from doorstep.web.app import create_app
from doorstep.web.pages import TEMPLATES

#: Each bounded text field of the front doors (``Model.field`` for a model's, ``field in
#: path`` for a route's own), by the column it is stored in or looked up by.
COLUMNS: dict[str, Column[Any]] = {
    "AccountCreate.name": Account.__table__.c.name,
    "name in /accounts/{name}/tokens": Account.__table__.c.name,
    "name in /accounts/{name}/disable": Account.__table__.c.name,
    "ActivityCreate.code": Activity.__table__.c.code,
    "ActivityCreate.title": Activity.__table__.c.title,
    "ProjectCreate.code": Project.__table__.c.code,
    "ProjectCreate.title": Project.__table__.c.title,
    "ReferralCreate.household": Household.__table__.c.external_id,
    "ReferralCreate.organisation": Organisation.__table__.c.code,
    "ReferralCreate.visitor": Visitor.__table__.c.external_id,
    "ConsentSent.household": Household.__table__.c.external_id,
    "VisitCreate.visit_id": Visit.__table__.c.client_uuid,
    "VisitSent.visit_id": Visit.__table__.c.client_uuid,
    "visit_id in /record": Visit.__table__.c.client_uuid,
    # What is typed in an area's box, matched against areas' names (the longer of the two).
    "q in /areas/choices": Area.__table__.c.name,
}

#: Each bound of the pages' forms (``maxlength="{{ longest.NAME }}"``), by the columns its
#: fields are stored in.
FORM_COLUMNS: dict[str, Sequence[Column[Any]]] = {
    "code": (Activity.__table__.c.code, Project.__table__.c.code),
    "title": (Activity.__table__.c.title, Project.__table__.c.title),
    "account_name": (Account.__table__.c.name,),
    "reason": (Exclusion.__table__.c.reason,),
}


def _length(column: Column[Any]) -> int | None:
    kind = column.type
    return kind.length if isinstance(kind, String) else None


def _most(info: FieldInfo) -> int | None:
    return next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)


def _is_text(annotation: Any) -> bool:
    """``str``, or ``str | None`` (a list's bound counts its items, not characters)."""
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return annotation is str or (union and str in typing.get_args(annotation))


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation holds: itself, or within a list, a union, a tuple."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for inner in typing.get_args(annotation):
        yield from _models(inner)


def _routes(routes: Sequence[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # a router included in the app
            yield from _routes(route.original_router.routes)


def _bounded() -> dict[str, int]:
    """Every bounded text field of the API's and the pages' routes, with its bound."""
    found: dict[str, int] = {}
    seen: set[type[BaseModel]] = set()

    def model(m: type[BaseModel]) -> None:
        if m in seen:
            return
        seen.add(m)
        for name, info in m.model_fields.items():
            most = _most(info)
            if most is not None and _is_text(info.annotation):
                found[f"{m.__name__}.{name}"] = most
            for inner in _models(info.annotation):
                model(inner)

    def dependant(d: Dependant, path: str) -> None:
        for field in (*d.path_params, *d.query_params, *d.body_params, *d.header_params):
            most = _most(field.field_info)
            if most is not None and _is_text(field.field_info.annotation):
                found[f"{field.name} in {path}"] = most
            for inner in _models(field.field_info.annotation):
                model(inner)
        for sub in d.dependencies:
            dependant(sub, path)

    for route in _routes(create_app("sqlite://").routes):
        dependant(route.dependant, route.path)
    return found


def test_every_bounded_text_field_of_the_api_and_the_pages_is_bounded_as_its_column() -> None:
    found = _bounded()
    assert set(found) == set(COLUMNS), "name the column of each bounded field in COLUMNS"
    assert found == {name: _length(column) for name, column in COLUMNS.items()}


def test_every_bound_of_the_pages_forms_is_its_columns() -> None:
    bounds = set()
    for template in TEMPLATES.rglob("*.html"):
        for bound in re.findall(r'maxlength="([^"]*)"', template.read_text()):
            named = re.fullmatch(r"\{\{ longest\.(\w+) \}\}", bound)
            assert named, f"{template.name}: maxlength={bound!r}, not a column's bound"
            bounds.add(named[1])
    assert bounds == set(FORM_COLUMNS)
    lengths = {name: {_length(c) for c in columns} for name, columns in FORM_COLUMNS.items()}
    assert {name: {most} for name, most in LONGEST.items()} == lengths
