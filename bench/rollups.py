"""Rollup speed: the budget rollup by theme × year and the coverage rollup, through the HTTP endpoint, beside
the bare SQL aggregate on the same data, on SQLite and (when reachable) PostgreSQL.

    .venv/bin/python bench/rollups.py [--interventions 10000] [--lines 10×interventions] [--runs 20]
                                       [--postgres postgresql://postgres@127.0.0.1:5432/test]

Generates deterministic data (seed 2030) into a fresh database per engine, migrated by Alembic, and prints one
table of medians in milliseconds.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BARE_THEME_YEAR = """
SELECT it.theme_code, bl.year, SUM(bl.amount_ore)
FROM budget_line bl
JOIN intervention i ON i.id = bl.intervention_id AND i.archived_at IS NULL
JOIN intervention_theme it ON it.intervention_id = bl.intervention_id
GROUP BY it.theme_code, bl.year
"""
# The same columns as the endpoint answers (amount, gross, interventions) but without the split.
BARE_THEME_YEAR_SAME_COLUMNS = """
SELECT it.theme_code, bl.year, SUM(bl.amount_ore), SUM(bl.amount_ore), COUNT(DISTINCT bl.intervention_id)
FROM budget_line bl
JOIN intervention i ON i.id = bl.intervention_id AND i.archived_at IS NULL
LEFT JOIN intervention_theme it ON it.intervention_id = bl.intervention_id
GROUP BY it.theme_code, bl.year
"""
# Coverage answers two things per theme: the interventions by status and kind, and the money.
BARE_COVERAGE = [
    """
SELECT it.theme_code, i.status, i.kind, COUNT(*)
FROM intervention_theme it JOIN intervention i ON i.id = it.intervention_id AND i.archived_at IS NULL
GROUP BY it.theme_code, i.status, i.kind
""",
    """
SELECT it.theme_code, SUM(bl.amount_ore)
FROM budget_line bl
JOIN intervention i ON i.id = bl.intervention_id AND i.archived_at IS NULL
JOIN intervention_theme it ON it.intervention_id = bl.intervention_id
GROUP BY it.theme_code
""",
]


def generate(engine, interventions: int, lines: int, seed: int = 2030) -> None:
    from sqlalchemy import insert

    from app.models import (
        BudgetLine,
        Intervention,
        InterventionArea,
        InterventionIndicator,
        InterventionTheme,
    )
    from app.services.intervention_links import link_rows

    rng = random.Random(seed)
    now = datetime.now(UTC)
    themes = [f"T{n}" for n in range(1, 10)]
    areas = ["hoeje-gladsaxe", "vaerebro-park", "moerkhoej", "resten-af-gladsaxe"]
    rows, theme_rows, area_rows, indicator_rows = [], [], [], []
    for i in range(1, interventions + 1):
        rows.append(
            {
                "id": i,
                "name": f"Indsats nr. {i} – Værebro",
                "kind": rng.choice(["project", "trial_action", "core_operation"]),
                "status": rng.choice(["planned", "active", "completed"]),
                "track": "social",
                "department_code": rng.choice(["BKF", "SSF", "BMF", "SOB"]),
                "search_text": f"indsats nr. {i}",
                "created_at": now,
                "updated_at": now,
            }
        )
        for target, column, codes in (
            (theme_rows, "theme_code", rng.sample(themes, rng.randint(1, 3))),
            (area_rows, "area_slug", rng.sample(areas, rng.randint(0, 2))),
            (indicator_rows, "indicator_number", rng.sample(range(1, 20), rng.randint(0, 3))),
        ):
            target += link_rows(i, column, codes)  # with the ranks the service stores
    line_rows = []
    per = lines // interventions
    for i in range(1, interventions + 1):
        for k in range(per):
            line_rows.append(
                {
                    "intervention_id": i,
                    "year": 2019 + k % 10,
                    "category": f"Kategori {k // 10}",
                    "funding_source_code": rng.choice(["SOB-BUDGET", "SOB-PULJE", "LBF"]),
                    # original lines, none revised: all in the plan; the first of a year and
                    # the intervention's first line carry the counting flags (see BudgetLine)
                    "type": "budget",
                    "in_plan": True,
                    "first_in_year": k < 10,
                    "first_in_plan": k == 0,
                    "amount_ore": rng.randint(0, 50_000_000),
                }
            )
    with engine.begin() as conn:
        conn.execute(insert(Intervention), rows)
        conn.execute(insert(InterventionTheme), theme_rows)
        conn.execute(insert(InterventionArea), area_rows)
        conn.execute(insert(InterventionIndicator), indicator_rows)
        conn.execute(insert(BudgetLine), line_rows)
        conn.exec_driver_sql("ANALYZE")


def median_ms(fn, runs: int) -> float:
    return medians_ms([fn], runs)[0]


def in_turn(fns: list, runs: int) -> list[list]:
    """What each of `fns` answers, called `runs` times in turn, the order alternating from run to run (AB BA AB),
    so that a machine whose speed changes during the measurement weighs on all of them alike."""
    answers: list[list] = [[] for _ in fns]
    for run in range(runs):
        order = list(enumerate(fns))
        for k, fn in order if run % 2 == 0 else reversed(order):
            answers[k].append(fn())
    return answers


def medians_ms(fns: list, runs: int) -> list[float]:
    """The median time of each of `fns`, called in turn (in_turn): their ratio holds on a shared machine better
    than the times themselves."""
    for fn in fns:
        fn()  # warm up

    def timed(fn):
        def call() -> float:
            start = time.perf_counter()
            fn()
            return (time.perf_counter() - start) * 1000

        return call

    return [statistics.median(t) for t in in_turn([timed(fn) for fn in fns], runs)]


def migrated_engine(url: str):
    """The service's engine on `url`, its schema migrated from nothing (whatever an earlier run left)."""
    os.environ["DATABASE_URL"] = url
    from alembic import command

    from app.cli import _alembic_config
    from app.config import get_settings
    from app.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()
    config = _alembic_config(url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    return get_engine()


def on_each_database(args, run, prefix: str) -> list:
    """`run(url)`'s results on a fresh SQLite file and/or a fresh PostgreSQL database (args.engine), each
    thrown away afterwards; PostgreSQL is skipped with a message when its database cannot be made."""
    results = []
    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results += run(f"sqlite:///{tmp}/bench.db")
    if args.engine in ("postgresql", "both"):
        from sqlalchemy import create_engine

        database = f"{prefix}_{os.getpid()}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {database}")
        except Exception as exc:
            print(f"PostgreSQL skipped: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        else:
            try:
                results += run(admin.url.set(database=database).render_as_string(hide_password=False))
            finally:
                from app.db import get_engine

                get_engine().dispose()
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    return results


def bench(url: str, args) -> list[tuple]:
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    engine = migrated_engine(url)
    generate(engine, args.interventions, args.lines)

    from app.db import open_session
    from app.main import create_app
    from app.models.auth import Role, TokenCreate
    from app.services.auth import create_token

    with open_session(engine) as session:
        token = create_token(session, TokenCreate(name="bench-rollups", role=Role.admin)).token
    # Computed on every call (no-cache), as W3 in bench/run.py: the read cache would answer from memory.
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}", "Cache-Control": "no-cache"})

    def endpoint(path, params):
        def call():
            response = client.get(path, params=params)
            assert response.status_code == 200, response.text

        return call

    def bare(sql):
        statements = sql if isinstance(sql, list) else [sql]

        def call():
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(text(statement)).all()

        return call

    results = []
    for label, path, params, sql, same in (
        (
            "budget by theme × year",
            "/api/v1/rollups/budget",
            {"by": ["theme", "year"]},
            BARE_THEME_YEAR,
            BARE_THEME_YEAR_SAME_COLUMNS,
        ),
        ("coverage by theme", "/api/v1/rollups/coverage", {"by": "theme"}, BARE_COVERAGE, None),
    ):
        api, raw, *rest = medians_ms([endpoint(path, params), bare(sql), *([bare(same)] if same else [])], args.runs)
        raw_same = rest[0] if rest else None
        results.append((engine.dialect.name, label, api, raw, raw_same))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interventions", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=None, help="budget lines in all (default: 10 per intervention)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.lines is None:
        args.lines = 10 * args.interventions

    import logging

    logging.disable(logging.INFO)
    results = on_each_database(args, lambda url: bench(url, args), "sbr_bench")
    print(f"\n{args.interventions} interventions, {args.lines} budget lines, median of {args.runs} runs (ms)\n")
    print("bare SQL: the plain SUM per group (coverage: the counts and the SUM per theme);")
    print("same columns: the plain SQL for the endpoint's columns (SUM, gross, COUNT DISTINCT) without the split\n")
    print("| database   | rollup                 | endpoint | bare SQL | ratio | same columns | ratio |")
    print("|------------|------------------------|---------:|---------:|------:|-------------:|------:|")
    for engine_name, label, api, raw, raw_same in results:
        same = f"{raw_same:12.1f} | {api / raw_same:5.2f}" if raw_same else f"{'–':>12} | {'–':>5}"
        print(f"| {engine_name:<10} | {label:<22} | {api:8.1f} | {raw:8.1f} | {api / raw:5.2f} | {same} |")


if __name__ == "__main__":
    main()
