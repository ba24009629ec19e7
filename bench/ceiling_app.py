"""The framework's ceiling for the W1 read in bench/run.py: a bare FastAPI app that answers
GET /api/v1/interventions?limit=50 with the same 50 items through the same serializer (response model
InterventionPage), but without the service's dependencies (no token check, no session, no query, no
middleware).

The page is built once at startup by the service's own list function (app.services.interventions
.list_interventions) on the database named by DATABASE_URL, and then returned from memory. FastAPI still
validates and serializes it on every request exactly as for the real endpoint (the return annotation is the
response model). The endpoint is `async def`: no thread pool hop, the fastest FastAPI serves these bytes.

    DATABASE_URL=... uvicorn bench.ceiling_app:app --workers N
"""

import os
from typing import Annotated

from fastapi import FastAPI, Query

from app.db import make_engine, open_session
from app.models.filters import InterventionFilters
from app.models.intervention import InterventionPage
from app.services.interventions import list_interventions


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
