"""How many requests `doorstep serve` answers: field visitors' phones and a coordinator at once.

Builds (or reuses, with ``--workdir``) a paired, planned programme: the county demo by
default, imported, paired (`pair --area`), committed and planned for four months from
today (a plan starts today at the earliest, so the visits recorded are day visits made
today, one per visitor, each to one of its households). Makes the
accounts in-process (a coordinator of the demo's busiest township and one account per
visitor used), starts `doorstep serve` in its own process (one process, as a newcomer runs
it), and sends each kind of request from ``--clients`` threads at once, each thread with its
own connection, as phones would. Prints, per kind: requests, errors by status, requests per
second, the median, 95th and 99th percentile of the time to answer, and the audit events
written per request. The baseline, measured in the same run: the command line doing the same
read (`doorstep visits due --visitor V`), one process per request, as a script polling the
database would.

    .venv/bin/python bench/api_throughput.py --workdir var/bench/api
    .venv/bin/python bench/api_throughput.py --workdir var/bench/api_pg \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/doorstep_bench_api

A status of 0 in the errors column is a request the server dropped without an answer; the
server's log is ``server.log`` in the workdir. On SQLite the programme is built once into
``programme.db`` and each run measures a fresh copy of it (``bench.db``); a PostgreSQL
database keeps what a run wrote (use a new database to measure the same again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import Engine, text

from doorstep.services import accounts
from doorstep.storage.repositories import accounts as account_rows
from doorstep.storage.session import make_engine, unit_of_work

DOORSTEP = Path(sys.executable).with_name("doorstep")
ACTOR = "bench"


@dataclass
class Kind:
    """One kind of request and what was seen of it."""

    label: str
    calls: list[Callable[[httpx.Client], httpx.Response]]
    ok: set[int] = field(default_factory=lambda: {200})
    seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    wall: float = 0.0
    events: int = 0
    said: dict[int, str] = field(default_factory=dict)  # the first answer of each error


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def _build(env: dict[str, str], args: argparse.Namespace, stamp: Path) -> None:
    """The programme: demo, pairing committed, four months planned from today."""
    if stamp.exists():
        print(f"reusing the programme built before ({stamp})", flush=True)
        return
    d = str(DOORSTEP)
    start = dt.date.today()
    steps: list[tuple[str, list[str]]] = [
        ("db upgrade", [d, "db", "upgrade"]),
        ("demo", [d, "demo", "--preset", args.preset, "--quiet"]),
        ("pair", [d, "pair", "--area", args.area, "--quiet"]),
    ]
    for label, argv in steps:
        t0 = time.perf_counter()
        out = _run(argv, env)
        print(f"built: {label} ({time.perf_counter() - t0:.1f} s)", flush=True)
    proposal = json.loads(out.strip().splitlines()[-1])["proposal"]
    for label, argv in (
        ("pair commit", [d, "pair", "commit", str(proposal)]),
        (
            f"plan from {start}",
            [d, "plan", "--area", args.area, "--start", start.isoformat(), "--months", "4"],
        ),
    ):
        argv = [*argv, "--quiet"] if label.startswith("plan") else argv
        t0 = time.perf_counter()
        _run(argv, env)
        print(f"built: {label} ({time.perf_counter() - t0:.1f} s)", flush=True)
    stamp.write_text(start.isoformat())


def _recordable(engine: Engine, n: int) -> list[tuple[str, str, dt.date, dt.date]]:
    """Up to ``n`` visitors, spread over the programme, each with one of its households and
    a day visit made today to record: (household, visitor, start, end). A plan starts today
    at the earliest, so the visits recorded are not the planned ones; one on a planned
    stay's days cancels it, as a phone's record does."""
    today = dt.date.today()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT MIN(h.external_id), v.external_id "
                "FROM pairings p JOIN households h ON h.id = p.household_id "
                "JOIN visitors v ON v.id = p.visitor_id "
                "WHERE p.ended_on IS NULL GROUP BY v.external_id ORDER BY v.external_id"
            )
        ).all()
    step = max(1, len(rows) // n)
    return [(h, v, today, today) for h, v in rows[::step][:n]]


def _busiest_township(engine: Engine) -> str:
    """The township (an area two levels below the root's county) with the most households."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT a.code, a.path FROM areas a WHERE a.level = 'township'")
        ).all()
        counts = Counter[str]()
        for code, path in rows:
            counts[code] = int(
                conn.execute(
                    text(
                        "SELECT COUNT(*) FROM households h JOIN areas a ON a.id = h.area_id "
                        "WHERE a.path LIKE :p"
                    ),
                    {"p": f"{path}%"},
                ).scalar_one()
            )
    return counts.most_common(1)[0][0]


def _tokens(engine: Engine, visitors: list[str], township: str) -> tuple[dict[str, str], str]:
    """A token for each visitor's own account and one for the township's coordinator."""
    stamp = int(time.time())
    tokens: dict[str, str] = {}
    with unit_of_work(engine) as session:
        for visitor in visitors:
            name = f"bench-{stamp}-{visitor}"
            if account_rows.by_visitor(session.connection(), _visitor_id(engine, visitor)):
                continue  # an earlier run's account: its token is not kept; skip the visitor
            accounts.add_account(session, name, "visitor", actor=ACTOR, visitor=visitor)
            tokens[visitor] = accounts.issue_token(session, name, actor=ACTOR, days=1).secret
        coordinator = f"bench-{stamp}-coord"
        accounts.add_account(session, coordinator, "coordinator", actor=ACTOR, area=township)
        secret = accounts.issue_token(session, coordinator, actor=ACTOR, days=1).secret
    return tokens, secret


def _visitor_id(engine: Engine, external: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT id FROM visitors WHERE external_id = :v"), {"v": external}
            ).scalar_one()
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`doorstep serve` on ``port``, its output (uvicorn's log, any traceback) in ``log``."""
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(DOORSTEP), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    sys.exit("doorstep serve did not answer within 180 s")


def _audit_events(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one())


def _load(kind: Kind, base: str, clients: int, engine: Engine) -> None:
    """Every call of ``kind`` once, shared out over ``clients`` threads."""
    queue = list(enumerate(kind.calls))
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    _, call = queue.pop()
                t0 = time.perf_counter()
                try:
                    answer = call(client)
                    status, body = answer.status_code, answer.text
                except httpx.TransportError as exc:
                    status, body = 0, repr(exc)  # no answer: the connection dropped
                took = time.perf_counter() - t0
                with lock:
                    kind.seconds.append(took)
                    kind.statuses[status] += 1
                    if status not in kind.ok:
                        kind.said.setdefault(status, body[:300])

    before = _audit_events(engine)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kind.wall = time.perf_counter() - t0
    kind.events = _audit_events(engine) - before


def _cli_baseline(env: dict[str, str], visitors: list[str], runs: int) -> list[float]:
    """`doorstep visits due --visitor V`, one process each: the same read without a server."""
    times = []
    for visitor in visitors[:runs]:
        t0 = time.perf_counter()
        _run([str(DOORSTEP), "visits", "due", "--visitor", visitor, "--format", "json"], env)
        times.append(time.perf_counter() - t0)
    return times


def _kinds(
    recordable: list[tuple[str, str, dt.date, dt.date]], tokens: dict[str, str], coord: str
) -> list[Kind]:
    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    mine = [(h, v, s, e) for h, v, s, e in recordable if v in tokens]

    def get(path: str, token: str) -> Callable[[httpx.Client], httpx.Response]:
        return lambda c: c.get(path, headers=auth(token))

    def post(body: Mapping[str, object], token: str) -> Callable[[httpx.Client], httpx.Response]:
        return lambda c: c.post("/api/v1/visits", json=body, headers=auth(token))

    bodies = [
        (
            {
                "household": h,
                "visitor": v,
                "start": s.isoformat(),
                "end": e.isoformat(),
                "visit_id": f"bench-{v}-{s.isoformat()}",
                "activities": ["job_search"],
            },
            tokens[v],
        )
        for h, v, s, e in mine
    ]

    def each(path: str) -> list[Callable[[httpx.Client], httpx.Response]]:
        return [get(path, tokens[v]) for _, v, _, _ in mine]

    return [
        Kind("GET /me (a token checked, nothing read)", each("/api/v1/me")),
        Kind("visitor: GET /visits/due?days=60", each("/api/v1/visits/due?days=60")),
        Kind("visitor: GET /visits/upcoming?days=30", each("/api/v1/visits/upcoming?days=30")),
        Kind("visitor: GET /visits/calendar", each("/api/v1/visits/calendar")),
        Kind("visitor: POST /visits (a visit made)", [post(b, t) for b, t in bodies], {201}),
        Kind("visitor: POST /visits again (sent twice)", [post(b, t) for b, t in bodies]),
        Kind(
            "coordinator: GET /visits/due?days=60 (a township, 200 a page)",
            [get("/api/v1/visits/due?days=60", coord) for _ in mine[: max(1, len(mine) // 4)]],
        ),
    ]


def _table(kinds: list[Kind], baseline: list[float]) -> None:
    print()
    print(
        "| requests | n | errors | per second | median ms | p95 ms | p99 ms | audit events each |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for k in kinds:
        bad = {s: n for s, n in k.statuses.items() if s not in k.ok}
        q = statistics.quantiles(k.seconds, n=100) if len(k.seconds) > 1 else k.seconds * 99
        print(
            f"| {k.label} | {len(k.seconds)} | {bad or 0} | {len(k.seconds) / k.wall:.1f} "
            f"| {statistics.median(k.seconds) * 1000:.0f} | {q[94] * 1000:.0f} "
            f"| {q[98] * 1000:.0f} | {k.events / max(1, len(k.seconds)):.1f} |"
        )
    for k in kinds:
        for status, body in sorted(k.said.items()):
            print(f"{k.label}: first {status}: {body}")
    if baseline:
        due = next(k for k in kinds if k.label.startswith("visitor: GET /visits/due"))
        cli = statistics.median(baseline)
        print(
            f"\nbaseline: `doorstep visits due --visitor V`, one process each, median of "
            f"{len(baseline)}: {cli * 1000:.0f} ms; the API's median "
            f"{statistics.median(due.seconds) * 1000:.0f} ms "
            f"({cli / statistics.median(due.seconds):.1f} times faster), "
            f"{len(due.seconds) / due.wall:.1f} requests per second against "
            f"{1 / cli:.2f} for one process at a time"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("var/bench/api"))
    parser.add_argument("--database-url", help="default: SQLite in the workdir")
    parser.add_argument("--preset", default="county", choices=["village", "county", "region"])
    parser.add_argument("--area", default="GZ", help="the area paired and planned")
    parser.add_argument("--visitors", type=int, default=400, help="visitors' phones (accounts)")
    parser.add_argument("--clients", type=int, default=8, help="requests at once")
    parser.add_argument("--baseline-runs", type=int, default=10)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        url = args.database_url
        _build({**os.environ, "DOORSTEP_DATABASE_URL": url}, args, args.workdir / "built")
    else:
        built = (args.workdir / "programme.db").resolve()
        _build(
            {**os.environ, "DOORSTEP_DATABASE_URL": f"sqlite:///{built}"},
            args,
            args.workdir / "built",
        )
        measured = args.workdir / "bench.db"
        shutil.copyfile(built, measured)
        url = f"sqlite:///{measured.resolve()}"
    env = {**os.environ, "DOORSTEP_DATABASE_URL": url}
    engine = make_engine(url)
    recordable = _recordable(engine, args.visitors)
    township = _busiest_township(engine)
    tokens, coord = _tokens(engine, [v for _, v, _, _ in recordable], township)
    print(
        f"{len(tokens)} visitors' accounts with a visit to record; coordinator of {township}; "
        f"{args.clients} clients; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    port = _free_port()
    server = _serve(env, port, args.workdir / "server.log")
    try:
        kinds = _kinds(recordable, tokens, coord)
        for kind in kinds:
            _load(kind, f"http://127.0.0.1:{port}", args.clients, engine)
            print(f"measured: {kind.label} ({kind.wall:.1f} s)", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    baseline = _cli_baseline(env, list(tokens), args.baseline_runs)
    _table(kinds, baseline)
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
