"""A --scheduler address where something other than a Dask scheduler listens is one line."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from doorstep.cli import pair
from doorstep.cli.main import app
from tests.cli.test_pair_file import files

runner = CliRunner()


def _server(greeting: bytes) -> Iterator[int]:
    """A TCP server on a free port that sends ``greeting`` to each connection, then waits."""
    sock = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            held.append(conn)  # kept open: a web server waits for a request
            if greeting:
                conn.sendall(greeting)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()
        for conn in held:
            conn.close()


@pytest.fixture
def silent() -> Iterator[int]:
    yield from _server(b"")


@pytest.fixture
def chatty() -> Iterator[int]:
    yield from _server(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")


@pytest.mark.parametrize("kind", ["silent", "chatty"])
def test_something_else_at_the_address_is_one_red_line(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A web server never answers Dask's handshake (the client waited without end); text is
    # read as a frame length of exabytes (a MemoryError, then 20 s to close the client).
    pytest.importorskip("distributed")
    monkeypatch.setattr(pair, "HANDSHAKE_WAIT_S", 0.5)
    port = request.getfixturevalue(kind)
    address = f"tcp://127.0.0.1:{port}"
    result = runner.invoke(app, [*files(tmp_path), "--quiet", "--scheduler", address])
    assert result.exit_code == 1, result.output
    assert result.output.strip() == (
        f"error: something answers at {address}, but not as a Dask scheduler does; "
        "is that the scheduler's address?"
    )


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("inproc://x", "inproc:// reaches only a scheduler inside this process"),
        ("inproc://192.0.2.2/1/1", "inproc:// reaches only a scheduler inside this process"),
        ("ucx://127.0.0.1:8786", "use tcp://, tls://, ws://, wss://, not ucx://"),
    ],
)
def test_a_scheme_no_command_line_can_use_is_bad_input_not_a_traceback(
    tmp_path: Path, address: str, why: str
) -> None:
    # Both passed the address check, then the Dask client died of a ValueError or a
    # TypeError (a traceback) and spent 20 s closing.
    pytest.importorskip("distributed")
    result = runner.invoke(app, [*files(tmp_path), "--quiet", "--scheduler", address])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"error: --scheduler '{address}' is not a scheduler address ({why}); give one such "
        "as tcp://10.0.0.5:8786"
    )


def test_tls_without_dasks_tls_settings_is_bad_input_not_a_traceback(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    import dask.config

    with dask.config.set({"distributed.comm.tls.ca-file": None}):
        result = runner.invoke(
            app, [*files(tmp_path), "--quiet", "--scheduler", "tls://127.0.0.1:8786"]
        )
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        "error: --scheduler 'tls://127.0.0.1:8786' needs Dask's TLS settings for a client "
        "(distributed.comm.tls: ca-file, client.cert, client.key), and it has none; set "
        "them, or give a tcp:// address"
    )
