"""Interventions through the API: create with nested lines and criteria, read, change, archive."""

from decimal import Decimal

from tests.factories import (
    API,
    assert_problem,
    budget_line,
    create_intervention,
    intervention_payload,
)


def test_create_returns_every_field_and_location(client):
    payload = intervention_payload(
        external_id="BKF-2019-MORKHOJ-1",
        purpose="At inspirere borgerne til at tage ansvar for hinanden",
        contact_name="Søren Ærø",
        contact_email="soeren.aeroe@gladsaxe.dk",
        themes=["T6", "T4"],
        budget_lines=[
            budget_line(year=2019, amount=143750),
            budget_line(year=2020, amount="0.10", note="Indsats 1 og 2"),
        ],
        success_criteria=[
            {
                "description": "Færre er ensomme",
                "indicator": 9,
                "baseline": "23.5",
                "target": 15,
                "unit": "pct.",
                "target_date": "2022-12-31",
            }
        ],
    )
    response = client.post(f"{API}/interventions", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/interventions/{body['id']}"
    for field in (
        "external_id",
        "name",
        "description",
        "purpose",
        "kind",
        "status",
        "track",
        "department",
        "areas",
        "indicators",
        "target_group",
        "start_date",
        "end_date",
        "contact_name",
        "contact_email",
    ):
        assert body[field] == payload[field], field
    assert body["themes"] == ["T4", "T6"]  # answered in framework order
    assert body["parent_id"] is None and body["archived_at"] is None
    assert body["created_at"] == body["updated_at"] and body["created_at"].endswith("Z")
    assert [(line["year"], line["amount"], line["note"]) for line in body["budget_lines"]] == [
        (2019, "143750.00", None),
        (2020, "0.10", "Indsats 1 og 2"),
    ]
    assert body["budget_total"] == "143750.10"
    assert body["budget_by_year"] == [{"year": 2019, "amount": "143750.00"}, {"year": 2020, "amount": "0.10"}]
    criterion = body["success_criteria"][0]
    assert criterion["baseline"] == "23.5" and criterion["target"] == "15" and criterion["indicator"] == 9
    assert client.get(f"{API}/interventions/{body['id']}").json() == body


def test_minimal_intervention_gets_defaults(client):
    response = client.post(
        f"{API}/interventions", json={"name": "Hestefold", "kind": "trial_action", "department": "SOB"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "planned" and body["track"] is None
    assert body["areas"] == [] and body["budget_lines"] == [] and body["budget_total"] == "0.00"


def test_text_is_trimmed_and_unicode_normalised(client):
    body = create_intervention(client, name="  A\u030arhus-indsats  ")  # decomposed Å
    assert body["name"] == "Århus-indsats"


def test_patch_changes_only_what_is_sent(client):
    created = create_intervention(client, contact_name="Bente Ølgaard")
    response = client.patch(f"{API}/interventions/{created['id']}", json={"status": "completed", "contact_name": None})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "completed" and body["contact_name"] is None
    assert body["name"] == created["name"] and body["budget_lines"] == created["budget_lines"]
    assert body["updated_at"] > created["updated_at"] and body["created_at"] == created["created_at"]


def test_patch_replaces_lists_and_nested_sets(client):
    created = create_intervention(client)
    response = client.patch(
        f"{API}/interventions/{created['id']}",
        json={"themes": ["T1", "T9"], "areas": [], "budget_lines": [budget_line(year=2021, amount="5.55")]},
    )
    body = response.json()
    assert body["themes"] == ["T1", "T9"] and body["areas"] == []
    assert [line["amount"] for line in body["budget_lines"]] == ["5.55"]
    assert body["success_criteria"] == created["success_criteria"]


def test_patch_moves_department_and_parent(client):
    programme = create_intervention(client, kind="programme", name="Programmet")
    child = create_intervention(client, name="Barnet")
    body = client.patch(
        f"{API}/interventions/{child['id']}", json={"parent_id": programme["id"], "department": "SSF"}
    ).json()
    assert body["parent_id"] == programme["id"] and body["department"] == "SSF"
    parent = client.get(f"{API}/interventions/{programme['id']}").json()
    assert parent["children"] == [child["id"]]
    assert Decimal(parent["budget_total_with_descendants"]) == Decimal(parent["budget_total"]) + Decimal(
        child["budget_total"]
    )
    # and back to top level
    assert client.patch(f"{API}/interventions/{child['id']}", json={"parent_id": None}).json()["parent_id"] is None


def test_external_id_is_unique(client):
    create_intervention(client, external_id="SOB-1")
    assert_problem(
        client.post(f"{API}/interventions", json=intervention_payload(external_id="SOB-1")), 409, field=["external_id"]
    )
    other = create_intervention(client, external_id="SOB-2")
    assert_problem(
        client.patch(f"{API}/interventions/{other['id']}", json={"external_id": "SOB-1"}), 409, field=["external_id"]
    )


def test_delete_archives(client):
    created = create_intervention(client)
    assert client.delete(f"{API}/interventions/{created['id']}").status_code == 204
    assert_problem(client.get(f"{API}/interventions/{created['id']}"), 404)
    kept = client.get(f"{API}/interventions/{created['id']}", params={"include_archived": "true"}).json()
    assert kept["archived_at"] is not None and kept["budget_lines"] == created["budget_lines"]
    assert_problem(client.delete(f"{API}/interventions/{created['id']}"), 404)


def test_budget_lines_sub_resource(client):
    created = create_intervention(client, budget_lines=[])
    url = f"{API}/interventions/{created['id']}/budget-lines"
    added = client.post(url, json=budget_line(year=2019, category="Etableringsomkostninger", amount="20000"))
    assert added.status_code == 201 and added.json()["amount"] == "20000.00"
    assert_problem(client.post(url, json=budget_line(year=2019, category="Etableringsomkostninger")), 409)
    replaced = client.put(url, json=[budget_line(year=y, amount="0.10") for y in (2019, 2020, 2021)])
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["total"] == "0.30" and len(replaced.json()["items"]) == 3
    line_id = replaced.json()["items"][0]["id"]
    assert client.delete(f"{url}/{line_id}").status_code == 204
    listed = client.get(url).json()
    assert listed["total"] == "0.20" and [line["year"] for line in listed["items"]] == [2020, 2021]
    detail = client.get(f"{API}/interventions/{created['id']}").json()
    assert detail["budget_total"] == "0.20" and detail["updated_at"] > created["updated_at"]
    assert client.put(url, json=[]).json() == {
        "items": [],
        "total": "0.00",
        "original_total": "0.00",
        "actual_total": "0.00",
    }


def test_put_of_budget_lines_is_all_or_nothing(client):
    created = create_intervention(client)
    url = f"{API}/interventions/{created['id']}/budget-lines"
    before = client.get(url).json()
    bad = [budget_line(year=2019), budget_line(year=2020, funding_source="NOPE")]
    assert_problem(client.put(url, json=bad), 422, field=[1, "funding_source"])
    assert client.get(url).json() == before


def test_success_criteria_sub_resource(client):
    created = create_intervention(client, success_criteria=[])
    url = f"{API}/interventions/{created['id']}/success-criteria"
    first = client.post(url, json={"description": "50 pct. påbegynder en erhvervsuddannelse", "indicator": 1})
    assert first.status_code == 201
    second = client.post(url, json={"description": "De øvrige opnår uddannelsesparathed"}).json()
    assert [c["description"] for c in client.get(url).json()["items"]] == [
        "50 pct. påbegynder en erhvervsuddannelse",
        "De øvrige opnår uddannelsesparathed",
    ]
    patched = client.patch(f"{url}/{second['id']}", json={"target": "50.0", "unit": "pct."}).json()
    assert patched["target"] == "50.0" and patched["description"] == second["description"]
    assert client.delete(f"{url}/{first.json()['id']}").status_code == 204
    assert [c["id"] for c in client.get(url).json()["items"]] == [second["id"]]
    replaced = client.put(url, json=[{"description": "Ny"}, {"description": "Nyere", "indicator": 19}]).json()
    assert [c["description"] for c in replaced["items"]] == ["Ny", "Nyere"]


def test_money_is_answered_as_two_decimal_strings_and_accepts_numbers_and_strings(client):
    lines = [
        budget_line(year=2019, amount=1),
        budget_line(year=2020, amount=0.5),
        budget_line(year=2021, amount="2.5"),
        budget_line(year=2022, amount=1e2),  # a number may have an exponent; a string may not (the schema's pattern)
    ]
    body = create_intervention(client, budget_lines=lines)
    assert [line["amount"] for line in body["budget_lines"]] == ["1.00", "0.50", "2.50", "100.00"]
    assert body["budget_total"] == "104.00"


def test_oversized_body_answers_413_and_writes_nothing(client):
    from app.config import get_settings

    limit = get_settings().max_body_bytes
    payload = intervention_payload(description="x" * (limit + 1))
    body = assert_problem(client.post(f"{API}/interventions", json=payload), 413)
    assert str(limit) in body["detail"]
    assert client.get(f"{API}/interventions").json()["items"] == []
