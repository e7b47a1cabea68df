"""docs/api.md's examples run for real: its ``doorstep account`` lines, then its curl lines.

The API is served by uvicorn on a free port of this machine over a new SQLite database
holding the county demo (the page's ids are the county's); the page's first block makes the
accounts, and ``$TOKEN`` is a token of its manager of the whole programme (``boss``), which
every example may use. Each ``sh`` block of curl lines runs in bash as the page shows it
(curl, jq, pipes, ``$(...)``), with ``http://127.0.0.1:8000`` read as the served address, and
curl told to report each answer's status on stderr: every answer must be a 2xx. The JSON the
page shows as an answer must have the keys of the real one. The server's today, and the
commands', is the page's day (``DOCS_DAY``), on which its fixed days hold. SQLite only: the
page's examples use the embedded default database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.factories.doc_cli import DOCS_DAY, DOCS_ENV, Shell
from tests.factories.doc_shell import blocks
from tests.test_docs_run import CLI_SKIP
from tests.web.live import LiveSite

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "api.md"
SERVED = "http://127.0.0.1:8000"

#: curl as the page calls it, with each answer's status on stderr as ``HTTP 200``.
CURL = "curl() { command curl -w '%{stderr}HTTP %{http_code}\\n' \"$@\"; }\n"


def _sh_texts() -> list[tuple[int, str]]:
    """Each ``sh`` block of the page with curl in it: its first line's number, its text."""
    text = PAGE.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, m.start(1)) + 1, m.group(1))
        for m in re.finditer(r"```sh\n(.*?)```", text, re.S)
        if "curl " in m.group(1)
    ]


def _json_answers() -> list[dict[str, Any]]:
    text = PAGE.read_text(encoding="utf-8")
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]


@pytest.mark.slow
def test_the_api_pages_examples_answer(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from doorstep.api.app import create_app

    missing = [tool for tool in ("curl", "jq") if not shutil.which(tool)]
    if missing:  # the page's examples are curl piped to jq; CI must run them
        message = f"no {' or '.join(missing)} here to run docs/api.md's examples with"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.chdir(tmp_path)
    shutil.copy(county, tmp_path / "doorstep.db")
    url = f"sqlite:///{tmp_path / 'doorstep.db'}"
    shell = Shell(env={**DOCS_ENV, "DOORSTEP_DATABASE_URL": url}, skip=CLI_SKIP)
    for line in blocks(PAGE)[0]:
        shell.run(line)
    assert set(shell.skipped) == {"a server that runs until stopped"}
    token = shell.doorstep(["account", "token", "boss"]).stdout.split()[-1]
    visitors = shell.doorstep(["account", "token", "V0000123"]).stdout.split()[-1]
    # The page imports `households.csv`, a file of the reader's: three rows of the demo's.
    assert shell.doorstep(["export", "households", "all.csv"]).exit_code == 0
    rows = Path("all.csv").read_text(encoding="utf-8-sig").splitlines()
    Path("households.csv").write_text("\n".join(rows[:4]) + "\n", encoding="utf-8")

    day = dt.date.fromisoformat(DOCS_DAY)
    site = LiveSite(create_app(url, today=lambda: day))  # as `doorstep serve` under DOORSTEP_TODAY
    site.start()
    try:
        env = {**os.environ, "TOKEN": token}
        for first, block in _sh_texts():  # every one: the page's days hold on DOCS_DAY
            done = subprocess.run(
                ["bash", "-c", "set -eo pipefail\n" + CURL + block.replace(SERVED, site.url)],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            statuses = re.findall(r"^HTTP (\d+)$", done.stderr, re.M)
            where = f"docs/api.md:{first}:\n{block}\n{done.stdout}\n{done.stderr}"
            assert done.returncode == 0, where
            assert statuses and all(s.startswith("2") for s in statuses), where
        _check_json_answers(site.url, token, visitors, rows)
    finally:
        site.stop()


def _check_json_answers(url: str, token: str, visitors: str, rows: list[str]) -> None:
    """The page's JSON answers (an import refused, a request outside the account's scope)
    have the keys of real ones, got as the page says they come."""
    header, *data = rows[:4]
    area = header.split(",").index("area_code")
    bad = data[2].split(",")
    bad[area] = "NOWHERE"  # row 4, as the page's refusal says
    Path("households.csv").write_text("\n".join([header, *data[:2], ",".join(bad)]) + "\n")
    refused = _curl(f"{url}/api/v1/imports/households", token, "-F", "file=@households.csv")
    outside = _curl(f"{url}/api/v1/households/H0000042/export", visitors)
    shown = {str(answer["title"]): answer for answer in _json_answers()}
    assert len(shown) == 2, shown
    for status, real in (refused, outside):
        doc = shown[real["title"]]
        assert status == doc["status"] == real["status"], (status, real)
        assert set(doc) == set(real), (doc, real)
        for said, got in zip(doc.get("errors", []), real.get("errors", []), strict=False):
            assert said == got, (said, got)  # the same row, column, value and reason


def _curl(url: str, token: str, *more: str) -> tuple[int, dict[str, Any]]:
    """The status and JSON answer of ``curl URL`` with ``token`` (POST with ``-F``)."""
    done = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", "-H", f"Authorization: Bearer {token}", *more, url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    body, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(body)
