"""The registry as an outside fuzzer sees it: the schemathesis CLI against the real service over HTTP.

    .venv/bin/python bench/schemathesis_outside.py [--engine sqlite|postgresql|both] [--max-examples 20]
                                                   [--seed 20301231] [--workers 1]
                                                   [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each database it makes a fresh one (a temporary SQLite file, or a new PostgreSQL database dropped
afterwards), starts `registry serve --demo` on a free port (18437 and up) with DATABASE_URL pointing at it,
reads the admin token the command prints, and runs

    schemathesis run http://127.0.0.1:PORT/openapi.json -H "Authorization: Bearer …"
        --exclude-path-regex ^/api/v1/tokens --seed SEED --max-examples N --generation-deterministic

with every default check (no --checks option: schemathesis' own default set, positive_data_acceptance and
negative_data_rejection included), the token endpoints excluded (a fuzzer that revokes its own token fails
every later request with 401). The run's JSON report is read and the failures are counted per failure class; the
three figures the hardening issue asks for are printed first: server errors (not_a_server_error), schema
violations (response_schema_conformance) and "schema-valid request refused" (positive_data_acceptance), then
the operations of each failure. With --verbose schemathesis' own output follows, with every failing request
and its answer.

The demo data is loaded before the run, so the fuzzer finds interventions, budget lines and pools to address;
its writes land in the throw-away database only. schemathesis keeps one failure per operation and failure
class, so a count is the number of operations where that kind of failure was seen.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = 20_301_231
# The figures the hardening issue asks for, by schemathesis' failure class (schemathesis.failure_codes).
HEADLINE = {
    "server errors": {"ServerError", "ContentTypeServerError"},
    "schema violations": {"JsonSchemaError"},
    "schema-valid request refused": {"RejectedPositiveData"},
}


def free_port(start: int = 18_437) -> int:
    for port in range(start, start + 900):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 18437-19336")


@contextlib.contextmanager
def database(engine: str, postgres: str):
    if engine == "sqlite":
        folder = tempfile.mkdtemp(prefix="sbr-st-")
        try:
            yield f"sqlite:///{folder}/registry.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from sqlalchemy import create_engine, text

    name = f"sbr_st_{os.getpid()}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield postgres.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextlib.contextmanager
def demo_server(database_url: str, workers: int):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "warning"}
    command = [str(BIN / "registry"), "serve", "--demo", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True
    )
    try:
        token = None
        for line in server.stdout:  # the demo prints `export TOKEN=…` once it is ready to serve
            if line.strip().startswith("export TOKEN="):
                token = line.strip().removeprefix("export TOKEN=")
                break
        if token is None:
            raise SystemExit(f"`{' '.join(command)}` printed no token (exit {server.wait()})")
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise SystemExit(f"the service on {base} did not become healthy")
        yield base, token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def failures(report: dict) -> list[dict]:
    """The failures of schemathesis' JSON run report (4.x): one entry per failure class, with `count` (distinct
    failures; schemathesis keeps one per operation and class) and the `operations` where it was seen."""
    return report.get("failures") or []


def run(engine: str, args) -> Counter:
    with database(engine, args.postgres) as url, demo_server(url, args.workers) as (base, token):
        report_path = Path(tempfile.mkdtemp(prefix="sbr-st-report-")) / "report.json"
        command = [
            str(BIN / "schemathesis"),
            "run",
            f"{base}/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--exclude-path-regex",
            "^/api/v1/tokens",
            "--seed",
            str(args.seed),
            "--max-examples",
            str(args.max_examples),
            "--generation-deterministic",
            "--workers",
            "1",
            "--no-color",
            "--report",
            "json",
            "--report-json-path",
            str(report_path),
        ]
        started = time.perf_counter()
        # In the report folder: schemathesis keeps a cache of failures (.schemathesis/) in its working directory.
        done = subprocess.run(command, cwd=report_path.parent, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if args.output:
            Path(args.output).with_suffix(f".{engine}.txt").write_text(done.stdout + done.stderr)
        if not report_path.exists():
            print(done.stdout[-5000:], done.stderr[-5000:], sep="\n")
            raise SystemExit(f"schemathesis wrote no report (exit {done.returncode})")
        report = json.loads(report_path.read_text())
        if args.output:
            Path(args.output).with_suffix(f".{engine}.json").write_text(json.dumps(report, indent=1))
        shutil.rmtree(report_path.parent, ignore_errors=True)
    found = failures(report)
    cases = report.get("test_cases", {})
    print(
        f"\n{engine}: schemathesis exit {done.returncode}, {seconds:.0f} s, {cases.get('generated', '?')} cases, "
        f"{report.get('operations', {}).get('tested', '?')} operations, {sum(f['count'] for f in found)} failures"
    )
    for label, types in HEADLINE.items():
        print(f"  {label:<30} {sum(f['count'] for f in found if f['type'] in types):>4}")
    known = set().union(*HEADLINE.values())
    for f in found:
        if f["type"] not in known:
            print(f"  {f['title'] + ' (' + f['code'] + ')':<30} {f['count']:>4}")
    for f in found:
        print(f"  {f['code']} {f['title']}:")
        for operation in f.get("operations", []):
            print(f"    {operation}")
    if args.verbose:
        print(done.stdout)
    return Counter({f["type"]: f["count"] for f in found})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the service")
    parser.add_argument("--output", help="keep schemathesis' output and JSON report as OUTPUT.<engine>.txt/.json")
    parser.add_argument("--verbose", action="store_true", help="list every failure")
    args = parser.parse_args()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    print(
        f"schemathesis outside run: seed {args.seed}, max-examples {args.max_examples}, all default checks, "
        "token endpoints excluded"
    )
    for engine in engines:
        run(engine, args)


if __name__ == "__main__":
    main()
