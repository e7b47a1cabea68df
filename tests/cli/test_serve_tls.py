"""`doorstep serve --tls-cert --tls-key` serves the web app and the API over HTTPS (phones
keep the record form for use with no network only from an HTTPS site), its sign-in cookie
Secure; a wrong pair of files is one clear line; plain HTTP beyond this machine is warned
about. The server runs for real, in a process of its own, with a certificate of a test
authority (trustme)."""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import trustme
from cryptography.hazmat.primitives import serialization

from tests.cli.conftest import Invoke


@pytest.fixture
def authority() -> trustme.CA:
    return trustme.CA()


def _pair(authority: trustme.CA, folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate for this machine's loopback names, and its key, as PEM files."""
    issued = authority.issue_cert("127.0.0.1", "localhost")
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    for more in issued.cert_chain_pems[1:]:
        more.write_to_path(str(cert), append=True)
    issued.private_key_pem.write_to_path(str(key))
    return cert, key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Served:
    """``doorstep serve ARGS`` in a process of its own; what it printed once stopped."""

    def __init__(self, db_url: str, args: tuple[str, ...]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "doorstep", "serve", *args],
            env={**os.environ, "DOORSTEP_DATABASE_URL": db_url, "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout = self.stderr = ""

    def stop(self) -> None:
        self.process.terminate()
        self.stdout, self.stderr = self.process.communicate(timeout=30)

    def wait_for(self, port: int) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(
                        f"the server did not start:\n{self.stdout}\n{self.stderr}"
                    ) from None
                time.sleep(0.1)


@contextmanager
def _serving(db_url: str, *args: str) -> Iterator[Served]:
    """The server of ``doorstep serve ARGS``, stopped on leaving."""
    served = Served(db_url, args)
    try:
        yield served
    finally:
        if served.process.returncode is None:
            served.stop()


def test_serves_https_with_a_secure_sign_in(
    cli: Invoke, with_areas: object, db_url: str, tmp_path: Path, authority: trustme.CA
) -> None:
    assert cli("account", "add", "coord-c", "--role", "coordinator", "--area", "R-C").exit_code == 0
    token = cli("account", "token", "coord-c").output.strip().splitlines()[-1]
    cert, key = _pair(authority, tmp_path, "site")
    port = _free_port()
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    args = ("--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key))
    with _serving(db_url, *args) as served:
        served.wait_for(port)
        site = http.client.HTTPSConnection("127.0.0.1", port, context=trusting, timeout=30)
        site.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        me = site.getresponse()
        assert me.status == 200 and b'"R-C"' in me.read()
        site.request("GET", "/sw.js")
        worker = site.getresponse()
        assert worker.status == 200 and b"doorstep-pages" in worker.read()
        form = urllib.parse.urlencode({"token": token})
        site.request(
            "POST",
            "/login",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        signed_in = site.getresponse()
        signed_in.read()
        assert signed_in.status == 303
        cookie = signed_in.getheader("set-cookie") or ""
        assert "secure" in cookie.lower() and "httponly" in cookie.lower()
        site.close()
        # Nothing answers plain HTTP on that port: a client that does not speak TLS fails.
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        plain.request("GET", "/login")
        with pytest.raises((http.client.HTTPException, ConnectionError)):
            plain.getresponse()
        plain.close()
    assert f"https://127.0.0.1:{port}/api/v1" in served.stdout


def test_a_certificate_without_its_key_or_with_another_key_is_refused(
    cli: Invoke, tmp_path: Path, authority: trustme.CA
) -> None:
    cert, key = _pair(authority, tmp_path, "site")
    _, other_key = _pair(authority, tmp_path, "other")
    alone = cli("serve", "--tls-cert", str(cert))
    assert alone.exit_code == 1
    assert "--tls-cert and --tls-key go together" in alone.output
    wrong = cli("serve", "--tls-cert", str(cert), "--tls-key", str(other_key))
    assert wrong.exit_code == 1
    assert "cannot serve HTTPS" in wrong.output and "key values mismatch" in wrong.output
    swapped = cli("serve", "--tls-cert", str(key), "--tls-key", str(cert))
    assert swapped.exit_code == 1 and "cannot serve HTTPS" in swapped.output
    locked = tmp_path / "locked.key"
    opened = serialization.load_pem_private_key(key.read_bytes(), password=None)
    locked.write_bytes(
        opened.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    encrypted = cli("serve", "--tls-cert", str(cert), "--tls-key", str(locked))
    assert encrypted.exit_code == 1 and "the key is encrypted" in encrypted.output
    missing = cli("serve", "--tls-cert", str(tmp_path / "none.pem"), "--tls-key", str(key))
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_plain_http_beyond_this_machine_is_warned_about(db_url: str) -> None:
    port = _free_port()
    with _serving(db_url, "--host", "0.0.0.0", "--port", str(port)) as served:
        served.wait_for(port)
    said = served.stderr
    assert "Plain HTTP on 0.0.0.0" in said and "--tls-cert" in said


def test_plain_http_on_this_machine_alone_is_not_warned_about(db_url: str) -> None:
    port = _free_port()
    with _serving(db_url, "--port", str(port)) as served:
        served.wait_for(port)
    assert "Plain HTTP" not in served.stderr
    assert f"http://127.0.0.1:{port}/" in served.stdout
