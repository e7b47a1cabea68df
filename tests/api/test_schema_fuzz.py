"""Requests made up from ``/openapi.json`` alone (schemathesis, hypothesis underneath): every
operation, sent what its description allows and what it does not, answers without a server
error, with a status and a content type its description gives, and a body of its schema.

It found, before this test: a NUL in a search answering 500 (SQLite) and in an id or a text
(PostgreSQL); a poverty line of 1.2e308 overflowing PostgreSQL; a proposal with
``max_km=1e300`` taking the server's memory; the framework's own refusals sent as bare JSON.

Over the busy-writer programme (``tests/factories/busy_writer``) as its manager, on SQLite and
PostgreSQL. A made-up id almost never names what the programme holds, so the positive
cases' ids (a path's, a query's, a body's: ``household``, ``visitor``, ``proposal`` ...)
are given the programme's own with some probability (``tests/factories/real_ids``): their
writes get past "not found", and the code behind a successful write is fuzzed too. The
examples are drawn the same way each run (``derandomize``), so the run is repeatable;
``DOORSTEP_FUZZ_EXAMPLES`` draws more by hand (default 12 an operation).

Writes a real id alone does not get past are helped too (``realised``: a new code, a
confirmed erasure, a file to import ...), and the operations run in an order that leaves
each something to act on (:func:`_in_turn`: erasures last). Each operation's positive cases
are counted by status (``pytest -s`` prints them): one that never answers 2xx fails the
test, as the fuzz would no longer reach the code behind it.

It found, since: an activity's or project's code holding a line break or a control
character made (an import refuses one), that no address could then name.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from doorstep.api.app import create_app
from tests.factories.busy_writer import build_programme
from tests.factories.real_ids import RealIds, real_ids, realised, upload

#: The API's today: after the programme's plan starts and its referral is made.
TODAY = dt.date(2027, 3, 1)
EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "12"))

#: How a write sent again under its device's id is told apart in the counts.
AGAIN = "(sent again)"
#: The writes a device sends again: each is seen answered "recorded already".
RESENT = ("POST /api/v1/visits",)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
def test_no_request_made_up_from_the_spec_gets_a_server_error(db_url: str, tmp_path: Path) -> None:
    tokens, first = build_programme(db_url, tmp_path)
    app = create_app(db_url, today=lambda: TODAY)
    headers = {"Authorization": f"Bearer {tokens['boss']}"}
    spec = schemathesis.openapi.from_asgi("/openapi.json", app)
    wrong: dict[str, str] = {}
    answers: dict[str, Counter[int]] = defaultdict(Counter)
    tried = 0
    operations = _in_turn([found.ok() for found in spec.get_all_operations()])
    for operation in operations:
        real = real_ids(db_url, TODAY, first)  # read again: earlier writes made some
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            counted = answers if mode is GenerationMode.POSITIVE else None
            try:
                _fuzz(operation, mode, real, headers, counted)
            # Each operation's first failure, all of them listed (schemathesis raises its
            # checks' failures as a BaseExceptionGroup, which ``Exception`` does not catch).
            except (Exception, FailureGroup) as exc:
                wrong[f"{operation.label} ({mode.value})"] = str(exc)[:1500]
        tried += 1
    app.state.engine.dispose()
    print(_table(answers))
    assert tried == len(app.openapi()["paths"]) or tried > 40
    assert wrong == {}, "\n\n".join(f"{k}: {v}" for k, v in wrong.items())
    unreached = [o.label for o in operations if not _succeeded(answers[o.label])]
    unreached += [f"{w} {AGAIN}" for w in RESENT if not _succeeded(answers[f"{w} {AGAIN}"])]
    assert unreached == [], f"no positive case answered 2xx: {unreached}\n{_table(answers)}"


def _fuzz(
    operation: APIOperation,
    mode: GenerationMode,
    real: RealIds,
    headers: dict[str, str],
    answers: dict[str, Counter[int]] | None,
) -> None:
    """Send ``operation`` the cases of ``mode`` (positive ones given ``real`` ids), checking
    each answer; count their statuses in ``answers`` by operation, where given."""
    cases = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        cases = cases.flatmap(functools.partial(realised, real=real))

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def answered(case: schemathesis.Case) -> None:
        got = case.call_and_validate(headers=headers, checks=CHECKS, **upload(case, real))
        if answers is not None:
            answers[operation.label][got.status_code] += 1
        if got.status_code < 300 and _resendable(case):
            # A device sends a write again under its id (its answer lost): the second
            # answer, "recorded already", is checked too.
            again = case.call_and_validate(headers=headers, checks=CHECKS)
            if answers is not None:
                answers[f"{operation.label} {AGAIN}"][again.status_code] += 1

    answered()


def _in_turn(operations: list[APIOperation]) -> list[APIOperation]:
    """``operations`` in the order they are fuzzed: visits are marked missed before others
    are recorded (which cancels planned visits); proposals are discarded just before they
    are committed (after they are made: a commit leaves the rest of its area's stale, which
    a discard refuses); consent acts come after the rest (a household no longer consenting
    is not visited nor referred), and erasures last: households', then visitors' (a visitor
    who still looks after households is not erased), so that nothing after them misses
    what they erase. The rest in the spec's order."""
    spec = {o.label: n for n, o in enumerate(operations)}
    commit = spec.get("POST /api/v1/pairing/proposals/{proposal}/commit", len(spec))

    def turn(operation: APIOperation) -> tuple[int, float]:
        path = operation.path
        if path == "/api/v1/visits/missed":
            return 0, 0
        if path.endswith("/erase"):
            return (4 if path.startswith("/api/v1/households/") else 5), 0
        at = commit - 0.5 if path.endswith("/discard") else spec[operation.label]
        return (3 if path.endswith("/consent") else 2), at

    return sorted(operations, key=turn)


def _resendable(case: schemathesis.Case) -> bool:
    """Whether ``case`` is a write sent under the id its device gave it."""
    body = case.body
    return isinstance(body, dict) and any(body.get(key) for key in ("visit_id", "client_id"))


def _succeeded(answered: Counter[int]) -> bool:
    return any(status < 300 for status in answered)


def _table(answers: dict[str, Counter[int]]) -> str:
    """The positive cases' answers by operation: how many were 2xx, then each status's
    count (``pytest -s`` shows it)."""
    return "\n".join(
        f"{sum(n for c, n in got.items() if c < 300):3d}  {label}  "
        + " ".join(f"{c}x{n}" for c, n in sorted(got.items()))
        for label, got in answers.items()
    )
