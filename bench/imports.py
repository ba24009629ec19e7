"""Bulk import speed: 10,000 interventions with 100,000 budget lines in one request, through the import
endpoint, on SQLite and (when reachable) PostgreSQL, beside a raw set-based insert of the same rows.

    .venv/bin/python bench/imports.py [--interventions 10000] [--lines-each 10] [--engine sqlite|postgresql|both]

Prints one table: seconds for the first import (all created), for the same import again (all unchanged),
for the raw insert, and the peak memory of the process.
"""

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def records(count: int, lines_each: int, seed: int = 2030) -> list[dict]:
    rng = random.Random(seed)
    themes = [f"T{n}" for n in range(1, 10)]
    out = []
    for i in range(count):
        out.append(
            {
                "external_id": f"BENCH-{i:05d}",
                "name": f"Prøvehandling nr. {i} i Værebro Park",
                "kind": rng.choice(["project", "trial_action", "core_operation"]),
                "status": rng.choice(["planned", "active", "completed"]),
                "track": "social",
                "department": rng.choice(["BKF", "SSF", "BMF", "SOB"]),
                "areas": sorted(rng.sample(["hoeje-gladsaxe", "vaerebro-park", "moerkhoej"], rng.randint(0, 2))),
                "themes": sorted(rng.sample(themes, rng.randint(1, 3))),
                "indicators": sorted(rng.sample(range(1, 20), rng.randint(0, 2))),
                "description": "Aktiviteter for børn og unge, der skaber fællesskab på tværs af bydelen.",
                "budget_lines": [
                    {
                        "year": 2019 + k % 10,
                        "category": f"Kategori {k // 10}",
                        "funding_source": rng.choice(["SOB-BUDGET", "SOB-PULJE", "LBF"]),
                        "amount": f"{rng.randint(0, 50_000_000) / 100:.2f}",
                    }
                    for k in range(lines_each)
                ],
            }
        )
    return out


def raw_line_rows(ids: list[int], data: list[dict]) -> list[dict]:
    """The budget_line rows of the records as the service stores them: original lines, all in the plan, with
    the first line of each year and of each record flagged (see BudgetLine)."""
    rows = []
    for iid, record in zip(ids, data, strict=True):
        years: set[int] = set()
        for b in record["budget_lines"]:
            rows.append(
                {
                    "intervention_id": iid,
                    "year": b["year"],
                    "category": b["category"],
                    "funding_source_code": b["funding_source"],
                    "type": "budget",
                    "in_plan": True,
                    "first_in_year": b["year"] not in years,
                    "first_in_plan": not years,
                    "amount_ore": round(float(b["amount"]) * 100),
                }
            )
            years.add(b["year"])
    return rows


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(url: str, body: bytes, data: list[dict]) -> dict:
    os.environ["DATABASE_URL"] = url
    # One request whatever the size: above 10,000 interventions the body outgrows the default MAX_IMPORT_BYTES.
    os.environ["MAX_IMPORT_BYTES"] = str(max(64 * 1024 * 1024, len(body)))
    from alembic import command
    from fastapi.testclient import TestClient
    from sqlalchemy import insert, text

    from app.cli import _alembic_config
    from app.config import get_settings
    from app.db import get_engine
    from app.main import create_app
    from app.models import BudgetLine, Intervention, InterventionTheme
    from app.models.types import utcnow

    get_settings.cache_clear()
    get_engine.cache_clear()
    config = _alembic_config(url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    from app.db import open_session
    from app.models.auth import Role, TokenCreate
    from app.services.auth import create_token

    with open_session(get_engine()) as session:
        token = create_token(session, TokenCreate(name="bench-imports", role=Role.admin)).token
    client = TestClient(create_app())
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}

    start = time.perf_counter()
    first = client.post("/api/v1/imports/interventions", content=body, headers=headers)
    created_s = time.perf_counter() - start
    assert first.status_code == 200, first.text[:2000]
    assert first.json()["created"] == len(data)

    start = time.perf_counter()
    again = client.post("/api/v1/imports/interventions", content=body, headers=headers)
    unchanged_s = time.perf_counter() - start
    assert again.json()["unchanged"] == len(data), {k: v for k, v in again.json().items() if k != "items"}

    engine = get_engine()
    with engine.begin() as conn:
        lines = conn.execute(text("SELECT COUNT(*), SUM(amount_ore) FROM budget_line")).one()
    expected = sum(round(float(b["amount"]) * 100) for r in data for b in r["budget_lines"])
    assert lines[0] == sum(len(r["budget_lines"]) for r in data) and lines[1] == expected

    # The raw set-based insert of the same rows, into emptied tables.
    with engine.begin() as conn:
        for table in (
            "budget_line",
            "intervention_theme",
            "intervention_area",
            "intervention_indicator",
            "intervention",
        ):
            conn.execute(text(f"DELETE FROM {table}"))
    now = utcnow()
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
        conn.execute(
            insert(InterventionTheme),
            [
                {"intervention_id": iid, "theme_code": t, "rank": k, "siblings": len(r["themes"])}
                for iid, r in zip(ids, data, strict=True)
                for k, t in enumerate(r["themes"])
            ],
        )
        conn.execute(insert(BudgetLine), raw_line_rows(ids, data))
    raw_s = time.perf_counter() - start
    engine.dispose()
    return {"engine": engine.dialect.name, "created": created_s, "unchanged": unchanged_s, "raw": raw_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interventions", type=int, default=10_000)
    parser.add_argument("--lines-each", type=int, default=10)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    data = records(args.interventions, args.lines_each)
    body = json.dumps(data, ensure_ascii=False).encode()
    before = peak_mb()
    results = []
    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench(f"sqlite:///{tmp}/bench.db", body, data))
    if args.engine in ("postgresql", "both"):
        from sqlalchemy import create_engine

        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        database = f"sbr_bench_import_{os.getpid()}"
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {database}")
        except Exception as exc:
            print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        else:
            try:
                results.append(
                    bench(admin.url.set(database=database).render_as_string(hide_password=False), body, data)
                )
            finally:
                from app.db import get_engine

                get_engine().dispose()
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    lines = args.interventions * args.lines_each
    print(
        f"\n{args.interventions} interventions, {lines} budget lines, one request of {len(body) / 1e6:.1f} MB; "
        f"peak memory {peak_mb():.0f} MB (before the imports: {before:.0f} MB)\n"
    )
    print("| database   | import (created) | again (unchanged) | raw insert | ratio |")
    print("|------------|-----------------:|------------------:|-----------:|------:|")
    for r in results:
        print(
            f"| {r['engine']:<10} | {r['created']:14.1f} s | {r['unchanged']:15.1f} s | {r['raw']:8.1f} s | "
            f"{r['created'] / r['raw']:5.1f} |"
        )


if __name__ == "__main__":
    main()
