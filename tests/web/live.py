"""The site served for real (uvicorn, on a port of this machine) for a browser to use, and
stopped and started again on the same port: a phone's network gone and back."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from tests.conftest import IN_CI

#: Where Debian's package puts it (`make browser` installs it); DOORSTEP_CHROMIUM names
#: another.
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

#: As a root process on a machine with no network beyond this one must start it: no
#: sandbox (root), and none of the browser's own calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_or_skip() -> str:
    """The Chromium to drive; in CI its absence fails the test rather than skipping it."""
    named = os.environ.get("DOORSTEP_CHROMIUM")
    found = [named] if named else [p for p in CHROMIUM_PATHS if Path(p).exists()]
    found = found or [p for p in [shutil.which("chromium")] if p]
    if found:
        return found[0]
    if IN_CI:
        pytest.fail("no Chromium: `make browser` installs Debian's (CI must run the browser tests)")
    pytest.skip("no Chromium here: `make browser` installs it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveSite:
    """``app`` served on 127.0.0.1 in a thread, from :meth:`start` to :meth:`stop`."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the site did not start on port {self.port}")
            time.sleep(0.02)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(20)
        assert not self._thread.is_alive(), "the site did not stop"


@contextmanager
def serving(app: FastAPI) -> Iterator[LiveSite]:
    """``app`` served until the block ends (if a test has not stopped it), then its
    database's connections closed."""
    site = LiveSite(app)
    site.start()
    try:
        yield site
    finally:
        if site.running:
            site.stop()
        app.state.engine.dispose()
