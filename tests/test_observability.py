"""Operators can watch the service: JSON log lines with the request id, Prometheus metrics, a real health check."""

import json
import logging

from app.core.observability import JsonFormatter
from tests.factories import API, create_intervention


def test_metrics_count_requests_by_route_template_and_status(client):
    created = create_intervention(client)
    client.get(f"{API}/interventions/{created['id']}")
    client.get(f"{API}/interventions/999999")
    text = client.get("/metrics").text  # a token is needed (tests/test_hardening_contract.py)
    assert (
        'registry_http_requests_total{method="GET",route="/api/v1/interventions/{intervention_id}",status="200"}'
        in text
    )
    assert 'route="/api/v1/interventions/{intervention_id}",status="404"' in text
    assert "registry_http_request_duration_seconds_bucket" in text
    assert f"/api/v1/interventions/{created['id']}" not in text  # templates, not raw paths


def test_log_lines_are_json_with_the_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="app.access"):
        client.get(f"{API}/framework", headers={"X-Request-ID": "trace-7"})
    records = [r for r in caplog.records if r.name == "app.access"]
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["request_id"] == "trace-7" and line["status"] == 200
    assert line["route"] == "/api/v1/framework" and line["level"] == "info" and line["duration_ms"] >= 0


def test_health_checks_the_database(anonymous, monkeypatch):
    assert anonymous.get("/health").json()["status"] == "ok"
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    def broken(self, *args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(Session, "exec", broken)
    response = anonymous.get("/health")
    assert response.status_code == 503 and response.headers["content-type"].startswith("application/problem+json")
