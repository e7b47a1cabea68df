"""``doorstep pair``: pair households with visitors.

File mode (no database) is the group's own callback; ``show``, ``diff``, ``commit``, ``discard``
and ``explain`` for stored proposals will be added to the same group.
"""

from __future__ import annotations

import csv
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from doorstep.cli.common import (
    PATH_METAVAR,
    StageBar,
    console,
    err_console,
    fail,
    handle_errors,
    household_argument,
    id_argument,
    out_file,
    progress,
    refuse_given,
    say_if_compiling,
)
from doorstep.cli.pair_db import (
    certified_text,
    km,
    none_within,
    note_shortage,
    propose_area,
    unpaired_words,
    why_not,
)
from doorstep.engine.pairing.params import DEFAULT_KEEP_KM, PairingParams
from doorstep.errors import DoorstepError, InvalidInput

if TYPE_CHECKING:
    from doorstep.engine.pairing.explain import Explanation
    from doorstep.engine.pairing.solve import Mapper

#: How long to try to reach a --scheduler before saying it cannot be reached.
SCHEDULER_TIMEOUT_S = 10.0
#: How long a scheduler that accepted the connection may take to send its handshake.
HANDSHAKE_WAIT_S = 5.0

app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
)


#: How much further in a line of ``--explain`` wrapped on a terminal goes on than it began.
_HANG = 4


def _explained(line: str, indent: int = 0) -> None:
    """One line of ``--explain``, ``indent`` spaces in. In a pipe it stays one line, however
    long the ids, for a script to read it line by line. On a terminal narrower than the
    line, it is wrapped at spaces, each part after the first indented under its start
    (:data:`_HANG` further), where the terminal would cut a word where the width ends (an
    id longer than the width is still folded)."""
    if not console.is_terminal:
        console.print(" " * indent + line, highlight=False, soft_wrap=True)
        return
    hang = indent + _HANG
    parts = Text(line).wrap(console, max(console.width - hang, 1), overflow="fold")
    for i, part in enumerate(parts):
        part.rstrip()
        console.print(Text(" " * (hang if i else indent)) + part, soft_wrap=True)


def _print_explanation(e: Explanation, max_km: float) -> None:
    """The household's pair and its alternatives, labelled as `pair explain` labels them,
    with distances in km as it gives them (the output CSV keeps ``distance_m``).

    File mode has no pairings outside its files, so a visitor's caseload is its households
    in this pairing, its capacity is the file's, and every place left is a place here.

    Each line is one line in a pipe, whatever the width and however long the ids (file mode
    takes ids of any length), for a script to read; on a terminal it wraps between words
    (:func:`_explained`).
    """
    if e.visitor_id is not None and e.distance_m is not None:
        _explained(f"{e.household_id}: visitor {e.visitor_id} at {km(e.distance_m)}")
    else:
        _explained(f"{e.household_id}: unpaired ({unpaired_words(e)})")
    if not e.alternatives:
        _explained(none_within(e, max_km), indent=2)
    for a in e.alternatives:
        _explained(
            f"{a.visitor_id}: {km(a.distance_m)}, caseload {a.load}, capacity {a.capacity}, "
            f"places left {max(a.capacity - a.load, 0)} - not chosen: {why_not(e, a)}",
            indent=2,
        )


@app.callback()
@handle_errors
def pair(
    ctx: typer.Context,
    area: str | None = typer.Option(
        None,
        help="Database mode: pair the households of this area (code) and store a proposal.",
        callback=id_argument,
    ),
    households: Path | None = typer.Option(
        None, help="CSV: household_id,lat,lon,languages[,current_visitor_id][,remote_pool]."
    ),
    visitors: Path | None = typer.Option(
        None,
        help="CSV: visitor_id,lat,lon,languages,capacity[,remote_pool] (languages split by "
        "';'; a visitor in a remote pool travels any distance, to the households that name it).",
    ),
    # Text, not a Path, which would forget the separator of `--out results/` (out_file).
    out: str | None = typer.Option(
        None,
        metavar=PATH_METAVAR,
        help="Write household_id,visitor_id,distance_m,reason to this CSV.",
    ),
    max_km: float = typer.Option(30.0, help="Greatest home-to-home distance for a pair."),
    keep_km: float | None = typer.Option(
        None,
        # The bracket is escaped: Typer renders help as Rich markup.
        help="Continuity: a current pair counts as this much shorter "
        f"\\[default: {DEFAULT_KEEP_KM:g}, or --max-km when that is smaller]",
        show_default=False,
    ),
    balance_m: float = typer.Option(
        0.0,
        help="Balance: the j-th household of a visitor costs balance_m*(2j-1) metres more "
        "(whole metres).",
    ),
    max_rounds: int = typer.Option(
        60,
        min=1,
        max=1000,
        help="Stop widening after this many rounds: still the most households paired, but "
        "'certified: false' if the least distance is not proved yet.",
    ),
    max_arcs: int = typer.Option(
        PairingParams().max_arcs,
        min=1,
        help="The most candidate arcs held at once (at a round's peak about 110 bytes each, "
        "plus 120 per arc of the largest part in its solver process): arcs the current best "
        "pairing does not use make way for new ones, by default to stay within twice the "
        "first round's (which measured faster); the widening stops, with 'certified: false' "
        "as above, only when arcs would pass this many.",
    ),
    time_limit: float | None = typer.Option(
        None,
        min=0,
        # The bracket is escaped: Typer renders help as Rich markup.
        help="Stop widening after this many seconds (the count always finishes first): "
        "'certified: false' as above; 0 for no limit "
        f"\\[default: {PairingParams().time_limit_s:g}]",
        show_default=False,
    ),
    bound: bool = typer.Option(
        True,
        "--bound/--no-bound",
        help="When a limit stops the widening, also prove how far above the least cost the "
        "pairing may be (cost_lower_bound, cost_gap): prices chosen on a sample, then a scan "
        "of every household (about 27 s at 1.69M households).",
    ),
    workers: int = typer.Option(
        os.cpu_count() or 1, min=1, help="Processes that solve independent parts."
    ),
    scheduler: str | None = typer.Option(
        None, help="Solve the parts on this Dask scheduler (e.g. tcp://10.0.0.5:8786)."
    ),
    explain: str | None = typer.Option(
        None,
        help="Also print why this household got its visitor, and the alternatives.",
        callback=household_argument,
    ),
    new_only: bool = typer.Option(
        False,
        "--new-only",
        help="Keep the current pairs (current_visitor_id, or the area's pairings) and pair only "
        "the households without a visitor, moving an existing household only along a chain that "
        "makes room for a new one (a move costs --keep-km plus any metres it adds). Exact for "
        "that question, not the certified least cost of the whole area ('certified: false'); "
        "households unpaired before are tried again. Not with --balance-m, --time-limit or "
        "--scheduler; --max-rounds, --max-arcs, --bound and --workers do not apply.",
    ),
    max_settled: int | None = typer.Option(
        None,
        min=1,
        help="With --new-only: cut a search short after settling this many visitors (the "
        "pairing stays valid; the summary says 'exact: false').",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Pair households with visitors: two CSV files, or an area's records with --area.

    Pairs as many households as possible, then with the least total distance, over every
    eligible pair (shared language, within --max-km). The last line on stdout is a JSON
    summary; "certified": true there proves the least distance. The count is always the
    most possible, but a limit (--max-rounds, --max-arcs, --time-limit) can stop the search
    for the least distance first: "certified": false, "stopped_by" names the limit and
    "cost_gap" says how far from the least the distance may be (at 1.69M households the
    default ten-minute --time-limit stops it after a few rounds).

    With --area CODE (database mode) the area's households are paired and the answer is
    stored as a proposal to review with `pair show|diff|explain` and then `pair commit` or
    `pair discard`.

    With --new-only the current pairs stay and only the households without a visitor are
    paired into them (in either mode); the summary adds "mode": "new_only", "new" and
    "exact".

    Example: doorstep pair --households h.csv --visitors v.csv --out pairs.csv --max-km 30
    """
    if ctx.invoked_subcommand is not None:
        return
    # The engine and the services load only when this callback does the work itself.
    from doorstep.engine.pairing.compiled import kernels_ready as pairing_kernels_ready
    from doorstep.services.pairing.files import pair_files

    _check_new_only(new_only, max_settled=max_settled, time_limit=time_limit, scheduler=scheduler)
    params = _params(
        max_km=max_km,
        keep_km=keep_km,
        balance_m=balance_m,
        max_rounds=max_rounds,
        max_arcs=max_arcs,
        time_limit_s=time_limit,
        bound=bound,
    )
    if area is not None:
        refuse_given(
            {
                "--households": households,
                "--visitors": visitors,
                "--out": out,
                "--explain": explain,
            },
            "with --area the households and visitors come from the database (see `doorstep "
            "pair explain` for one household)",
        )
        with _mapper(workers, scheduler) as mapper:
            propose_area(
                area,
                params,
                quiet=quiet,
                mapper=mapper,
                new_only=new_only,
                max_settled=max_settled,
            )
        return
    if households is None or visitors is None:
        raise fail("give --area, or --households and --visitors (see doorstep pair --help)", code=2)
    out_path = None  # checked before connecting to a scheduler, too
    if out is not None:
        out_path = out_file("--out", out, (households, visitors), example="pairs.csv")
    if new_only and not _has_current(households):
        err_console.print(
            f"warning: {households.name} has no current_visitor_id column: every household is "
            "new; a full `doorstep pair` is faster and certified",
            soft_wrap=True,
        )
    say_if_compiling(pairing_kernels_ready(), "pairing engine", quiet=quiet)
    with _mapper(workers, scheduler) as mapper, progress(quiet=quiet) as bar:
        run = pair_files(
            households,
            visitors,
            out_path,
            params=params,
            mapper=mapper,
            progress=StageBar(bar),
            explain_id=explain,
            new_only=new_only,
            max_settled=max_settled,
        )
    _warn_unknown_languages(run.unknown_languages())
    if run.explanation is not None:
        _print_explanation(run.explanation, params.max_km)
    summary = run.summary()
    if not quiet:
        _note_uncertified(summary)
        note_shortage(summary)
    typer.echo(json.dumps(summary))


def _warn_unknown_languages(codes: list[str], shown: int = 5) -> None:
    """Say on stderr which language codes are not ISO 639: file mode pairs by them as they
    are (an import refuses them), so ``en-US`` and ``en`` share nothing, and a household
    left unpaired for want of a shared language may only have been spelt so."""
    if not codes:
        return
    more = f" and {len(codes) - shown} more" if len(codes) > shown else ""
    listed = ", ".join(codes[:shown]) + more
    err_console.print(
        f"warning: language codes that are not ISO 639: {listed}; each is shared only with "
        "whoever gives the same code (use two- or three-letter codes such as en, zh, hmn)",
        soft_wrap=True,
        markup=False,
    )


#: The option that lifts each limit the widening can stop at.
_LIFT = {"time_limit": "--time-limit", "max_rounds": "--max-rounds", "max_arcs": "--max-arcs"}


def _note_uncertified(summary: dict[str, Any]) -> None:
    """Say in words, on stderr, what a stopped run proves: the JSON's ``"certified": false``
    is easy to miss, and the user should know which option lets it go on."""
    limit = summary.get("stopped_by")
    if summary.get("certified") or not isinstance(limit, str) or limit not in _LIFT:
        return
    err_console.print(
        f"Certified optimal: {certified_text(summary)}. The most households possible are "
        f"paired ({summary['paired']:,}); raise {_LIFT[limit]} to keep shortening the distance.",
        soft_wrap=True,
    )


def _has_current(households: Path) -> bool:
    """Whether the households file has a current_visitor_id column (unreadable: assume so,
    and let reading it say what is wrong)."""
    try:
        with households.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeError, csv.Error):
        return True
    return "current_visitor_id" in (cell.strip() for cell in header)


def _check_new_only(
    new_only: bool, *, max_settled: int | None, time_limit: float | None, scheduler: str | None
) -> None:
    """Refuse options that mean nothing with (or without) --new-only, rather than ignore them.

    --balance-m is refused by the services, before anything is read.
    """
    from doorstep.services.pairing.settings import FLAGS, check_new_only

    check_new_only(new_only, max_settled=max_settled, names=FLAGS)
    if not new_only:
        return
    given = [f for f, v in {"--time-limit": time_limit, "--scheduler": scheduler}.items() if v]
    if given:
        raise InvalidInput(
            f"{', '.join(given)} {'does' if len(given) == 1 else 'do'} not apply with --new-only: "
            "it runs one search per new "
            "household in this process (bound the searches with --max-settled instead)"
        )


def _time_limit(seconds: float | None) -> float | None:
    """--time-limit: the engine's default when not given, none at all for 0."""
    if seconds is None:
        return PairingParams().time_limit_s
    return seconds or None


def _params(
    *,
    max_km: float,
    keep_km: float | None,
    balance_m: float,
    max_rounds: int,
    max_arcs: int,
    time_limit_s: float | None,
    bound: bool,
) -> PairingParams:
    """The solve's settings, checked as the API checks them; errors name the flags, not the
    engine's fields."""
    from doorstep.services.pairing.settings import FLAGS, solve_params

    return solve_params(
        max_km=max_km,
        keep_km=keep_km,
        balance_m=balance_m,
        names=FLAGS,
        max_rounds=max_rounds,
        max_arcs=max_arcs,
        time_limit_s=_time_limit(time_limit_s),
        bound=bound,
    )


def _within_cores(workers: int) -> int:
    """``workers``, at most this machine's cores: more processes solve nothing sooner, and
    each holds a part in memory (``--workers 1000`` would start a thousand), so more are
    not started, with a warning saying so."""
    cores = os.cpu_count() or 1
    if workers <= cores:
        return workers
    err_console.print(
        f"warning: --workers {workers} is more than this machine's {cores} cores: "
        f"solving with {cores}",
        soft_wrap=True,
        markup=False,
    )
    return cores


@contextmanager
def _mapper(workers: int, scheduler: str | None) -> Iterator[Mapper]:
    """Where the independent parts are solved: a process pool, or a Dask scheduler.

    The scheduler is reached before anything is read, with a short timeout, so a wrong
    address fails in seconds with the address named.
    """
    from doorstep.engine.pairing.parallel import dask, process_pool

    if scheduler is None:
        yield process_pool(_within_cores(workers))
        return
    from distributed import Client  # only when asked: it is slow to import
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    # Check the address before making a client: a client that fails to start on a bad
    # address still tries to shut down for 20 s, and an empty one starts a local cluster.
    try:
        if not scheduler.strip():
            raise ValueError("it is empty")
        scheme, location = parse_address(scheduler)
        get_backend(scheme)
        # Other schemes (inproc:// of another process, ucx://, a stub here) passed this
        # check, then the client died of a ValueError or a TypeError and spent 20 s closing.
        if scheme == "inproc":
            _check_inproc(location)
        elif scheme not in _SCHEMES:
            raise ValueError(f"use {', '.join(f'{s}://' for s in _SCHEMES)}, not {scheme}://")
        else:
            parse_host_port(location)
    except ValueError as exc:
        raise InvalidInput(
            f"--scheduler {scheduler!r} is not a scheduler address ({exc}); "
            "give one such as tcp://10.0.0.5:8786"
        ) from None
    if scheme == "tls":
        _check_tls_settings(scheduler)
    if scheme == "tcp":
        _expect_handshake(scheduler, *parse_host_port(location))
    try:
        client = Client(  # type: ignore[no-untyped-call]
            scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s", set_as_default=False
        )
    except (OSError, TimeoutError) as exc:
        raise DoorstepError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc}); is it running?"
        ) from None
    try:
        yield dask(client)
    finally:
        client.close()  # type: ignore[no-untyped-call]


#: The address schemes a scheduler can be reached at from the command line.
_SCHEMES = ("tcp", "tls", "ws", "wss")


def _check_inproc(location: str) -> None:
    """An ``inproc://`` address is a scheduler inside this process (a ``LocalCluster``
    without processes, as tests start one): refuse any other (``ValueError``)."""
    from distributed.comm.inproc import global_manager

    try:
        global_manager.validate_address(location)  # type: ignore[no-untyped-call]
    except ValueError:
        raise ValueError("inproc:// reaches only a scheduler inside this process") from None


def _check_tls_settings(scheduler: str) -> None:
    """Refuse a ``tls://`` address when Dask's configuration holds no usable TLS settings
    for a client: the client died of a TypeError (a traceback) and spent 20 s closing."""
    from distributed.security import Security

    try:
        args = Security().get_connection_args("client")  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:  # a certificate file missing or unreadable
        raise InvalidInput(
            f"--scheduler {scheduler!r}: cannot read Dask's TLS settings ({exc})"
        ) from None
    if args.get("ssl_context") is None:
        raise InvalidInput(
            f"--scheduler {scheduler!r} needs Dask's TLS settings for a client "
            "(distributed.comm.tls: ca-file, client.cert, client.key), and it has none; set "
            "them, or give a tcp:// address"
        )


#: A Dask handshake is a few hundred bytes; a length past this is something else talking.
_HANDSHAKE_MAX_BYTES = 1 << 24


def _expect_handshake(scheduler: str, host: str, port: int) -> None:
    """Refuse an address where no Dask scheduler answers, before a client is made.

    A scheduler sends its handshake as soon as it accepts a connection: a length (8 bytes)
    and the message. Something else there (a web server, say) sends nothing, and a Dask
    client then waits without end; or it sends text, whose first bytes the client reads as
    a length of exabytes and dies of a MemoryError, then takes 20 s more to give up.
    """
    try:
        with socket.create_connection((host, port), timeout=SCHEDULER_TIMEOUT_S) as sock:
            sock.settimeout(HANDSHAKE_WAIT_S)
            head = b""
            while len(head) < 8 and (part := sock.recv(8 - len(head))):
                head += part
    except TimeoutError:
        head = b""
    except OSError as exc:
        raise DoorstepError(
            f"cannot reach the Dask scheduler at {scheduler} ({exc.strerror or exc}); "
            "is it running?"
        ) from None
    if len(head) < 8 or int.from_bytes(head, "little") > _HANDSHAKE_MAX_BYTES:
        raise DoorstepError(
            f"something answers at {scheduler}, but not as a Dask scheduler does; "
            "is that the scheduler's address?"
        )
