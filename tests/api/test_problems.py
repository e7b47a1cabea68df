"""A refused request's answer is the problem document ``/openapi.json`` says it is: each
status a route answers is checked against the schema the spec gives that route and status
(or its ``4XX``), as a client generated from the spec would read it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from doorstep.api.app import PREFIX
from doorstep.api.errors import PROBLEM
from tests.api.conftest import Headers
from tests.api.test_openapi_answers import SPEC
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv


def _documented(path: str, method: str, status: int) -> dict[str, Any]:
    """The schema the spec gives ``method path``'s ``status`` answer (else its ``4XX``),
    resolvable on its own: its ``$ref``s point into the spec's components."""
    answers = SPEC["paths"][path][method]["responses"]
    answer = answers.get(str(status)) or answers[f"{str(status)[0]}XX"]
    assert list(answer["content"]) == [PROBLEM], answer
    return {**answer["content"][PROBLEM]["schema"], "components": SPEC["components"]}


def _checked(got: httpx.Response, path: str, method: str, status: int) -> dict[str, Any]:
    assert got.status_code == status, got.text
    assert got.headers["content-type"] == PROBLEM
    body: dict[str, Any] = got.json()
    Draft202012Validator(_documented(path, method, status)).validate(body)
    assert body["status"] == status
    return body


def _import(client: TestClient, headers: dict[str, str], tmp_path: Path) -> httpx.Response:
    rows = [household(household_id="H102", area_code="NOWHERE")]
    path = write_csv(tmp_path / "bad.csv", HOUSEHOLD_HEADER, rows)
    with path.open("rb") as fh:
        return client.post(
            f"{PREFIX}/imports/households", files={"file": (path.name, fh)}, headers=headers
        )


Call = Callable[[TestClient, Headers, Path], httpx.Response]

#: (what is asked, route, method, status, the answer's keys beyond title, status and detail)
REFUSED: list[tuple[Call, str, str, int, set[str]]] = [
    (lambda c, a, _: c.get(f"{PREFIX}/me"), "/me", "get", 401, set()),
    (lambda c, a, _: c.get(f"{PREFIX}/accounts", headers=a("v1")), "/accounts", "get", 403, set()),
    (
        lambda c, a, _: c.post(
            f"{PREFIX}/activities/NOPE/attendance", json={"households": ["H0"]}, headers=a("boss")
        ),
        "/activities/{code}/attendance",
        "post",
        404,
        set(),
    ),
    (
        lambda c, a, _: c.post(f"{PREFIX}/accounts/boss/disable", headers=a("boss")),
        "/accounts/{name}/disable",
        "post",
        409,
        set(),
    ),
    (
        lambda c, a, _: c.get(f"{PREFIX}/visits/due", params={"days": "soon"}, headers=a("boss")),
        "/visits/{kind}",
        "get",
        422,
        {"errors"},
    ),
    (
        lambda c, a, tmp: _import(c, a("boss"), tmp),
        "/imports/{entity}",
        "post",
        422,
        {"errors", "errors_total", "sheet"},
    ),
    (  # a body that is not UTF-8: refused by the framework itself, a problem all the same
        lambda c, a, _: c.post(
            f"{PREFIX}/accounts/boss/tokens",
            content=b"\xcc\x99\x13U{\xff",
            headers={**a("boss"), "Content-Type": "application/json"},
        ),
        "/accounts/{name}/tokens",
        "post",
        400,
        set(),
    ),
]


@pytest.mark.parametrize(("call", "path", "method", "status", "more"), REFUSED)
def test_a_refusal_is_the_problem_document_the_spec_describes(
    client: TestClient,
    auth: Headers,
    tmp_path: Path,
    call: Call,
    path: str,
    method: str,
    status: int,
    more: set[str],
) -> None:
    body = _checked(call(client, auth, tmp_path), PREFIX + path, method, status)
    assert set(body) == {"title", "status", "detail"} | more


def test_an_address_or_a_method_no_route_has_is_a_problem_under_the_api_alone(
    client: TestClient, auth: Headers
) -> None:
    for got, status, title in (
        (client.get(f"{PREFIX}/nowhere", headers=auth("boss")), 404, "NotFound"),
        (client.delete(f"{PREFIX}/me", headers=auth("boss")), 405, "MethodNotAllowed"),
    ):
        assert got.status_code == status and got.headers["content-type"] == PROBLEM
        assert got.json() == {"title": title, "status": status, "detail": got.json()["detail"]}
    assert client.delete(f"{PREFIX}/me").headers["allow"] == "GET"
    # Off the API's addresses, the framework's own answer.
    assert client.get("/nowhere").headers["content-type"] == "application/json"


def test_every_operation_describes_its_refusals_as_problems() -> None:
    """No operation keeps FastAPI's own description of a 422, which is not what it sends."""
    assert "HTTPValidationError" not in SPEC["components"]["schemas"]
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert "4XX" in answers, (method, path)
            for status, answer in answers.items():
                if status.startswith("4"):
                    assert list(answer.get("content", {})) == [PROBLEM], (method, path, status)
