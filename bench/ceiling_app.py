"""The ceilings of bench/run.py.

1. The framework's ceiling for the W1 read: a bare FastAPI app that answers
GET /api/v1/interventions?limit=50 with the same 50 items through the same serializer (response model
InterventionPage), but without the service's dependencies (no token check, no session, no query, no
middleware).

The page is built once at startup by the service's own list function (app.services.interventions
.list_interventions) on the database named by DATABASE_URL, and then returned from memory. FastAPI still
validates and serializes it on every request exactly as for the real endpoint (the return annotation is the
response model). The endpoint is `async def`: no thread pool hop, the fastest FastAPI serves these bytes.

2. The same-database ceilings of the cold paths (bench/bare.py), on the database named by DATABASE_URL:
   GET /bare/interventions?limit=50 runs the service's SQL for the first page on one Core connection and answers
   the same JSON, built as plain dicts; POST /bare/interventions inserts the rows a create writes (the
   intervention, its links, its lines, the audit record, the new data version) with Core in one transaction
   (BEGIN IMMEDIATE on SQLite, as the service's writes). Both run in the thread pool, as the service's
   endpoints do; no token check, no validation beyond json.loads, no middleware.

    DATABASE_URL=... uvicorn bench.ceiling_app:app --workers N
"""

import json
import os
from typing import Annotated

from fastapi import FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.db import WRITE, make_engine, open_session
from app.models.filters import InterventionFilters
from app.models.intervention import InterventionPage
from app.services.interventions import list_interventions
from bench.bare import bare_create, bare_page


def _load_page(limit: int) -> InterventionPage:
    engine = make_engine(os.environ["DATABASE_URL"])
    try:
        with open_session(engine) as session:
            return list_interventions(session, InterventionFilters(), limit=limit)
    finally:
        engine.dispose()


PAGE = _load_page(int(os.environ.get("CEILING_LIMIT", "50")))

app = FastAPI(title="bench ceiling")


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.get("/api/v1/interventions")
async def list_interventions_from_memory(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> InterventionPage:
    return PAGE


_ENGINE = make_engine(os.environ["DATABASE_URL"])


@app.get("/bare/interventions")
def bare_list(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Response:
    with _ENGINE.connect() as conn:
        body = bare_page(conn, limit)
        conn.rollback()
    return Response(body, media_type="application/json")


@app.post("/bare/interventions", status_code=201)
async def bare_post(request: Request) -> Response:
    body = json.loads(await request.body())

    def write() -> int:
        with _ENGINE.connect().execution_options(**WRITE) as conn, conn.begin():
            return bare_create(conn, body)

    new_id = await run_in_threadpool(write)
    return Response(json.dumps({"id": new_id}), status_code=201, media_type="application/json")
