"""The committed OpenAPI document is what the app serves, and every operation is documented."""

import json

from app.openapi import SPEC_PATH, render


def test_committed_spec_matches_the_app(client):
    served = client.get("/openapi.json").json()
    committed = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert committed == served, "openapi/openapi.json is stale: run `python -m app.openapi`"
    assert SPEC_PATH.read_text(encoding="utf-8") == render()


def test_every_operation_has_summary_models_and_problem_responses(client):
    spec = client.get("/openapi.json").json()
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    assert len(operations) >= 18
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids))
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        success = [code for code in op["responses"] if code.startswith("2")]
        assert success, where
        content = op["responses"][success[0]].get("content", {})
        if "application/json" in content:
            assert "$ref" in json.dumps(content["application/json"]), f"{where}: untyped response"
        elif success != ["204"]:
            assert content, f"{where}: no documented content"
        if method in {"post", "put", "patch"}:
            assert "requestBody" in op, where
        if path.startswith("/api/v1/interventions"):
            assert "422" in op["responses"], where
            problem = op["responses"]["422"]["content"]["application/problem+json"]["schema"]
            assert problem == {"$ref": "#/components/schemas/Problem"}, where
        if "{intervention_id}" in path:
            assert "404" in op["responses"], where
