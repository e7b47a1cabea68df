"""The spec states the choices of a string the services take from a fixed set (the trail's
action, a plan's country, what a file imports), so a client built from ``/openapi.json``
can offer them; the spec is not enforced, and the services refuse another in their own
words, as the command line and the pages are told."""

from __future__ import annotations

from typing import Any

import holidays
from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from doorstep.services.audit_trail import ACTIONS
from doorstep.services.importing import IMPORTS
from tests.api.conftest import Headers


def _string(schema: dict[str, Any]) -> dict[str, Any]:
    """The string of a schema that may be none (``anyOf: [string, null]``), or the schema."""
    [string] = [s for s in schema.get("anyOf", [schema]) if s.get("type") == "string"]
    return string


def _parameter(spec: dict[str, Any], method: str, path: str, name: str) -> dict[str, Any]:
    [found] = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == name]
    return _string(found["schema"])


def test_the_spec_states_the_trail_s_actions_a_plan_s_countries_and_the_files_imported() -> None:
    spec = create_app("sqlite://").openapi()
    assert _parameter(spec, "get", "/api/v1/audit", "action")["enum"] == list(ACTIONS)
    country = spec["components"]["schemas"]["PlanCreate"]["properties"]["country"]
    assert _string(country)["enum"] == sorted(holidays.list_supported_countries())
    assert {"CN", "US", "CHN"} <= set(_string(country)["enum"])
    for method, path in (
        ("post", "/api/v1/imports/{entity}"),
        ("get", "/api/v1/imports/{entity}/template.xlsx"),
    ):
        assert _parameter(spec, method, path, "entity")["enum"] == list(IMPORTS)


def test_another_choice_is_refused_in_the_service_s_words_not_the_framework_s(
    client: TestClient, auth: Headers
) -> None:
    boss = auth("boss")
    action = client.get("/api/v1/audit", params={"action": "erase"}, headers=boss)
    assert action.status_code == 422
    assert "no event records 'erase': give one of read, create" in action.json()["detail"]
    country = client.post(
        "/api/v1/plans", json={"area": "R-C-V1", "country": "cn"}, headers=auth("v1-coord")
    )
    assert country.status_code == 422
    assert (
        "country 'cn' is not a country with known holidays; did you mean 'CN'?"
        in (country.json()["detail"])
    )
    upload = client.post(
        "/api/v1/imports/nothing", files={"file": ("n.csv", b"a\n1\n")}, headers=boss
    )
    assert upload.status_code == 404
    assert "nothing is imported as 'nothing': import one of areas" in upload.json()["detail"]
