"""A worker's first requests after it starts: what a deploy or a restart costs the first users.

    .venv/bin/python bench/first.py [--engine sqlite|postgresql|both] [--starts 5] [--interventions 1000]
                                    [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

On a fresh database (bench/rollups.py's data, 10 budget lines per intervention, an admin token) it starts the
service (uvicorn, one worker, as bench/run.py) --starts times. After each start, once /health has answered, it
sends each request of REQUESTS once, in that order, on one kept-alive connection (bench/run.py KeptAlive), and
then the whole list again: the first time a worker is asked for each, and the second. It prints, per request,
the median over the starts of the first and the second answer's time (wall ms, the client's), and the time from
starting the process to its first answer of /health. The read cache is off (READ_CACHE_MB=0), so that the second
answer is computed as the first was: what differs is only what the worker builds or loads on first use.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DEFAULT_POSTGRES, Sizes, fresh_database, prepare_database, python_speed_ms, running, write_body

# (label, method, path): one of each kind of thing a user opens first, API and web pages.
REQUESTS = [
    ("list of 50", "GET", "/api/v1/interventions?limit=50"),
    ("one intervention", "GET", "/api/v1/interventions/1"),
    ("rollup theme × year", "GET", "/api/v1/rollups/budget?by=theme&by=year"),
    ("pools", "GET", "/api/v1/pools"),
    ("audit log", "GET", "/api/v1/audit?limit=50"),
    ("create", "POST", "/api/v1/interventions"),
    ("web: sign-in page", "GET", "/login"),
    ("unknown path (404)", "GET", "/api/v1/no-such-thing"),
]


def _send(connection: http.client.HTTPConnection, token: str, method: str, path: str, n: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    body = None
    if method == "POST":
        body = json.dumps(write_body(1, n), ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    spent = (time.perf_counter() - start) * 1000
    if response.status >= 500:
        raise RuntimeError(f"{method} {path}: {response.status}")
    return spent


def measure(url: str, token: str, starts: int) -> dict:
    first: dict[str, list[float]] = {label: [] for label, _m, _p in REQUESTS}
    second: dict[str, list[float]] = {label: [] for label, _m, _p in REQUESTS}
    up_ms: list[float] = []
    n = 0
    for _ in range(starts):
        with tempfile.TemporaryDirectory(prefix="sbr-first-") as logdir:
            begun = time.perf_counter()
            with running("app.main:app", url, 1, Path(logdir), {"READ_CACHE_MB": "0"}) as server:
                up_ms.append((time.perf_counter() - begun) * 1000)
                address = urllib.parse.urlsplit(server.base)
                connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
                for times in (first, second):
                    for label, method, path in REQUESTS:
                        n += 1
                        times[label].append(_send(connection, token, method, path, n))
                connection.close()
    return {
        "up_ms": statistics.median(up_ms),
        "rows": [(label, statistics.median(first[label]), statistics.median(second[label])) for label in first],
    }


def report(engine_name: str, result: dict, starts: int, load: str, speed: float) -> str:
    lines = [
        f"{engine_name}: median of {starts} starts (load {load} when it began; the machine's pure-Python reference "
        f"{speed:.0f} ms, bench/run.py python_speed_ms); started and answering /health after "
        f"{result['up_ms']:.0f} ms",
        "",
        "| request | first answer ms | second answer ms | first − second |",
        "|---|---:|---:|---:|",
    ]
    total = 0.0
    for label, one, two in result["rows"]:
        total += one - two
        lines.append(f"| {label} | {one:.1f} | {two:.1f} | {one - two:.1f} |")
    lines.append(f"| all of them | | | {total:.1f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--interventions", type=int, default=1000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    out = []
    for engine_name in engines:
        load, speed = " ".join(f"{x:.2f}" for x in os.getloadavg()), python_speed_ms()
        with fresh_database(engine_name, args.postgres, "first") as url:
            print(f"[{engine_name}] load {args.interventions} interventions", file=sys.stderr, flush=True)
            token = prepare_database(url, Sizes(args.interventions, args.interventions * 10, 0, 0, 0, 0, 0))
            from app.db import get_engine

            get_engine().dispose()
            out.append(report(engine_name, measure(url, token, args.starts), args.starts, load, speed))
    print("\nA worker's first requests after a start, against the same requests right after (wall ms)\n")
    print("\n\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
