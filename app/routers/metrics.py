"""Prometheus metrics of the service (collected by app/core/observability.py)."""

import os

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from app.deps import metrics_access
from app.errors import problem_responses

router = APIRouter(tags=["health"], dependencies=[Depends(metrics_access)])


@router.get(
    "/metrics",
    summary="Prometheus metrics: request counts and latency by route and status",
    description="Needs a token even when reads are public: `METRICS_TOKEN` (for the scraper) or any API token.",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}, **problem_responses(401)},
)
def get_metrics() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several uvicorn workers: each writes its figures to that folder, and any worker answers for all.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
