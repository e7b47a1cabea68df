"""Phones sending visits at once, to a real server: each is recorded, none refused because
another was written meanwhile (on SQLite, writers take turns; see ``unit_of_work(writer=)``)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import pytest
import uvicorn
from sqlalchemy import Engine, text

from doorstep.api.app import create_app
from tests.api.conftest import TODAY, Headers

#: Requests at once, and visits sent in all (one a day, each day its own).
CLIENTS, VISITS = 8, 24


@pytest.fixture
def server(programme: Engine, db_url: str) -> Iterator[str]:
    """The API served by uvicorn on a free port, in a thread: its base URL."""
    app = create_app(db_url, today=lambda: TODAY)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    serving = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=serving.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not serving.started:
        if not thread.is_alive():
            pytest.fail("the server stopped before it started")
        threading.Event().wait(0.05)
    yield f"http://127.0.0.1:{port}"
    serving.should_exit = True
    thread.join(timeout=30)
    sock.close()
    app.state.engine.dispose()


def test_visits_sent_at_once_are_each_recorded_once(
    server: str, programme: Engine, auth: Headers
) -> None:
    days = [dt.date(2027, 1, 18) + dt.timedelta(days=i) for i in range(VISITS)]
    bodies = [
        {
            "household": f"H{i % 3}",
            "visitor": "V1",
            "start": day.isoformat(),
            "visit_id": f"phone-{i:03d}",
        }
        for i, day in enumerate(days)
    ]

    def send(body: dict[str, str]) -> tuple[int, str]:
        with httpx.Client(base_url=server, timeout=60) as client:
            answer = client.post("/api/v1/visits", json=body, headers=auth("v1"))
            return answer.status_code, answer.text

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(send, bodies))
    assert [status for status, _ in answers] == [201] * VISITS, answers
    with ThreadPoolExecutor(CLIENTS) as pool:  # the phones did not hear back: sent again
        again = list(pool.map(send, bodies))
    assert [status for status, _ in again] == [200] * VISITS, again
    with programme.connect() as conn:
        made = conn.execute(
            text("SELECT client_uuid FROM visits WHERE status = 'done' ORDER BY client_uuid")
        ).scalars()
        assert list(made) == [b["visit_id"] for b in bodies]
