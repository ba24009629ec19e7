"""How cost grows with the data: one command for the README's scaling table.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000] [--import-sizes 1000,10000,100000]
                                    [--engine sqlite|postgresql|both] [--repeat 50] [--runs 10]
                                    [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each database and each size N it makes a fresh database loaded by the set-based generator of
bench/rollups.py (N interventions, 10 budget lines each, seed 2030) and measures, in a process of its own (so
that no setting, cache or patch of one part leaks into the next):

  W3 rollup  GET /api/v1/rollups/budget?by=theme&by=year with Cache-Control: no-cache (computed), sent to a
             served worker (uvicorn, 1 worker, as bench/run.py) on a kept-alive connection (the standard
             library's http.client, bench/run.py KeptAlive), median of --runs,
             beside the bare SQL aggregate (bench/rollups.py), the two called in turn (medians_ms); W3 is
             measured first, before the writes of W2 add rows;
  W1 page    the CPU of a cold page of 50 (bench/cpu.py: service call and whole request, median of --repeat);
  W2 create  the CPU of a create with 3 lines and 2 themes (bench/cpu.py, the same way).

and, for each size in --import-sizes, on another fresh database, the import of N interventions with 10 lines
each in one request (bench/imports.py: created, then the same again unchanged, then the raw set-based insert).

W1 and W2 should be flat, W3 and the import linear: the last table gives each figure's growth per 10× the data
(10× is linear). Each part prints when it started and the machine's load then (/proc/loadavg): the machine may
be shared, and wall-clock times (W3, import) suffer from other work far more than CPU times (W1, W2).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (
    DEFAULT_POSTGRES,
    ROLLUP_PATH,
    KeptAlive,
    Sizes,
    fresh_database,
    prepare_database,
    python_speed_ms,
    running,
)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def stamp() -> dict:
    return {"started": f"{datetime.now(UTC):%H:%M:%S}", "load": loadavg(), "speed": python_speed_ms()}


# --- one part, in its own process ---------------------------------------------------------------------------


def measure_size(engine_name: str, n: int, args) -> dict:
    """W3, then W1 and W2 CPU, on a fresh database of n interventions with 10 lines each."""
    from bench.cpu import measure
    from bench.rollups import BARE_THEME_YEAR, medians_ms

    out = {"engine": engine_name, "interventions": n, **stamp()}
    with fresh_database(engine_name, args.postgres, f"scale{n}") as url:
        start = time.perf_counter()
        token = prepare_database(url, Sizes(n, 10 * n, 0, 0, 0, 0, 0))
        out["generate_s"] = time.perf_counter() - start

        from sqlalchemy import text

        from app.db import get_engine

        engine = get_engine()
        # Through a served worker and a kept-alive connection (bench/run.py KeptAlive), as bench/run.py measures W3
        # and a client sees it (FastAPI's TestClient adds some 3 ms of its own to every request, httpx about 1.4).
        headers = {"Authorization": f"Bearer {token}", "Cache-Control": "no-cache"}
        with (
            tempfile.TemporaryDirectory(prefix="sbr-scale-") as logdir,
            running("app.main:app", url, 1, Path(logdir)) as server,
        ):
            client = KeptAlive(server.base, headers)

            def endpoint():
                status, body = client.get(ROLLUP_PATH)
                assert status == 200, body[:1000]

            def bare():
                with engine.connect() as conn:
                    conn.execute(text(BARE_THEME_YEAR)).all()

            out["w3_ms"], out["w3_bare_ms"] = medians_ms([endpoint, bare], args.runs)
            client.close()
        engine.dispose()
        out["cpu"] = {**stamp(), **measure(url, args.repeat, token)}
        get_engine().dispose()
    return out


def measure_import(engine_name: str, n: int, args) -> dict:
    from bench.imports import bench, records

    data = records(n, 10)
    body = json.dumps(data, ensure_ascii=False).encode()
    out = {"engine": engine_name, "interventions": n, "mb": len(body) / 1e6, **stamp()}
    with fresh_database(engine_name, args.postgres, f"scaleimp{n}") as url:
        out.update(bench(url, body, data))
        from app.db import get_engine

        get_engine().dispose()
    return out


# --- the whole table ----------------------------------------------------------------------------------------


def run_part(kind: str, engine_name: str, n: int, args) -> dict | None:
    command = [sys.executable, __file__, f"--{kind}", engine_name, str(n), "--repeat", str(args.repeat)]
    command += ["--runs", str(args.runs), "--postgres", args.postgres]
    print(f"[{datetime.now(UTC):%H:%M:%S}, load {loadavg()}] {kind} {engine_name} {n:,}", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        print(f"  failed (exit {done.returncode})", file=sys.stderr, flush=True)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _growth(values: dict[int, float]) -> str:
    sizes = sorted(values)
    steps = [f"{values[b] / values[a]:.1f}×" for a, b in zip(sizes, sizes[1:], strict=False) if values[a]]
    return ", ".join(steps) or "–"


def report(sizes_out: list[dict], imports_out: list[dict]) -> str:
    lines = [
        "| database | interventions (10 lines each) | W1 page CPU ms (request) | W2 create CPU ms (request) "
        "| W3 rollup ms | W3 bare SQL ms | W3 ratio | import s (again; raw insert) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    imports = {(r["engine"], r["interventions"]): r for r in imports_out}
    keys = sorted({(r["engine"], r["interventions"]) for r in sizes_out} | set(imports), key=lambda k: (k[0], k[1]))
    by_key = {(r["engine"], r["interventions"]): r for r in sizes_out}
    for key in keys:
        r, i = by_key.get(key), imports.get(key)
        cells = ["–"] * 5
        if r:
            c = r["cpu"]
            cells = [
                f"{c['w1_service']:.1f} ({c['w1_request']:.1f})",
                f"{c['w2_service']:.1f} ({c['w2_request']:.1f})",
                f"{r['w3_ms']:.1f}",
                f"{r['w3_bare_ms']:.1f}",
                f"{r['w3_ms'] / r['w3_bare_ms']:.2f}×",
            ]
        imp = f"{i['created']:.1f} ({i['unchanged']:.1f}; {i['raw']:.1f})" if i else "–"
        lines.append(f"| {key[0]} | {key[1]:,} | {' | '.join(cells)} | {imp} |")

    lines += ["", "Growth per step in size (10× the data: 1.0× is flat, 10.0× linear):", ""]
    lines += [
        "| database | W1 page CPU | W2 create CPU | W3 rollup | W3 bare SQL | import |",
        "|---|---|---|---|---|---|",
    ]
    for engine_name in sorted({k[0] for k in keys}):
        rs = {r["interventions"]: r for r in sizes_out if r["engine"] == engine_name}
        im = {r["interventions"]: r["created"] for r in imports_out if r["engine"] == engine_name}
        lines.append(
            f"| {engine_name} | {_growth({n: r['cpu']['w1_service'] for n, r in rs.items()})} "
            f"| {_growth({n: r['cpu']['w2_service'] for n, r in rs.items()})} "
            f"| {_growth({n: r['w3_ms'] for n, r in rs.items()})} "
            f"| {_growth({n: r['w3_bare_ms'] for n, r in rs.items()})} | {_growth(im)} |"
        )

    lines += [
        "",
        "When each part started (UTC), the load then (/proc/loadavg, 1, 5 and 15 minutes) and the machine's speed "
        "(the CPU ms of bench/run.py python_speed_ms, a fixed piece of pure Python; higher is slower):",
        "",
    ]
    for r in sizes_out:
        lines.append(
            f"- {r['engine']} {r['interventions']:,}: generated at {r['started']} (load {r['load']}; "
            f"{r['speed']:.0f} ms) in {r['generate_s']:.0f} s; W1/W2 CPU at {r['cpu']['started']} "
            f"(load {r['cpu']['load']}; {r['cpu']['speed']:.0f} ms)"
        )
    for i in imports_out:
        lines.append(
            f"- {i['engine']} import of {i['interventions']:,} ({i['mb']:.0f} MB) at {i['started']} "
            f"(load {i['load']}; {i['speed']:.0f} ms)"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="interventions, comma-separated")
    parser.add_argument(
        "--import-sizes", default=None, help="interventions per import, comma-separated (default: --sizes; '' none)"
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=50, help="W1/W2 CPU: median of (default 50)")
    parser.add_argument("--runs", type=int, default=10, help="W3: median of (default 10)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--size", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--import", dest="import_", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    import logging

    logging.disable(logging.INFO)
    if args.size or args.import_:
        engine_name, n = args.size or args.import_
        result = (measure_size if args.size else measure_import)(engine_name, int(n), args)
        print(json.dumps(result))
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    import_sizes_text = args.sizes if args.import_sizes is None else args.import_sizes  # "" for none
    import_sizes = [int(s) for s in import_sizes_text.split(",") if s.strip()]
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    started = datetime.now(UTC)
    sizes_out, imports_out = [], []
    for engine_name in engines:
        for n in sizes:
            if (r := run_part("size", engine_name, n, args)) is not None:
                sizes_out.append(r)
        for n in import_sizes:
            if (r := run_part("import", engine_name, n, args)) is not None:
                imports_out.append(r)
    print(
        f"\n{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs; `bench/scale.py --sizes {args.sizes} "
        f"--import-sizes '{import_sizes_text}' --engine {args.engine} --repeat {args.repeat} "
        f"--runs {args.runs}`\n"
    )
    print(
        "W1/W2: service CPU ms (whole request in brackets), this process only (bench/cpu.py); W3: wall ms, "
        "computed (no-cache), beside the bare SQL; import: seconds for the first import of N interventions with "
        "10 lines each in one request, the same again (unchanged) and the raw set-based insert\n"
    )
    print(report(sizes_out, imports_out))
    return (
        0 if len(sizes_out) == len(engines) * len(sizes) and len(imports_out) == len(engines) * len(import_sizes) else 1
    )


if __name__ == "__main__":
    sys.exit(main())
