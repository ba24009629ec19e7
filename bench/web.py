"""Web pages against the JSON they show: the overview (/) against the JSON rollups it is made of, and the
interventions list page (/indsatser) against the JSON list, all computed on every call (the JSON asked with
Cache-Control: no-cache; the pages never use the read cache), on the benchmark data.

    .venv/bin/python bench/web.py [--interventions 10000] [--lines 100000] [--runs 15] [--engine sqlite|postgresql|both]

Prints the medians in milliseconds and the ratios page / JSON (the issue asks for less than 2)."""

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rollups import generate, median_ms, migrated_engine, on_each_database

# The JSON answers the overview shows, with the same filters: the budget per year, per effect goal and per theme,
# the coverage per theme and per indicator, and the pools.
OVERVIEW_JSON = [
    ("/api/v1/rollups/budget", {"by": "year"}),
    ("/api/v1/rollups/budget", {"by": "effect_goal"}),
    ("/api/v1/rollups/budget", {"by": "theme"}),
    ("/api/v1/rollups/coverage", {"by": "theme"}),
    ("/api/v1/rollups/coverage", {"by": "indicator"}),
    ("/api/v1/pools", {"limit": 500}),
]
FILTERS = {"year_from": 2020, "year_to": 2024, "department": "BKF"}


def bench(url: str, args) -> list[tuple[str, str, float, float]]:
    from fastapi.testclient import TestClient

    from app.db import open_session

    engine = migrated_engine(url)
    generate(engine, args.interventions, args.lines)

    from app.main import create_app
    from app.models.auth import Role, TokenCreate
    from app.services.auth import create_token

    with open_session(engine) as session:
        token = create_token(session, TokenCreate(name="bench-web", role=Role.admin)).token
    app = create_app()
    api = TestClient(app, headers={"Authorization": f"Bearer {token}", "Cache-Control": "no-cache"})
    # The pages too are computed on every call: Cache-Control: no-cache (a hard reload) bypasses the read cache.
    web = TestClient(app, follow_redirects=False, headers={"Cache-Control": "no-cache"})
    cached_web = TestClient(app, follow_redirects=False)
    form = web.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert web.post("/login", data={"token": token, "csrf_token": csrf}).status_code == 303
    cached_web.cookies = web.cookies

    def get(client, path, params):
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response

    def overview_json(filters):
        def call():
            for path, params in OVERVIEW_JSON:
                extra = {k: v for k, v in filters.items() if not path.endswith("/pools")}
                get(api, path, {**params, **extra})

        return call

    results = []
    for label, filters in (("overview", {}), ("overview, filtered", FILTERS)):
        page = median_ms(lambda filters=filters: get(web, "/", filters), args.runs)
        json = median_ms(overview_json(filters), args.runs)
        results.append((engine.dialect.name, label, page, json))
        cached = median_ms(lambda filters=filters: get(cached_web, "/", filters), args.runs)
        results.append((engine.dialect.name, f"{label} (read cache)", cached, json))
    for label, params in (("list, first page", {}), ("list, searched", {"q": "værebro", "department": "SSF"})):
        page = median_ms(lambda params=params: get(web, "/indsatser", params), args.runs)
        json = median_ms(
            lambda params=params: get(api, "/api/v1/interventions", {"sort": "name", "limit": 50, **params}), args.runs
        )
        results.append((engine.dialect.name, label, page, json))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interventions", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()

    import logging

    logging.disable(logging.INFO)
    results = on_each_database(args, lambda url: bench(url, args), "sbr_bench_web")
    print(f"\n{args.interventions} interventions, {args.lines} budget lines, median of {args.runs} runs (ms)")
    print("JSON: the answers the page shows, computed (Cache-Control: no-cache); for the overview all six in turn")
    print("pages: computed too (Cache-Control: no-cache), and the overview once more from the read cache\n")
    print("| database   | page                             |    page |    JSON | page / JSON |")
    print("|------------|----------------------------------|--------:|--------:|------------:|")
    for engine_name, label, page, json in results:
        print(f"| {engine_name:<10} | {label:<32} | {page:7.1f} | {json:7.1f} | {page / json:11.2f} |")


if __name__ == "__main__":
    main()
