"""Where a computed rollup's time goes: W3 (the budget rollup by theme and year) in-process, in parts.

    .venv/bin/python bench/rollup_parts.py [--engine sqlite|postgresql|both] [--interventions 1000]
                                           [--rounds 200] [--postgres postgresql+psycopg://postgres@...]

On a fresh database of --interventions interventions (bench/rollups.py's data, 10 budget lines each, an admin
token) it calls the app in this thread (bench/cpu.py InlineApp: the read cache off, the routes built and the
collector set as in a worker) with GET /api/v1/rollups/budget?by=theme&by=year, --rounds times after a warm-up,
and the bare SQL of bench/run.py's W3 (bench/rollups.py BARE_THEME_YEAR) as many times, in turn. It prints the
median wall ms of the request and of the bare SQL, the CPU ms of each, and the request's parts: each statement
as the driver ran it (the engine's cursor events, which the direct statements of app/core/direct.py fire too)
and the commit, by the statement's first words; the rest of the request is Python (routing, dependencies, the
token check's Python, the rows and their JSON). On PostgreSQL, where the database works in another process, the
request's CPU is nearly all Python; on SQLite a statement's rows after the first are stepped through when they are
fetched, after the driver's execute returns, so that part of a statement's time falls in "the rest".
"""

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DEFAULT_POSTGRES, Sizes, fresh_database, prepare_database, python_speed_ms

PATH, QUERY = "/api/v1/rollups/budget", "by=theme&by=year"


def _label(statement: str) -> str:
    words = " ".join(statement.split())
    return words[:60] + ("…" if len(words) > 60 else "")


def measure(url: str, token: str, rounds: int) -> dict:
    from sqlalchemy import event, text
    from sqlalchemy.engine.default import DefaultDialect

    from app.db import get_engine
    from bench.cpu import InlineApp
    from bench.rollups import BARE_THEME_YEAR

    app = InlineApp(token)
    app.headers.append((b"cache-control", b"no-cache"))  # computed, not answered from the read cache
    engine = get_engine()
    parts: dict[str, list[float]] = defaultdict(list)
    timing = {"on": False}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        if timing["on"]:
            parts[_label(statement)].append(time.perf_counter() - conn.info.pop("bench_started"))

    do_commit = DefaultDialect.do_commit

    def timed_commit(self, dbapi_connection):
        start = time.perf_counter()
        do_commit(self, dbapi_connection)
        if timing["on"]:
            parts["COMMIT"].append(time.perf_counter() - start)

    DefaultDialect.do_commit = timed_commit

    def request() -> None:
        status = app("GET", PATH, QUERY)
        assert status == 200, status

    def bare() -> None:
        with engine.connect() as conn:
            conn.execute(text(BARE_THEME_YEAR)).all()

    for _ in range(20):  # warm-up: statement caches, psycopg's prepared statements
        request()
        bare()
    wall = {"request": [], "bare": []}
    cpu = {"request": [], "bare": []}
    try:
        for _ in range(rounds):
            for name, fn in (("request", request), ("bare", bare)):
                timing["on"] = name == "request"
                start_wall, start_cpu = time.perf_counter(), time.process_time()
                fn()
                wall[name].append((time.perf_counter() - start_wall) * 1000)
                cpu[name].append((time.process_time() - start_cpu) * 1000)
                timing["on"] = False
    finally:
        DefaultDialect.do_commit = do_commit
        engine.dispose()
    return {
        "wall": {k: statistics.median(v) for k, v in wall.items()},
        "cpu": {k: statistics.median(v) for k, v in cpu.items()},
        # per request: how many times each part ran and its median ms
        "parts": {k: (len(v) / rounds, statistics.median(v) * 1000) for k, v in parts.items()},
    }


def report(engine_name: str, n: int, r: dict, speed: float) -> str:
    wall, cpu = r["wall"], r["cpu"]
    lines = [
        f"{engine_name}, {n:,} interventions (the machine's pure-Python reference {speed:.0f} ms, "
        "bench/run.py python_speed_ms)",
        "",
        "| | wall ms | CPU ms |",
        "|---|---:|---:|",
        f"| the request | {wall['request']:.2f} | {cpu['request']:.2f} |",
        f"| the bare SQL | {wall['bare']:.2f} | {cpu['bare']:.2f} |",
        f"| ratio | {wall['request'] / wall['bare']:.2f}× | |",
        "",
        "| part of the request | per request | median ms |",
        "|---|---:|---:|",
    ]
    accounted = 0.0
    for label, (times, ms) in sorted(r["parts"].items(), key=lambda item: -item[1][1] * item[1][0]):
        lines.append(f"| {label} | {times:g} | {ms:.2f} |")
        accounted += times * ms
    lines.append(f"| the rest (Python) | | {wall['request'] - accounted:.2f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--interventions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)  # the access log of every request
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine_name in engines:
        with fresh_database(engine_name, args.postgres, "parts") as url:
            token = prepare_database(url, Sizes(args.interventions, 10 * args.interventions, 0, 0, 0, 0, 0))
            speed = python_speed_ms()
            print(report(engine_name, args.interventions, measure(url, token, args.rounds), speed), end="\n\n")
            from app.db import get_engine

            get_engine().dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
