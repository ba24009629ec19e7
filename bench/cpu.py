"""CPU per operation of the cold paths, measured in-process: meaningful on a loaded machine, where the
throughput figures of bench/run.py are not.

    .venv/bin/python bench/cpu.py [--engine sqlite|postgresql|both] [--interventions 10000] [--repeat 200]
                                  [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

On a fresh database (migrated, loaded with the data of bench/rollups.py, 10 budget lines per intervention) it
measures, with time.process_time() (this process's CPU only: the database server's share is not in it), the
median over --repeat runs of:

  W1 page   the service's list of 50 as the endpoint writes it (app.services.interventions
            .list_interventions_json, sort id, no filter), in a session of its own: the read cache's miss
            path; beside it bench/bare.py bare_page,
            the same SQL on one Core connection, plain dicts, one json.dumps (answers the same JSON).
  W2 create the service's create (app.services.interventions.create_intervention) of bench/run.py's W2 body
            (2 themes, 3 budget lines) and its JSON; beside it bench/bare.py bare_create, the same rows
            inserted with Core in one transaction.

and the whole request of each (GET /api/v1/interventions?limit=50 with the read cache off, and the POST of
W2, with a token) through the app's ASGI stack, driven in this one thread (the thread-pool hops run inline):
the CPU a request costs with no other request contending for the GIL, to compare with the server's CPU per
request under load that bench/run.py prints; beside it the same-database ceiling's request (GET and POST
/bare/interventions of bench/ceiling_app.py, driven the same way), whose ratio is what bench/run.py's W1 cold
and W2 ratios come to when the worker's CPU is the limit; and the number of SQL statements each runs (a
before_cursor_execute listener), for pages of 10, 50 and 200 and for creates of 1, 3 and 30 lines: a fixed
number whatever the size is the goal.
"""

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bare import bare_create, bare_page
from bench.run import DEFAULT_POSTGRES, Sizes, fresh_database, prepare_database, python_speed_ms, write_body


class Statements:
    """Counts the statements an engine sends while `counting`."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args, **_kw):
        self.n += 1

    @contextlib.contextmanager
    def counting(self):
        start = self.n
        box = [0]
        yield box
        box[0] = self.n - start


def cpu_ms(*fns, repeat: int) -> list[float]:
    """The median CPU ms of each of `fns`, timed in turn (one call of each per round, after a warm-up of each):
    a machine whose speed drifts while they run weighs on all of them alike."""
    for fn in fns:
        fn()  # warm-up (statement caches, imports)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            start = time.process_time()
            fn()
            spent.append((time.process_time() - start) * 1000)
    return [statistics.median(spent) for spent in times]


def _body(n: int, lines: int = 3) -> dict:
    body = write_body(1, n)
    if lines != 3:
        body["budget_lines"] = [
            {"year": 2019 + k % 10, "category": f"Kategori {k}", "funding_source": "LBF", "amount": "1000.00"}
            for k in range(lines)
        ]
    return body


class InlineApp:
    """The app (READ_CACHE_MB=0) called as ASGI in this thread, its thread-pool hops run inline, its routes built
    and the collector set as in a worker; with `app`, that app instead (bench/ceiling_app.py, the same-database
    ceilings as served)."""

    def __init__(self, token: str, app=None):
        import anyio.to_thread

        async def inline(fn, *args, **_kwargs):
            return fn(*args)

        os.environ["READ_CACHE_MB"] = "0"
        from app.config import get_settings

        get_settings.cache_clear()
        from app.core import read_cache

        read_cache.reset()  # sized anew from READ_CACHE_MB=0, whatever ran before in this process
        anyio.to_thread.run_sync = inline
        from app.main import create_app, settle_worker

        self.app = app or create_app()
        # As a served worker's start-up does (the app's lifespan, which this does not run), so that the request
        # costs here what it costs there.
        settle_worker(self.app)
        self.headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]

    def __call__(self, method: str, path: str, query: str = "", body: bytes = b"") -> int:
        import asyncio

        headers = self.headers + ([(b"content-type", b"application/json")] if body else [])
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent = []

        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        return sent[0]["status"]


def page_request(target: InlineApp, path: str):
    """A call of GET `path`?limit=50 (a cold page of 50) on `target`, which must answer 200."""

    def request() -> None:
        assert target("GET", path, "limit=50") == 200

    return request


def measure(url: str, repeat: int, token: str) -> dict:
    from app.core.context import Principal, RequestContext, set_current
    from app.db import get_engine, open_session
    from app.models.filters import InterventionFilters
    from app.models.intervention import InterventionCreate
    from app.services.interventions import create_intervention, list_interventions_json

    engine = get_engine()
    statements = Statements(engine)
    set_current(RequestContext(principal=Principal(actor="bench", role="admin", id="bench")))
    counter = iter(range(10**9))

    def service_page(limit: int = 50) -> bytes:
        with open_session() as session:
            body = list_interventions_json(session, InterventionFilters(), limit=limit)
            session.rollback()
            return body

    def bare(limit: int = 50) -> bytes:
        with engine.connect() as conn:
            body = bare_page(conn, limit)
            conn.rollback()
            return body

    def service_create(lines: int = 3) -> bytes:
        data = InterventionCreate.model_validate(_body(next(counter), lines))
        with open_session() as session:
            return create_intervention(session, data).model_dump_json().encode()

    def bare_write(lines: int = 3) -> None:
        body = _body(next(counter), lines)
        with engine.begin() as conn:
            bare_create(conn, body)

    import json

    service_items = json.loads(service_page())["items"]
    bare_items = json.loads(bare())["items"]
    if service_items != bare_items:
        raise AssertionError("bench/bare.py bare_page does not answer the service's page")

    app = InlineApp(token)
    from bench.ceiling_app import app as ceiling

    bare_app = InlineApp(token, ceiling)

    def create_request(target: InlineApp, path: str):
        def request() -> None:
            body = json.dumps(_body(next(counter)), ensure_ascii=False).encode()
            assert target("POST", path, body=body) == 201

        return request

    # Each figure beside its ceilings, timed in turn: the request, the ceiling's request, the service, the bare.
    result = {}
    for key, request, service, bare_call in (
        ("w1", page_request, service_page, bare),
        ("w2", create_request, service_create, bare_write),
    ):
        fns = (request(app, "/api/v1/interventions"), request(bare_app, "/bare/interventions"), service, bare_call)
        names = (f"{key}_request", f"{key}_bare_request", f"{key}_service", f"{key}_bare")
        result.update(zip(names, cpu_ms(*fns, repeat=repeat), strict=True))
    for limit in (10, 50, 200):
        for name, fn in (("w1_service", service_page), ("w1_bare", bare)):
            with statements.counting() as n:
                fn(limit)
            result[f"{name}_statements_{limit}"] = n[0]
    for lines in (1, 3, 30):
        for name, fn in (("w2_service", service_create), ("w2_bare", bare_write)):
            with statements.counting() as n:
                fn(lines)
            result[f"{name}_statements_{lines}"] = n[0]
    engine.dispose()
    return result


def page_request_ms(url: str, repeat: int, token: str) -> float:
    """The median CPU ms of the whole cold page request (as measure's w1_request) on an existing database: what
    bench/run.py sets beside the server's CPU per cold page under load, measured in the same minutes."""
    os.environ["DATABASE_URL"] = url
    from app.config import get_settings
    from app.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()
    [spent] = cpu_ms(page_request(InlineApp(token), "/api/v1/interventions"), repeat=repeat)
    get_engine().dispose()
    return spent


def report(engine_name: str, r: dict, load: float, speed: float) -> str:
    rows = [
        f"{engine_name} (1-minute load {load:.2f} when it started; the machine's pure-Python reference "
        f"{speed:.0f} ms, bench/run.py python_speed_ms)",
        "| path | request CPU ms (bare request) | ratio | service CPU ms | bare CPU ms | ratio bare/service | "
        "statements (service; bare) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for key, label, sizes, unit in (
        ("w1", "W1 page of 50, cold", (10, 50, 200), "rows"),
        ("w2", "W2 create, 3 lines, 2 themes", (1, 3, 30), "lines"),
    ):
        service, bare = r[f"{key}_service"], r[f"{key}_bare"]
        counts = ", ".join(
            f"{s} {unit}: {r[f'{key}_service_statements_{s}']}; {r[f'{key}_bare_statements_{s}']}" for s in sizes
        )
        request, bare_request = r[f"{key}_request"], r[f"{key}_bare_request"]
        rows.append(
            f"| {label} | {request:.2f} ({bare_request:.2f}) | {bare_request / request:.2f}× | {service:.2f} | "
            f"{bare:.2f} | {bare / service:.2f}× | {counts} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--interventions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument(
        "--page-request-on",
        metavar="DATABASE_URL",
        help="only the whole cold page request's median CPU ms, printed alone, on this existing database "
        "(with --token; bench/run.py uses it)",
    )
    parser.add_argument("--token", help="an API token of the --page-request-on database")
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    if args.page_request_on:
        if not args.token:
            parser.error("--page-request-on needs --token")
        print(f"{page_request_ms(args.page_request_on, args.repeat, args.token):.3f}")
        return 0
    sizes = Sizes(args.interventions, args.interventions * 10, 0, 0, 0, 0, 0)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    out = []
    for engine_name in engines:
        load, speed = os.getloadavg()[0], python_speed_ms()
        with fresh_database(engine_name, args.postgres, "cpu") as url:
            print(f"[{engine_name}] load {args.interventions} interventions", file=sys.stderr, flush=True)
            token = prepare_database(url, sizes)
            out.append(report(engine_name, measure(url, args.repeat, token), load, speed))
            from app.db import get_engine

            get_engine().dispose()
    print(
        "\nCPU per operation in this process (time.process_time, median): the whole request through the app in "
        "one thread, the service call and its JSON, the bare ceiling; statements per operation\n"
    )
    print("\n\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
