"""The registry's speed against its ceilings, in one command: the real service (uvicorn, 1 and 2 workers) on
SQLite and on PostgreSQL, loaded with deterministic data, under a real load generator on 127.0.0.1.

    .venv/bin/python bench/run.py [--quick] [--engine sqlite|postgresql|both] [--workers 1,2]
                                  [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                  [--no-wrk] [--wait-idle SECONDS]

For each database and worker count it creates a fresh database (a temporary SQLite file, or a new PostgreSQL
database that is dropped afterwards), migrates it with Alembic, loads the data of bench/rollups.py (seed
2030: 10,000 interventions, 100,000 budget lines over 2019–2028, 1–3 themes each, set-based inserts with the
link ranks the service stores), creates an admin token, starts the service (uvicorn subprocess on a free
port) and measures:

  W1 read    GET /api/v1/interventions?limit=50, 32 connections, 15 s: requests/s, p50, p99; beside the
             ceiling: bench/ceiling_app.py, a bare FastAPI app with the same worker count answering the same
             50 items (built once at startup by the service's list function, then from memory) through the
             same response model InterventionPage, without our dependencies. Measured as the service runs
             (the read cache on), and again on a server with READ_CACHE_MB=0, where every request queries
             (the cold path), beside its same-database ceiling: GET /bare/interventions of ceiling_app.py runs
             the service's SQL on one Core connection and answers the same items (bench/bare.py). Each
             beside its ceiling in turn, as W2 (3 rounds of 5 s each, the servers up side by side).
  W2 write   POST /api/v1/interventions with 3 budget lines and 2 themes, 16 connections, 15 s: created/s
             and errors (must be 0); beside its same-database ceiling: POST /bare/interventions of
             ceiling_app.py inserts the same rows (intervention, links, lines, audit record, data version) with
             Core in one transaction (bench/bare.py), on the same database, the two in turn (3 rounds of 5 s
             each, after a warm-up of each): the machine's drift weighs on both alike.

In-process CPU per cold page and per create, and the statements each sends: bench/cpu.py, run at the end on a
fresh database of the same size (meaningful on a loaded machine too, where these throughput figures are not).
  W3 rollup  GET /api/v1/rollups/budget?by=theme&by=year, median of 20 (after one warm-up), each sent with
             Cache-Control: no-cache so that it is computed, beside the bare SQL aggregate (SUM per theme and
             year) on the same database, run from this process; then the same request from the read cache.
             Sent on one kept-alive connection by the standard library's http.client (KeptAlive): the
             latency is the server's, not a client library's (httpx adds about 1.4 ms of its own per request).
  W4 import  10,000 interventions with 100,000 budget lines (bench/imports.py records) in one
             POST /api/v1/imports/interventions: seconds; beside a raw set-based insert of the same rows
             (interventions, their theme/area/indicator links with ranks, budget lines; one transaction).

Load generator: wrk (Debian package `wrk`; Lua scripts add the token and the POST bodies); without wrk, a
bounded asyncio httpx client (fixed connections, fixed duration). Both servers run with
`--no-access-log` and LOG_LEVEL=warning. Every server is stopped at the end, also on errors, Ctrl-C and
SIGTERM; if this process is killed outright, the servers get SIGTERM from the kernel (PR_SET_PDEATHSIG).
"""

import argparse
import asyncio
import atexit
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx

from bench.imports import raw_line_rows
from bench.imports import records as import_records
from bench.rollups import BARE_THEME_YEAR, BARE_THEME_YEAR_SAME_COLUMNS, generate, in_turn

DEFAULT_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
HOST = "127.0.0.1"
LIST_PATH = "/api/v1/interventions?limit=50"
# The same-database ceilings of bench/ceiling_app.py (bench/bare.py): the same SQL, the same rows, nothing else.
BARE_LIST_PATH = "/bare/interventions?limit=50"
BARE_CREATE_PATH = "/bare/interventions"
ROLLUP_PATH = "/api/v1/rollups/budget?by=theme&by=year"
IMPORT_PATH = "/api/v1/imports/interventions"


@dataclass
class Sizes:
    interventions: int
    lines: int
    import_interventions: int
    import_lines_each: int
    duration: float  # seconds per load run
    warmup: float
    runs: int  # W3 median of


FULL = Sizes(10_000, 100_000, 10_000, 10, 15, 3, 20)
QUICK = Sizes(1_000, 10_000, 1_000, 10, 3, 1, 5)


# --- servers: started here, always stopped ---------------------------------------------------------------

_SERVERS: list[subprocess.Popen] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# Runs the command with PR_SET_PDEATHSIG, so the server gets SIGTERM when this process dies, even by SIGKILL
# (Linux; elsewhere it just runs the command). A wrapper that execs, rather than preexec_fn, which is unsafe
# with threads.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)\n"
    "except Exception:\n"
    "    pass\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    log: Path
    workers: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


def start_server(app_path: str, database_url: str, workers: int, logdir: Path, env_extra: dict | None = None) -> Server:
    port = _free_port()
    log = logdir / f"{app_path.replace(':', '_')}-{workers}w-{port}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "warning",
        "PYTHONUNBUFFERED": "1",
        **(env_extra or {}),
    }
    # --log-level info only for uvicorn's own start-up lines (which tell when every worker is up); the access
    # log is off, and the app logs at warning.
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app_path,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "info",
        "--no-access-log",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", _DIE_WITH_PARENT, *command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _SERVERS.append(process)
    server = Server(process, f"http://{HOST}:{port}", log, workers)
    deadline = time.monotonic() + 90
    healthy_since = None
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            raise RuntimeError(f"{app_path} did not start ({workers} workers):\n{server.output()}")
        if healthy_since is None:
            try:
                if httpx.get(f"{server.base}/health", timeout=2).status_code == 200:
                    healthy_since = time.monotonic()
            except httpx.HTTPError:
                pass
        # Every worker up: uvicorn says so once per worker (if a logging setup hides that, give them 10 s).
        if healthy_since is not None and (
            server.output().count("Application startup complete") >= workers or time.monotonic() - healthy_since > 10
        ):
            return server
        time.sleep(0.2)


def server_cpu_s(server: Server) -> float:
    """CPU seconds (user + system) used so far by the server's processes (its process group; Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == server.process.pid:  # pgrp
                total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def with_cpu(server: Server, run) -> "Load":
    """The load `run()` puts on the server, with the server's CPU milliseconds per completed request."""
    start = server_cpu_s(server)
    load = run()
    load.cpu_ms = (server_cpu_s(server) - start) * 1000 / max(load.requests, 1)
    return load


# W1 and W2 are each measured beside their ceilings in this many rounds, in turn (alternating).
ROUNDS = 3


def alternating(loads: list, rounds: int) -> list["Load"]:
    """Each of `loads` (functions answering a Load) `rounds` times, in turn (in_turn: AB BA AB); each one's rounds
    merged into one Load: requests, errors and time added up, CPU per request over all of them, p50 and p99 the
    median of the rounds' (wrk reports percentiles per run)."""
    return [_merged(parts) for parts in in_turn(loads, rounds)]


def _merged(parts: list["Load"]) -> "Load":
    requests = sum(p.requests for p in parts)
    statuses: dict = {}
    for p in parts:
        for code, count in p.statuses.items():
            statuses[code] = statuses.get(code, 0) + count
    cpu = [p.cpu_ms for p in parts]
    return Load(
        tool=parts[0].tool,
        duration=sum(p.duration for p in parts),
        requests=requests,
        ok=sum(p.ok for p in parts),
        errors=sum(p.errors for p in parts),
        p50_ms=statistics.median(p.p50_ms for p in parts),
        p99_ms=statistics.median(p.p99_ms for p in parts),
        statuses=statuses,
        cpu_ms=None if None in cpu else sum(c * p.requests for c, p in zip(cpu, parts, strict=True)) / max(requests, 1),
    )


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (the uvicorn supervisor and its workers), SIGKILL if it lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    # workers that outlived their supervisor
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    if process in _SERVERS:
        _SERVERS.remove(process)


def stop_all_servers() -> None:
    for process in _SERVERS.copy():
        stop_server(process)


@contextlib.contextmanager
def running(app_path: str, database_url: str, workers: int, logdir: Path, env_extra: dict | None = None):
    server = start_server(app_path, database_url, workers, logdir, env_extra)
    try:
        yield server
    finally:
        stop_server(server.process)


class KeptAlive:
    """GETs on one kept-alive HTTP/1.1 connection, with the standard library's http.client: W3's latency is then
    the server's and the network's, as wrk's is for W1 and W2; httpx spends about 1.4 ms of its own on every
    request (measured 2026-12-04 on the rollup at 1,000 interventions: 21.1 against 19.6 ms)."""

    def __init__(self, base: str, headers: dict[str, str]):
        url = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
        self.headers = headers

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        self.connection.request("GET", path, headers={**self.headers, **(headers or {})})
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.connection.close()


def _raise_on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


# --- load generation ------------------------------------------------------------------------------------


@dataclass
class Load:
    tool: str
    duration: float
    requests: int  # completed requests
    ok: int  # 2xx
    errors: int  # non-2xx answers plus connection errors and timeouts
    p50_ms: float
    p99_ms: float
    statuses: dict = field(default_factory=dict)
    cpu_ms: float | None = None  # the server's CPU per request under this load (with_cpu)

    @property
    def rate(self) -> float:
        return self.ok / self.duration


WRK_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCHRESULT requests=%d duration_us=%d connect=%d read=%d write=%d status=%d "
    .. "timeout=%d p50_us=%.1f p99_us=%.1f\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""

WRK_READ = (
    """
wrk.headers["Authorization"] = "Bearer {token}"
"""
    + WRK_DONE
)

# Each request a new intervention: 2 themes (rotating), 3 budget lines, 4 departments in turn.
WRK_WRITE = (
    """
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
local themes = {{"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"}}
local departments = {{"BKF", "SSF", "BMF", "SOB"}}
local threads = 0
local counter = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function request()
  counter = counter + 1
  local t = counter % 8 + 1
  local body = string.format({body_format}, tid, counter, departments[counter % 4 + 1], themes[t], themes[t + 1])
  return wrk.format(nil, nil, nil, body)
end
"""
    + WRK_DONE
)


def write_body(thread: int, n: int) -> dict:
    themes = [f"T{k}" for k in range(1, 10)]
    t = n % 8
    return {
        "name": f"Bench-indsats {thread}-{n}",
        "kind": "project",
        "status": "active",
        "department": ["BKF", "SSF", "BMF", "SOB"][n % 4],
        "themes": [themes[t], themes[t + 1]],
        "budget_lines": [
            {"year": 2026, "category": "Løn", "funding_source": "SOB-BUDGET", "amount": "125000.00"},
            {"year": 2027, "category": "Løn", "funding_source": "SOB-BUDGET", "amount": "130000.00"},
            {"year": 2027, "category": "Drift", "funding_source": "LBF", "amount": "20000.50"},
        ],
    }


def _lua_write_format() -> str:
    """write_body as a Lua format string (%d thread, %d counter, %s department, %s theme, %s theme)."""
    sample = json.dumps(write_body(0, 0), ensure_ascii=False, separators=(",", ":"))
    sample = sample.replace("%", "%%")
    sample = sample.replace('"Bench-indsats 0-0"', '"Bench-indsats %d-%d"').replace(
        '"department":"BKF"', '"department":"%s"'
    )
    sample = sample.replace('"themes":["T1","T2"]', '"themes":["%s","%s"]')
    return json.dumps(sample, ensure_ascii=False)  # a JSON string literal is a valid Lua string literal here


def run_wrk(url: str, script: str, connections: int, duration: float, workdir: Path) -> Load:
    path = workdir / f"wrk-{abs(hash(script))}.lua"
    path.write_text(script, encoding="utf-8")
    threads = max(1, min(2, os.cpu_count() or 1, connections))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "60s",
        "--latency",
        "-s",
        str(path),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120, check=False)
    match = re.search(r"BENCHRESULT (.*)", done.stdout)
    if done.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    v = {k: float(x) for k, x in (pair.split("=") for pair in match.group(1).split())}
    socket_errors = int(v["connect"] + v["read"] + v["write"] + v["timeout"])
    non_2xx = int(v["status"])
    requests = int(v["requests"])
    return Load(
        "wrk",
        v["duration_us"] / 1e6,
        requests,
        requests - non_2xx,
        non_2xx + socket_errors,
        v["p50_us"] / 1000,
        v["p99_us"] / 1000,
    )


async def _httpx_load(url: str, method: str, connections: int, duration: float, headers: dict, body=None) -> Load:
    latencies: list[float] = []
    statuses: Counter = Counter()
    failures = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=60, headers=headers) as client:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration

        async def worker(n: int) -> None:
            nonlocal failures
            count = 0
            while loop.time() < deadline:
                count += 1
                content = json.dumps(body(n, count), ensure_ascii=False).encode() if body else None
                start = time.perf_counter()
                try:
                    response = await client.request(method, url, content=content)
                except httpx.HTTPError:
                    failures += 1
                    continue
                latencies.append((time.perf_counter() - start) * 1000)
                statuses[response.status_code] += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    ok = sum(c for s, c in statuses.items() if 200 <= s < 300)
    requests = sum(statuses.values())

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

    return Load("httpx", elapsed, requests, ok, requests - ok + failures, pct(0.50), pct(0.99), dict(statuses))


class Generator:
    def __init__(self, token: str, workdir: Path, force_httpx: bool = False):
        self.token = token
        self.workdir = workdir
        self.wrk = None if force_httpx else shutil.which("wrk")

    @property
    def name(self) -> str:
        return "wrk" if self.wrk else "asyncio httpx client"

    def read(self, base: str, connections: int, duration: float, path: str = LIST_PATH) -> Load:
        if self.wrk:
            return run_wrk(base + path, WRK_READ.format(token=self.token), connections, duration, self.workdir)
        return asyncio.run(
            _httpx_load(base + path, "GET", connections, duration, {"Authorization": f"Bearer {self.token}"})
        )

    def write(self, base: str, connections: int, duration: float, path: str = "/api/v1/interventions") -> Load:
        url = base + path
        if self.wrk:
            script = WRK_WRITE.format(token=self.token, body_format=_lua_write_format())
            return run_wrk(url, script, connections, duration, self.workdir)
        return asyncio.run(
            _httpx_load(
                url,
                "POST",
                connections,
                duration,
                {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
                body=write_body,
            )
        )


# --- database ------------------------------------------------------------------------------------------


def prepare_database(url: str, sizes: Sizes) -> str:
    """Migrate, load the deterministic data, and answer a new admin token."""
    os.environ["DATABASE_URL"] = url
    from alembic import command

    from app.cli import _alembic_config
    from app.config import get_settings
    from app.db import get_engine, make_engine, open_session
    from app.models.auth import Role, TokenCreate
    from app.services.auth import create_token

    get_settings.cache_clear()
    get_engine.cache_clear()
    command.upgrade(_alembic_config(url), "head")
    engine = make_engine(url)
    try:
        generate(engine, sizes.interventions, sizes.lines)
        if engine.dialect.name == "postgresql":
            # generate() gives explicit ids; the sequence must move past them for the service's inserts
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('intervention', 'id'), (SELECT max(id) FROM intervention))"
                )
            # The steady state a running registry is in, rather than the minutes after a bulk load: then the
            # first reads write hint bits onto every page they touch and autovacuum works through the new rows on
            # the same 2 CPUs as the measurement (bench/scale.py saw W1 and W2 CPU 2.3x higher at 100,000).
            vacuum_analyze(engine)
        with open_session(engine) as session:
            return create_token(session, TokenCreate(name="bench-admin", role=Role.admin)).token
    finally:
        engine.dispose()


def vacuum_analyze(engine) -> None:
    """VACUUM (ANALYZE) on PostgreSQL, outside a transaction (it cannot run in one)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


@contextlib.contextmanager
def fresh_database(engine_name: str, admin_url: str, tag: str):
    """A new empty database; removed afterwards."""
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sbr-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    from sqlalchemy import create_engine

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    database = f"sbr_bench_{os.getpid()}_{tag}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {database}")
    try:
        yield admin.url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.dispose()


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_sql_ms(url: str, sql: str, runs: int) -> float:
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(url)
    try:

        def call():
            with engine.connect() as conn:
                conn.execute(text(sql)).all()

        return median_ms(call, runs)
    finally:
        engine.dispose()


def raw_insert_s(url: str, data: list[dict]) -> float:
    """The rows of the import, inserted set-based in one transaction (after the imported ones are removed):
    interventions, their theme, area and indicator links with the ranks the service stores, budget lines."""
    from sqlalchemy import insert, text

    from app.db import make_engine
    from app.models import (
        BudgetLine,
        Intervention,
        InterventionArea,
        InterventionIndicator,
        InterventionTheme,
    )
    from app.models.types import utcnow

    engine = make_engine(url)
    try:
        imported = "SELECT id FROM intervention WHERE external_id LIKE 'BENCH-%'"
        with engine.begin() as conn:
            for table in (
                "budget_line",
                "success_criterion",
                "intervention_theme",
                "intervention_area",
                "intervention_indicator",
            ):
                conn.execute(text(f"DELETE FROM {table} WHERE intervention_id IN ({imported})"))
            conn.execute(text("DELETE FROM intervention WHERE external_id LIKE 'BENCH-%'"))
        if engine.dialect.name == "postgresql":
            vacuum_analyze(engine)
        now = utcnow()

        def links(ids, key, column):
            return [
                {"intervention_id": iid, column: code, "rank": rank, "siblings": len(r[key])}
                for iid, r in zip(ids, data, strict=True)
                for rank, code in enumerate(sorted(r[key]))
            ]

        start = time.perf_counter()
        with engine.begin() as conn:
            ids = (
                conn.execute(
                    insert(Intervention).returning(Intervention.id, sort_by_parameter_order=True),
                    [
                        {
                            "external_id": r["external_id"],
                            "name": r["name"],
                            "kind": r["kind"],
                            "status": r["status"],
                            "track": r["track"],
                            "department_code": r["department"],
                            "description": r["description"],
                            "search_text": r["name"].casefold(),
                            "created_at": now,
                            "updated_at": now,
                        }
                        for r in data
                    ],
                )
                .scalars()
                .all()
            )
            conn.execute(insert(InterventionTheme), links(ids, "themes", "theme_code"))
            if any(r["areas"] for r in data):
                conn.execute(insert(InterventionArea), links(ids, "areas", "area_slug"))
            if any(r["indicators"] for r in data):
                conn.execute(insert(InterventionIndicator), links(ids, "indicators", "indicator_number"))
            conn.execute(insert(BudgetLine), raw_line_rows(ids, data))
        return time.perf_counter() - start
    finally:
        engine.dispose()


# --- one database, one worker count ----------------------------------------------------------------------


@dataclass
class Result:
    engine: str
    workers: int
    w1: Load
    w1_uncached: Load  # the same load on a server with READ_CACHE_MB=0
    ceiling: Load
    w1_bare: Load  # the same SQL on one Core connection, plain dicts (bench/bare.py)
    w2: Load
    w2_bare: Load  # the same rows inserted with Core in one transaction (bench/bare.py)
    w3_ms: float  # computed: each request sends Cache-Control: no-cache
    w3_cached_ms: float  # the same request answered from the read cache
    w3_bare_ms: float
    w3_same_columns_ms: float
    w4_s: float
    w4_raw_s: float
    load_before: float  # 1-minute load average when this part started
    speed_before: float  # python_speed_ms() when this part started
    # The whole cold page request's CPU in-process (bench/cpu.py), just before and just after the cold W1 rounds.
    w1_inprocess: tuple[float, float] | None = None


def wait_for_quiet(limit_s: float) -> None:
    """Other work on the machine skews every figure: wait (up to limit_s) for the 1-minute load to fall below 1."""
    deadline = time.monotonic() + limit_s
    if os.getloadavg()[0] >= 1.0 and limit_s > 0:
        print(
            f"waiting up to {limit_s:g} s for the machine to be quiet (load {os.getloadavg()[0]:.2f})",
            file=sys.stderr,
            flush=True,
        )
    while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
        time.sleep(5)


def inprocess_page_ms(url: str, token: str, repeat: int) -> float | None:
    """bench/cpu.py's whole cold page request (its median CPU ms in one thread, no other request contending), in a
    process of its own, on this database: the figure the server's CPU per cold page under load is held against,
    measured in the same minutes rather than in another part of the run (the machine's speed drifts)."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "cpu.py"),
            "--page-request-on",
            url,
            "--token",
            token,
            "--repeat",
            str(repeat),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"bench/cpu.py --page-request-on failed:\n{done.stderr[-2000:]}", file=sys.stderr, flush=True)
        return None
    return float(done.stdout.split()[-1])


def bench_one(engine_name: str, workers: int, args, sizes: Sizes, logdir: Path, gen_token_dir: Path) -> Result:
    tag = f"{engine_name[:2]}{workers}"
    wait_for_quiet(args.wait_idle)
    load_before = os.getloadavg()[0]
    speed_before = python_speed_ms()
    with fresh_database(engine_name, args.postgres, tag) as url:
        step = f"[{engine_name}, {workers} worker{'s' if workers > 1 else ''}]"
        print(
            f"{step} migrate and load {sizes.interventions} interventions, {sizes.lines} budget lines",
            file=sys.stderr,
            flush=True,
        )
        token = prepare_database(url, sizes)
        generator = Generator(token, gen_token_dir, force_httpx=args.no_wrk)
        headers = {"Authorization": f"Bearer {token}"}

        with (
            running("bench.ceiling_app:app", url, workers, logdir) as ceiling_server,
            running("app.main:app", url, workers, logdir, {"READ_CACHE_MB": "0"}) as uncached_server,
            running("app.main:app", url, workers, logdir) as server,
            httpx.Client(base_url=server.base, headers=headers, timeout=600) as client,
        ):
            ceiling_page = httpx.get(ceiling_server.base + LIST_PATH, headers=headers, timeout=30).json()
            page = client.get(LIST_PATH)
            assert page.status_code == 200, page.text[:1000]
            if page.json() != ceiling_page:
                raise AssertionError("the ceiling app does not answer the same page as the service")

            print(f"{step} W3 rollup, median of {sizes.runs}", file=sys.stderr, flush=True)

            w3_client = KeptAlive(server.base, headers)

            def rollup(extra=None):
                status, body = w3_client.get(ROLLUP_PATH, extra)
                assert status == 200, body[:1000]

            # The computation itself (no-cache), and then what a dashboard sees while the data is unchanged.
            w3 = median_ms(lambda: rollup({"Cache-Control": "no-cache"}), sizes.runs)
            w3_cached = median_ms(rollup, sizes.runs)
            w3_client.close()
            w3_bare = bare_sql_ms(url, BARE_THEME_YEAR, sizes.runs)
            w3_same = bare_sql_ms(url, BARE_THEME_YEAR_SAME_COLUMNS, sizes.runs)

            # W1 and its ceiling in turn, as W2 below: the service (read cache on) with the in-memory ceiling,
            # then the service with the read cache off with its same-SQL ceiling, ROUNDS times each for a share
            # of the duration, the servers up side by side (idle while another is loaded).
            share = sizes.duration / ROUNDS
            print(
                f"{step} W1 read and the in-memory ceiling (bench/ceiling_app.py) in turn, {ROUNDS} x {share:g} s",
                file=sys.stderr,
                flush=True,
            )
            generator.read(ceiling_server.base, 32, sizes.warmup)
            generator.read(server.base, 32, sizes.warmup)
            w1, ceiling = alternating(
                [
                    lambda: generator.read(server.base, 32, share),
                    lambda: generator.read(ceiling_server.base, 32, share),
                ],
                ROUNDS,
            )
            print(
                f"{step} W1 read with the read cache off and its same-SQL ceiling (bench/bare.py) in turn, "
                f"{ROUNDS} x {share:g} s",
                file=sys.stderr,
                flush=True,
            )
            generator.read(uncached_server.base, 32, sizes.warmup)
            generator.read(ceiling_server.base, 32, sizes.warmup, BARE_LIST_PATH)
            repeat = 30 if args.quick else 200
            inprocess_before = inprocess_page_ms(url, token, repeat)
            w1_uncached, w1_bare = alternating(
                [
                    lambda: with_cpu(uncached_server, lambda: generator.read(uncached_server.base, 32, share)),
                    lambda: with_cpu(
                        ceiling_server, lambda: generator.read(ceiling_server.base, 32, share, BARE_LIST_PATH)
                    ),
                ],
                ROUNDS,
            )
            inprocess_after = inprocess_page_ms(url, token, repeat)
            w1_inprocess = None if None in (inprocess_before, inprocess_after) else (inprocess_before, inprocess_after)

            # The service and its same-rows ceiling in turn, ROUNDS times each for a share of the duration, on
            # two servers up side by side (one idle while the other is loaded): a machine whose speed drifts
            # during the measurement (shared hosts do, up to 2x within the hour) weighs on both alike.
            print(
                f"{step} W2 write and its same-rows ceiling (bench/bare.py) in turn, {ROUNDS} x "
                f"{sizes.duration / ROUNDS:g} s each",
                file=sys.stderr,
                flush=True,
            )
            with running("bench.ceiling_app:app", url, workers, logdir) as bare_server:
                generator.write(server.base, 16, sizes.warmup)
                generator.write(bare_server.base, 16, sizes.warmup, BARE_CREATE_PATH)
                w2, w2_bare = alternating(
                    [
                        lambda: with_cpu(server, lambda: generator.write(server.base, 16, sizes.duration / ROUNDS)),
                        lambda: with_cpu(
                            bare_server,
                            lambda: generator.write(bare_server.base, 16, sizes.duration / ROUNDS, BARE_CREATE_PATH),
                        ),
                    ],
                    ROUNDS,
                )
            if w2.errors:
                probe = client.post("/api/v1/interventions", json=write_body(99, 1))
                print(
                    f"{step} W2 had {w2.errors} errors; one more request answers {probe.status_code}: "
                    f"{probe.text[:500]}",
                    file=sys.stderr,
                    flush=True,
                )

            print(f"{step} W4 import of {sizes.import_interventions} interventions", file=sys.stderr, flush=True)
            data = import_records(sizes.import_interventions, sizes.import_lines_each)
            body = json.dumps(data, ensure_ascii=False).encode()
            start = time.perf_counter()
            answer = client.post(IMPORT_PATH, content=body, headers={"Content-Type": "application/json"})
            w4 = time.perf_counter() - start
            assert answer.status_code == 200, answer.text[:2000]
            assert answer.json()["created"] == len(data), {k: v for k, v in answer.json().items() if k != "items"}
        w4_raw = raw_insert_s(url, data)
    return Result(
        engine_name,
        workers,
        w1,
        w1_uncached,
        ceiling,
        w1_bare,
        w2,
        w2_bare,
        w3,
        w3_cached,
        w3_bare,
        w3_same,
        w4,
        w4_raw,
        load_before,
        speed_before,
        w1_inprocess,
    )


# --- the table ---------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    import sqlite3

    return (
        f"{os.cpu_count()} CPUs (nproc), {ram} RAM, {cpu}; {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def _reference_work() -> None:
    """A fixed piece of pure Python of the kind a request is made of (dicts, text, json.dumps): 50 items of 20
    fields, 100 times."""
    for _ in range(100):
        items = [{f"field_{k}": f"{i}.{k:02d}" for k in range(20)} | {"id": i} for i in range(50)]
        json.dumps({"items": items}, ensure_ascii=False)


def python_speed_ms() -> float:
    """The CPU ms of _reference_work now (median of 5): the machine's speed at the moment, beside its load (on
    this shared machine the same code ran 4× slower on one day than another, at the same load)."""
    spent = []
    for _ in range(5):
        start = time.process_time()
        _reference_work()
        spent.append((time.process_time() - start) * 1000)
    return statistics.median(spent)


def postgres_version(admin_url: str) -> str | None:
    from sqlalchemy import create_engine

    engine = create_engine(admin_url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SHOW server_version").scalar()
    except Exception:
        return None
    finally:
        engine.dispose()


def _cpu(load: Load) -> str:
    return "server CPU ? ms/req" if load.cpu_ms is None else f"server CPU {load.cpu_ms:.1f} ms/req"


def _mark(ok: bool) -> str:
    return "yes" if ok else "**no**"


def table(results: list[Result]) -> str:
    rows = [
        "| database | workers | workload | service | baseline | ratio | target | met |",
        "|---|---:|---|---|---|---:|---|---|",
    ]
    for r in results:
        w1_ratio = r.w1.rate / r.ceiling.rate if r.ceiling.rate else 0.0
        rows.append(
            f"| {r.engine} | {r.workers} | W1 read, 32 conn. | {r.w1.rate:,.0f} req/s, p50 {r.w1.p50_ms:.1f} ms, "
            f"p99 {r.w1.p99_ms:.1f} ms{f', {r.w1.errors} errors' if r.w1.errors else ''} "
            f"| ceiling {r.ceiling.rate:,.0f} req/s, p50 {r.ceiling.p50_ms:.1f} ms, p99 {r.ceiling.p99_ms:.1f} ms "
            f"| {w1_ratio:.2f}× | ≥ 0.5× | {_mark(w1_ratio >= 0.5 and not r.w1.errors)} |"
        )
        cold_ratio = r.w1_uncached.rate / r.w1_bare.rate if r.w1_bare.rate else 0.0
        rows.append(
            f"| {r.engine} | {r.workers} | W1 read, read cache off (cold) | {r.w1_uncached.rate:,.0f} req/s, "
            f"p50 {r.w1_uncached.p50_ms:.1f} ms, p99 {r.w1_uncached.p99_ms:.1f} ms, {_cpu(r.w1_uncached)}"
            f"{f', {r.w1_uncached.errors} errors' if r.w1_uncached.errors else ''} | same SQL, bare: "
            f"{r.w1_bare.rate:,.0f} req/s, p50 {r.w1_bare.p50_ms:.1f} ms, p99 {r.w1_bare.p99_ms:.1f} ms, "
            f"{_cpu(r.w1_bare)} "
            f"| {cold_ratio:.2f}× | ≥ 0.8× | {_mark(cold_ratio >= 0.8 and not r.w1_uncached.errors)} |"
        )
        if r.w1_inprocess is not None and r.w1_uncached.cpu_ms is not None:
            before, after = r.w1_inprocess
            alone = (before + after) / 2
            growth = r.w1_uncached.cpu_ms / alone
            rows.append(
                f"| {r.engine} | {r.workers} | W1 cold: server CPU per page under load against the request alone "
                f"| {r.w1_uncached.cpu_ms:.1f} ms/req | in-process request {alone:.2f} ms (bench/cpu.py: {before:.2f} "
                f"before and {after:.2f} after the cold rounds) | {growth:.2f}× | ≤ 1.5× | {_mark(growth <= 1.5)} |"
            )
        w2_ratio = r.w2.rate / r.w2_bare.rate if r.w2_bare.rate else 0.0
        rows.append(
            f"| {r.engine} | {r.workers} | W2 write, 16 conn. | {r.w2.rate:,.1f} created/s, p50 {r.w2.p50_ms:.0f} ms, "
            f"p99 {r.w2.p99_ms:.0f} ms, {_cpu(r.w2)}, {r.w2.errors} errors | same rows, bare: "
            f"{r.w2_bare.rate:,.1f} created/s, p50 {r.w2_bare.p50_ms:.0f} ms, p99 {r.w2_bare.p99_ms:.0f} ms, "
            f"{_cpu(r.w2_bare)} | {w2_ratio:.2f}× | ≥ 0.6×, 0 errors "
            f"| {_mark(w2_ratio >= 0.6 and r.w2.errors == 0)} |"
        )
        w3_ratio = r.w3_ms / r.w3_bare_ms
        rows.append(
            f"| {r.engine} | {r.workers} | W3 rollup theme × year, computed | {r.w3_ms:.1f} ms | bare SQL "
            f"{r.w3_bare_ms:.1f} ms (same columns {r.w3_same_columns_ms:.1f} ms) | {w3_ratio:.2f}× | ≤ 2×, < 250 ms "
            f"| {_mark(w3_ratio <= 2 and r.w3_ms < 250)} |"
        )
        rows.append(
            f"| {r.engine} | {r.workers} | W3 rollup, from the read cache | {r.w3_cached_ms:.1f} ms | – | – | – | – |"
        )
        w4_ratio = r.w4_s / r.w4_raw_s
        met = "yes" if r.w4_s < 30 and w4_ratio <= 4 else ("< 30 s yes, ≤ 4× **no**" if r.w4_s < 30 else "**no**")
        rows.append(
            f"| {r.engine} | {r.workers} | W4 import | {r.w4_s:.1f} s | raw insert {r.w4_raw_s:.1f} s "
            f"| {w4_ratio:.1f}× | < 30 s, aim ≤ 4× | {met} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK.interventions} interventions, {QUICK.lines} lines, "
        f"{QUICK.duration:g} s loads, median of {QUICK.runs}",
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="a PostgreSQL URL whose user may create databases (default: %(default)s)",
    )
    parser.add_argument("--no-wrk", action="store_true", help="use the asyncio httpx client even if wrk is there")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each database and worker count, wait up to this long for the 1-minute load "
        "average to fall below 1 (default 0: do not wait)",
    )
    args = parser.parse_args()
    try:
        worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
        assert worker_counts and all(w >= 1 for w in worker_counts)
    except (ValueError, AssertionError):
        parser.error("--workers takes positive integers separated by commas, e.g. 1,2")
    sizes = QUICK if args.quick else FULL
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]

    import logging

    logging.disable(logging.INFO)
    atexit.register(stop_all_servers)
    signal.signal(signal.SIGTERM, _raise_on_signal)
    signal.signal(signal.SIGHUP, _raise_on_signal)

    started = datetime.now(UTC)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="sbr-bench-run-") as tmp:
        logdir = Path(tmp)
        tool = Generator("", logdir, force_httpx=args.no_wrk).name
        try:
            for engine_name in engines:
                for workers in worker_counts:
                    results.append(bench_one(engine_name, workers, args, sizes, logdir, logdir))
        finally:
            stop_all_servers()

    pg = postgres_version(args.postgres) if "postgresql" in engines else None
    print(f"\n{started:%Y-%m-%d %H:%M} UTC; {machine()}{f', PostgreSQL {pg}' if pg else ''}")
    print(
        f"load generator: {tool}; data: {sizes.interventions:,} interventions, {sizes.lines:,} budget lines "
        f"(seed 2030); W1/W2 {sizes.duration:g} s each after a {sizes.warmup:g} s warm-up; W3 median of "
        f"{sizes.runs}; W4 {sizes.import_interventions:,} interventions with "
        f"{sizes.import_interventions * sizes.import_lines_each:,} budget lines in one request"
        f"{' (--quick: not the reference sizes)' if args.quick else ''}"
    )
    if tool != "wrk":
        print(
            "the asyncio client is itself the bottleneck well below the ceiling app's speed: without wrk the "
            "W1 ceiling and ratio understate the framework (install wrk for the reference figures)"
        )
    print()
    print(table(results))
    loads = ", ".join(f"{r.engine} {r.workers}w {r.load_before:.2f}" for r in results)
    print(f"\n1-minute load average when each part started (other work on the machine skews the figures): {loads}")
    speeds = ", ".join(f"{r.engine} {r.workers}w {r.speed_before:.0f}" for r in results)
    print(
        f"The machine's speed when each part started, CPU ms of a fixed piece of pure Python (bench/run.py "
        f"python_speed_ms; higher is slower): {speeds}"
    )
    # The in-process CPU of a cold page and a create (targets ≤ 5 ms each, a fixed number of statements), on a
    # fresh database of the same size, in a process of its own (bench/cpu.py runs the app's thread-pool hops
    # inline).
    print(flush=True)
    cpu = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "cpu.py"),
            "--engine",
            args.engine,
            "--interventions",
            str(sizes.interventions),
            "--repeat",
            "30" if args.quick else "100",
            "--postgres",
            args.postgres,
        ],
        cwd=ROOT,
    )
    return cpu.returncode


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as exc:
        print(f"interrupted ({exc or 'Ctrl-C'}); every server was stopped", file=sys.stderr)
        sys.exit(130)
