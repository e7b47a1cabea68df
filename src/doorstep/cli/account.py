"""``doorstep account`` and ``doorstep serve``: who may use the web app and the HTTP API, and
serving them.

The first account is made here, at the command line of the machine that holds the database
(whoever can run these commands can read the database anyway, so they may make any); after
it, a manager keeps its own area's accounts over the API and the web app too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from doorstep.cli.common import console, err_console, fail, handle_errors, id_argument
from doorstep.cli.context import actor, session, stored_id

app = typer.Typer(
    help="Accounts of the HTTP API: make one, give it a token, list or disable them.\n\n"
    "Example: doorstep account add coord-gz14 --role coordinator --area GZ-14",
    no_args_is_help=True,
)


@app.command("add")
@handle_errors
def add_cmd(
    name: str = typer.Argument(..., help="The account's name (no spaces)."),
    role: str = typer.Option(
        ..., "--role", help="manager, coordinator (needs --area) or visitor (needs --visitor)."
    ),
    area: str | None = typer.Option(
        None, "--area", help="The area whose subtree it sees (a manager without: all)."
    ),
    visitor: str | None = typer.Option(
        None, "--visitor", help="A visitor's account: whose work it sees.", callback=id_argument
    ),
) -> None:
    """Make an API account. A coordinator's sees its area's work lists and reports and
    records visits to its households; a manager's the same, of the whole programme when
    given no area; a visitor's sees its visitor's own work lists and records their visits.
    Give it a token with `doorstep account token`.

    Example: doorstep account add coord-gz14 --role coordinator --area GZ-14
    """
    from doorstep.services import accounts

    visitor = stored_id("visitor", visitor)
    with session(writer=True) as s:
        row = accounts.add_account(s, name, role, actor=actor(), area=area, visitor=visitor)
    scope = (
        f"visitor {row.visitor}"
        if row.visitor
        else f"area {row.area}"
        if row.area
        else "the whole programme"
    )
    console.print(
        f"Made account {row.name} ({row.role}, {scope}). "
        f"Give it a token: doorstep account token {row.name}",
        markup=False,
    )


@app.command("token")
@handle_errors
def token_cmd(
    name: str = typer.Argument(..., help="The account's name."),
    days: int = typer.Option(90, "--days", help="How many days it lasts (1 to 366)."),
) -> None:
    """Make a token for an account and print it, once: only its digest is stored, so a lost
    token is replaced, never shown again. Send it as `Authorization: Bearer TOKEN`.

    Example: doorstep account token coord-gz14 --days 30
    """
    from doorstep.services import accounts

    with session(writer=True) as s:
        made = accounts.issue_token(s, name, actor=actor(), days=days)
    console.print(
        f"Token of account {made.account}, valid until {made.expires_at:%Y-%m-%d %H:%M} UTC "
        "(shown once; keep it secret):",
        markup=False,
    )
    # Alone on its line, unwrapped: a script reads it with `tail -n 1`.
    console.print(made.secret, markup=False, soft_wrap=True)


@app.command("list")
@handle_errors
def list_cmd() -> None:
    """The accounts, with their role, scope and whether they are disabled.

    Example: doorstep account list
    """
    from doorstep.services import accounts

    with session() as s:
        rows = accounts.list_accounts(s)
    if not rows:
        console.print("No accounts yet: doorstep account add NAME --role ...", markup=False)
        return
    for row in rows:
        scope = f"visitor {row.visitor}" if row.visitor else f"area {row.area or '(all)'}"
        off = f", disabled {row.disabled_at:%Y-%m-%d}" if row.disabled_at else ""
        console.print(f"{row.name}  {row.role}  {scope}{off}", markup=False)


@app.command("disable")
@handle_errors
def disable_cmd(name: str = typer.Argument(..., help="The account's name.")) -> None:
    """Disable an account and revoke its tokens at once; it stays in the audit trail.

    Example: doorstep account disable coord-gz14
    """
    from doorstep.services import accounts

    with session(writer=True) as s:
        revoked = accounts.disable_account(s, name, actor=actor())
    console.print(f"Disabled account {name}; {revoked} token(s) revoked.", markup=False)


@handle_errors
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="The address to listen on."),
    port: int = typer.Option(8000, "--port", help="The port to listen on."),
    tls_cert: Path | None = typer.Option(
        None,
        "--tls-cert",
        help="Serve HTTPS with this certificate (PEM, its chain after it); needs --tls-key.",
        exists=True,
        dir_okay=False,
    ),
    tls_key: Path | None = typer.Option(
        None,
        "--tls-key",
        help="The certificate's private key (PEM, not encrypted); needs --tls-cert.",
        exists=True,
        dir_okay=False,
    ),
) -> None:
    """Serve the web app (sign in with a token at /login) and the HTTP API (/api/v1; its
    interactive docs at /docs) over the configured database, its schema brought up to date
    first.

    Phones keep the record form for use with no network only from an HTTPS site: give a
    certificate the phones trust with --tls-cert and --tls-key, or put a proxy that speaks
    HTTPS in front.

    Example: doorstep serve --port 8000

    Example: doorstep serve --host 0.0.0.0 --port 8443 --tls-cert site.pem --tls-key site.key
    """
    import uvicorn

    from doorstep.cli.context import engine, settings
    from doorstep.web.app import create_app

    if (tls_cert is None) != (tls_key is None):
        raise fail("--tls-cert and --tls-key go together: give both, or neither for HTTP")
    if tls_cert is not None and tls_key is not None:
        _check_tls(tls_cert, tls_key)
    scheme = "https" if tls_cert else "http"
    engine(migrate=True).dispose()  # migrations run on start, as for every command
    console.print(
        f"Serving the web app on {scheme}://{host}:{port}/ and the API on "
        f"{scheme}://{host}:{port}/api/v1 (its docs: /docs)",
        markup=False,
    )
    if scheme == "http" and not _loopback(host):
        err_console.print(
            f"Plain HTTP on {host}: sign-in tokens and households' data cross the network "
            "unencrypted, and phones will not keep the record form for use with no network. "
            "Give --tls-cert and --tls-key, or serve behind an HTTPS proxy.",
            style="yellow",
            markup=False,
        )
    fixed = settings().today
    if fixed is not None:
        err_console.print(
            f"DOORSTEP_TODAY is set: the site takes {fixed} for today, whatever the date "
            "(for demos and training, never a live programme).",
            style="yellow",
            markup=False,
        )

    def today() -> dt.date:
        return fixed or dt.date.today()

    uvicorn.run(
        create_app(settings().database_url, today=today),
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
    )


def _check_tls(cert: Path, key: Path) -> None:
    """Load the pair before serving, so that a wrong file is one clear line, not a
    server's traceback after the migrations ran."""
    import ssl

    def no_password() -> bytes:
        raise ValueError("the key is encrypted: give it unencrypted, readable by this user only")

    try:  # without the callback OpenSSL would ask for the password on the terminal
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            cert, key, password=no_password
        )
    except (ssl.SSLError, ValueError) as exc:
        raise fail(
            f"cannot serve HTTPS with --tls-cert {cert} and --tls-key {key}: "
            f"{exc.args[-1] if exc.args else exc} (PEM files, the key not encrypted, "
            "and the key must be the certificate's)"
        ) from None


def _loopback(host: str) -> bool:
    """Whether only this machine can reach ``host`` (``localhost`` or a loopback address)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
