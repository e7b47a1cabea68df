"""Requests made up from ``/openapi.json`` alone (schemathesis, hypothesis underneath): every
operation, sent what its description allows and what it does not, answers without a server
error, with a status and a content type its description gives, and a body of its schema.

It found, before this test: a NUL in a search answering 500 (SQLite) and in an id or a text
(PostgreSQL); a poverty line of 1.2e308 overflowing PostgreSQL; a proposal with
``max_km=1e300`` taking the server's memory; the framework's own refusals sent as bare JSON.

Over the busy-writer programme (``tests/factories/busy_writer``) as its manager, on SQLite and
PostgreSQL. The examples are drawn the same way each run (``derandomize``), so the run is
repeatable; ``DOORSTEP_FUZZ_EXAMPLES`` draws more by hand (default 12 an operation).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from doorstep.api.app import create_app
from tests.factories.busy_writer import build_programme

#: The API's today: after the programme's plan starts and its referral is made.
TODAY = dt.date(2027, 3, 1)
EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "12"))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
def test_no_request_made_up_from_the_spec_gets_a_server_error(db_url: str, tmp_path: Path) -> None:
    tokens, _ = build_programme(db_url, tmp_path)
    app = create_app(db_url, today=lambda: TODAY)
    headers = {"Authorization": f"Bearer {tokens['boss']}"}
    spec = schemathesis.openapi.from_asgi("/openapi.json", app)
    wrong: dict[str, str] = {}
    tried = 0
    for found in spec.get_all_operations():
        operation = found.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def answered(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                answered()
            except Exception as exc:  # each operation's first failure, all of them listed
                wrong[f"{operation.label} ({mode.value})"] = str(exc)[:1500]
        tried += 1
    app.state.engine.dispose()
    assert tried == len(app.openapi()["paths"]) or tried > 40
    assert wrong == {}, "\n\n".join(f"{k}: {v}" for k, v in wrong.items())
