"""Every JSON answer of ``/api/v1`` is a declared, typed model, so ``/openapi.json`` tells a
client author each field of what a route answers, and an answer is checked against it.

An answer that is not JSON (a CSV, xlsx, ics or zip file, a 204) is out of scope; so is a
JSON file to download. The few fields whose values are free-form are listed below, each
with why, and a test fails when one of them is typed at last, so the lists do not rot.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterator
from typing import Any

import pytest

from doorstep.api.app import PREFIX, create_app

#: JSON answers that are files, not models: (method, path) -> why.
FILES = {
    ("get", f"{PREFIX}/households/{{household}}/export"): "everything held about a household, "
    "a file to download (`doorstep household export` writes the same), versioned on its own",
    ("get", f"{PREFIX}/visitors/{{visitor}}/export"): "everything held about a visitor, a file "
    "to download (`doorstep visitor export` writes the same), versioned on its own",
}

#: Fields of answers whose values are free-form by design: "Model.field" -> why.
FREE_FORM = {
    "AuditEvent.detail": "what an event keeps differs by its action and entity",
    "ProposalRead.params": "the settings a proposal was made with, as stored with it: they "
    "grow with the pairing engine's options",
    "ProposalRead.figures": "every figure stored with a proposal, as the engine gave them",
}

#: Fields that still answer untyped objects: "Model.field" -> why (to type next).
NOT_YET_TYPED: dict[str, str] = {}


def _spec() -> dict[str, Any]:
    app = create_app("sqlite://")
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()


SPEC = _spec()
COMPONENTS: dict[str, Any] = SPEC.get("components", {}).get("schemas", {})
#: Keys that describe a schema without typing it.
WORDS = {"title", "description", "default", "examples", "deprecated"}


def _resolved(schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The schema a ``$ref`` names (and that name), or the schema itself."""
    name = None
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = COMPONENTS[name]
    return schema, name


def _untyped(schema: dict[str, Any], where: str) -> Iterator[str]:
    """Where within ``schema`` (``where``: "Model.field") a value is an untyped object."""
    schema, name = _resolved(schema)
    if not set(schema) - WORDS:
        yield where
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _untyped(branch, where)
    if schema.get("type") == "array":  # a list's items, or a tuple's (prefixItems)
        for inner in schema.get("prefixItems") or [schema.get("items", {})]:
            yield from _untyped(inner, where)
    if schema.get("type") == "object":
        for field, inner in schema.get("properties", {}).items():
            yield from _untyped(inner, f"{name}.{field}")
        extra = schema.get("additionalProperties")
        if "properties" not in schema:
            if not isinstance(extra, dict) or not set(extra) - WORDS:
                yield where
            else:
                yield from _untyped(extra, where)


def _model_like(schema: dict[str, Any]) -> bool:
    """An answer is a model (an object with named fields), a list of models, or one of
    several models (a work list's answer: its ``kind`` tells which)."""
    schema, _ = _resolved(schema)
    if schema.get("type") == "array":
        return _model_like(schema.get("items", {}))
    branches = schema.get("oneOf") or schema.get("anyOf")
    if branches:
        return all(_model_like(branch) for branch in branches)
    return bool(schema.get("properties"))


def _json_answers() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, its 2xx JSON answer's media type object) of each /api/v1 operation."""
    for path, operations in SPEC["paths"].items():
        if not path.startswith(PREFIX):
            continue
        for method, operation in operations.items():
            for code, answer in operation.get("responses", {}).items():
                json = answer.get("content", {}).get("application/json")
                if code.startswith("2") and json is not None:
                    yield method, path, json


def test_every_json_answer_of_the_api_is_a_typed_model() -> None:
    answers = list(_json_answers())
    assert len(answers) > 30, "the walk found the API's answers"
    wrong = []
    for method, path, json in answers:
        if (method, path) in FILES:
            continue
        schema = json.get("schema", {})
        if not _model_like(schema):
            wrong.append(f"{method.upper()} {path}: answers {schema or 'no schema'}")
            continue
        allowed = FREE_FORM.keys() | NOT_YET_TYPED.keys()
        for where in _untyped(schema, "the answer"):
            if where not in allowed:
                wrong.append(f"{method.upper()} {path}: {where} is an untyped object")
    assert not wrong, "answers not declared as typed models:\n" + "\n".join(sorted(set(wrong)))


def test_the_listed_exceptions_are_still_exceptions() -> None:
    """A file that became a model, or a field typed at last, leaves its list."""
    for method, path in FILES:
        assert (method, path) in {(m, p) for m, p, _ in _json_answers()}, path
    found = {
        where
        for _, _, json in _json_answers()
        for where in _untyped(json.get("schema", {}), "the answer")
    }
    assert set(FREE_FORM) | set(NOT_YET_TYPED) <= found


#: (answer model, the dataclass it is read from, the fields it adds), by "module:name".
READ_FROM_ROWS = [
    ("activity_schemas:ActivityListed", "services.activities:ActivityRow", ()),
    ("activity_schemas:ProjectListed", "services.projects:ProjectRow", ("past_end",)),
    ("referral_schemas:ReferralListed", "services.referrals:ReferralRow", ()),
    ("schemas:ExclusionListed", "services.exclusions:ExclusionRow", ()),
    ("check_schemas:OverWorkListed", "services.size_check:OverWork", ()),
    ("report_schemas:ReportAreaRead", "domain.reporting:ReportArea", ()),
    ("report_schemas:AreaFiguresRead", "reports.build:AreaFigures", ()),
    ("report_schemas:MonthFiguresRead", "reports.build:MonthFigures", ()),
    ("report_schemas:ProgrammeReportRead", "reports.build:ProgrammeReport", ()),
    (
        "report_schemas:OutcomeFiguresRead",
        "reports.outcomes:OutcomeFigures",
        ("below_line_share", "in_work_share", "with_services_share"),
    ),
    ("report_schemas:OutcomesRead", "reports.outcomes:OutcomesReport", ()),
]


def _named_object(where: str) -> Any:
    module, name = where.split(":")
    return getattr(importlib.import_module(f"doorstep.{module}"), name)


@pytest.mark.parametrize(("model", "row", "added"), READ_FROM_ROWS)
def test_an_answer_read_from_a_row_names_the_row_s_fields_in_its_order(
    model: str, row: str, added: tuple[str, ...]
) -> None:
    """A field the service adds to its row must reach the answer, in the place the answer
    always gave it (the model would drop it silently)."""
    fields = tuple(_named_object(f"api.{model}").model_fields)
    names = tuple(f.name for f in dataclasses.fields(_named_object(row)))
    if model.endswith(":OutcomesRead"):  # its title, a property of the report, comes first
        assert fields[0] == "title"
        fields = fields[1:]
    assert fields == names + added


def _named(schema: dict[str, Any]) -> Iterator[str]:
    """The names of the models ``schema`` refers to, at any depth."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        yield name
        yield from _named(COMPONENTS[name])
    for value in schema.values():
        for inner in value if isinstance(value, list) else [value]:
            if isinstance(inner, dict):
                yield from _named(inner)


def test_every_answer_model_says_what_it_is() -> None:
    """A model's docstring is its description in /docs."""
    answered = {name for _, _, json in _json_answers() for name in _named(json)}
    missing = sorted(n for n in answered if not COMPONENTS[n].get("description"))
    assert not missing, f"answer models without a docstring: {missing}"
