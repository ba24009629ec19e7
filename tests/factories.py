"""Plain factory functions: valid payloads with keyword overrides, and helpers that create through the API."""

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"


def budget_line(**overrides: Any) -> dict[str, Any]:
    return {"year": 2020, "category": "Løn", "funding_source": "SOB-PULJE", "amount": "1000.00", **overrides}


def intervention_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "name": "Fællesskabende aktiviteter i Mørkhøj",
        "kind": "project",
        "status": "active",
        "track": "social",
        "department": "BKF",
        "areas": ["moerkhoej"],
        "themes": ["T4"],
        "indicators": [8],
        "target_group": "Børn, unge og familier i Mørkhøj",
        "description": "Aktiviteter på biblioteket, der skaber fællesskaber på tværs.",
        "start_date": "2019-01-01",
        "end_date": "2022-12-31",
        "budget_lines": [budget_line()],
        "success_criteria": [{"description": "Flere deltager i lokalsamfundet", "indicator": 8}],
    }
    payload.update(overrides)
    return payload


def create_intervention(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post(f"{API}/interventions", json=intervention_payload(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def assert_problem(response, status: int, *, field: list | None = None) -> dict[str, Any]:
    """The answer is problem+json with this status; with `field`, some error's loc ends with it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["title"] and body["detail"]
    if field is not None:
        locs = [e["loc"] for e in body.get("errors") or []]
        assert any(loc[-len(field) :] == field for loc in locs), f"no error at {field}: {locs}"
    return body


def _morkhoj_lines() -> list[tuple[str, dict]]:
    """(external_id, line) of every budget line of the demo's Mørkhøj programme and its parts."""
    import json
    from importlib import resources

    [programme] = json.loads(resources.files("app.demo").joinpath("morkhoj_programme.json").read_text(encoding="utf-8"))
    found = []
    for item in [programme, *programme.get("children", [])]:
        found += [(item["external_id"], line) for line in item.get("budget_lines", [])]
    return found


# Test data, not demo data (the demo has no revision and no spending: its sources give none): a revision and
# spending that tests add to the Mørkhøj programme to see the plan and the spending beside the original budget.
MORKHOJ_TEST_LINES = [
    {"year": 2020, "category": "Aktivitetsudgifter", "type": "revised", "amount": "12000.00"},
    {"year": 2021, "category": "Aktivitetsudgifter", "type": "revised", "amount": "48000.00"},
    {"year": 2019, "category": "Løn", "type": "actual", "amount": "138912.50"},
    {"year": 2020, "category": "Løn", "type": "actual", "amount": "569870.00"},
    {"year": 2020, "category": "Forløb", "type": "actual", "amount": "287500.00"},
    {"year": 2021, "category": "Løn", "type": "actual", "amount": "581240.00"},
    {"year": 2022, "category": "Løn", "type": "actual", "amount": "428600.00"},
]


def add_morkhoj_test_lines(client: TestClient, programme_id: int) -> None:
    for line in MORKHOJ_TEST_LINES:
        response = client.post(
            f"{API}/interventions/{programme_id}/budget-lines", json={**line, "funding_source": "SOB-PULJE"}
        )
        assert response.status_code == 201, response.text


def morkhoj_figures(*, with_test_lines: bool = False) -> dict[str, dict[int, Decimal]]:
    """The Mørkhøj programme's money per year with its parts, computed from the demo file (not from the service):
    `budget` the original lines, `plan` revised lines plus unrevised original lines, `actual` the spending; with
    `with_test_lines`, MORKHOJ_TEST_LINES added to the programme as add_morkhoj_test_lines does."""
    lines = _morkhoj_lines()
    if with_test_lines:
        lines += [("BKF-2019-MORKHOJ", {**b, "funding_source": "SOB-PULJE"}) for b in MORKHOJ_TEST_LINES]
    revised = {(o, b["year"], b["category"], b["funding_source"]) for o, b in lines if b.get("type") == "revised"}
    figures: dict[str, dict[int, Decimal]] = {"budget": {}, "plan": {}, "actual": {}}
    for owner, b in lines:
        kind = b.get("type", "budget")
        amount = Decimal(b["amount"])
        measures = {"budget": ["budget"], "revised": ["plan"], "actual": ["actual"]}[kind]
        if kind == "budget" and (owner, b["year"], b["category"], b["funding_source"]) not in revised:
            measures = ["budget", "plan"]
        for measure in measures:
            figures[measure][b["year"]] = figures[measure].get(b["year"], Decimal(0)) + amount
    return {m: dict(sorted(v.items())) for m, v in figures.items()}


def kr(amount) -> str:
    return f"{amount:.2f}"
