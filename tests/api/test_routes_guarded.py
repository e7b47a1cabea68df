"""Every route of the API asks who calls before it runs: none is open to anyone."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from doorstep.api.app import PREFIX, create_app
from tests.api.conftest import Headers


def test_every_operation_needs_a_token_and_refuses_a_call_without_one() -> None:
    app = create_app("sqlite://")
    paths = app.openapi()["paths"]
    assert paths
    with TestClient(app) as client:
        for path, operations in paths.items():
            assert path.startswith(PREFIX), path
            for method, operation in operations.items():
                assert operation.get("security") == [{"HTTPBearer": []}], (method, path)
                # A path's parameters filled with a value the route takes ("due" for a list).
                url = re.sub(r"\{[^}]+\}", "due", path)
                r = client.request(method.upper(), url, json={})
                assert r.status_code == 401, (method, path, r.text)


def test_a_request_the_types_refuse_is_a_problem_naming_the_field(
    client: TestClient, auth: Headers
) -> None:
    r = client.post(
        "/api/v1/visits", json={"household": "H0", "start": "2027-02-30"}, headers=auth("v1")
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    detail = r.json()["detail"]
    assert "body.visitor: Field required" in detail
    assert "body.start:" in detail
