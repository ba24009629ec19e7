"""Evaluations, material and the outcomes of success criteria, through HTTP: what they hold, what they refuse,
who may write them, what the audit log says, and which interventions lack an evaluation."""

import pytest

from tests.conftest import make_token
from tests.factories import API, assert_problem, create_intervention

PROGRAMME_URL = "https://dokumenter.example.dk/moerkhoej/programdokument.pdf"


def _material(client, intervention_id: int, **overrides) -> dict:
    body = {
        "title": "Programdokument: Styrket indsats for social balance i Mørkhøj",
        "url": PROGRAMME_URL,
        "kind": "description",
        "language": "da",
        "date": "2018-11-01",
        **overrides,
    }
    response = client.post(f"{API}/interventions/{intervention_id}/material", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _evaluation(client, intervention_id: int, **overrides) -> dict:
    body = {"kind": "midway", "date": "2020-12-15", **overrides}
    response = client.post(f"{API}/interventions/{intervention_id}/evaluations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


# --- evaluations -----------------------------------------------------------------------------------------------


def test_an_evaluation_holds_the_case_databases_ratings_with_their_danish_labels(client):
    intervention = create_intervention(client)
    report = _material(client, intervention["id"], title="Slutevaluering", kind="evaluation", date="2022-12-01")
    url = f"{API}/interventions/{intervention['id']}/evaluations"
    response = client.post(
        url,
        json={
            "kind": "final",
            "date": "2022-12-10",
            "purpose_fulfilled": "i_hoej_grad",
            "implemented_as_planned": "i_nogen_grad",
            "findings": "Flere fællesskaber på tværs af generationer.",
            "decision": "anchor",
            "material_ids": [report["id"]],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{url}/{created['id']}"
    assert created == {
        "id": created["id"],
        "intervention_id": intervention["id"],
        "kind": "final",
        "kind_label": "Slutevaluering",
        "date": "2022-12-10",
        "department": "BKF",  # the owning department unless another is named
        "purpose_fulfilled": "i_hoej_grad",
        "purpose_fulfilled_label": "I høj grad",
        "implemented_as_planned": "i_nogen_grad",
        "implemented_as_planned_label": "I nogen grad",
        "findings": "Flere fællesskaber på tværs af generationer.",
        "decision": "anchor",
        "decision_label": "Forankres i kernedriften",
        "material_ids": [report["id"]],
        "created_at": created["created_at"],
        "updated_at": created["updated_at"],
    }
    assert client.get(f"{url}/{created['id']}").json() == created
    assert client.get(url).json() == {"items": [created]}


def test_every_rating_and_decision_has_its_label(client):
    intervention = create_intervention(client)
    labels = {
        "slet_ikke": "Slet ikke",
        "i_mindre_grad": "I mindre grad",
        "i_nogen_grad": "I nogen grad",
        "i_hoej_grad": "I høj grad",
    }
    decisions = {
        "continue": "Videreføres",
        "anchor": "Forankres i kernedriften",
        "stop": "Stoppes",
        "adjust": "Justeres",
    }
    for (rating, label), (decision, decision_label) in zip(labels.items(), decisions.items(), strict=True):
        created = _evaluation(
            client,
            intervention["id"],
            kind="other",
            purpose_fulfilled=rating,
            implemented_as_planned=rating,
            decision=decision,
        )
        assert created["purpose_fulfilled_label"] == created["implemented_as_planned_label"] == label
        assert created["decision_label"] == decision_label
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    assert spec["Rating"]["enum"] == list(labels)
    assert all(label in spec["Rating"]["description"] for label in labels.values())
    assert "Er formålet opfyldt?" in spec["EvaluationCreate"]["properties"]["purpose_fulfilled"]["description"]


def test_the_list_is_oldest_first_and_unrated_fields_are_null(client):
    intervention = create_intervention(client)
    final = _evaluation(client, intervention["id"], kind="final", date="2022-12-10")
    midway = _evaluation(client, intervention["id"], kind="midway", date="2020-12-15", department="SOB")
    items = client.get(f"{API}/interventions/{intervention['id']}/evaluations").json()["items"]
    assert [e["id"] for e in items] == [midway["id"], final["id"]]
    assert midway["department"] == "SOB"
    assert midway["purpose_fulfilled"] is None and midway["purpose_fulfilled_label"] is None
    assert midway["decision"] is None and midway["decision_label"] is None and midway["material_ids"] == []


def test_patch_changes_what_is_sent_clears_with_null_and_replaces_the_material_links(client):
    intervention = create_intervention(client)
    one = _material(client, intervention["id"])
    two = _material(client, intervention["id"], title="Midtvejsnotat", kind="evaluation")
    created = _evaluation(
        client, intervention["id"], purpose_fulfilled="i_mindre_grad", decision="adjust", material_ids=[one["id"]]
    )
    url = f"{API}/interventions/{intervention['id']}/evaluations/{created['id']}"
    response = client.patch(
        url, json={"purpose_fulfilled": "i_nogen_grad", "decision": None, "material_ids": [two["id"], one["id"]]}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["purpose_fulfilled"] == "i_nogen_grad" and changed["purpose_fulfilled_label"] == "I nogen grad"
    assert changed["decision"] is None and changed["kind"] == "midway" and changed["date"] == "2020-12-15"
    assert changed["material_ids"] == sorted([one["id"], two["id"]])
    assert client.patch(url, json={"material_ids": []}).json()["material_ids"] == []
    assert client.patch(url, json={"kind": "final", "date": "2022-12-01"}).json()["kind_label"] == "Slutevaluering"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"kind": "slut", "date": "2022-01-01"}, ["body", "kind"]),
        ({"date": "2022-01-01"}, ["body", "kind"]),
        ({"kind": "final"}, ["body", "date"]),
        ({"kind": "final", "date": "31.12.2022"}, ["body", "date"]),
        ({"kind": "final", "date": "2022-01-01", "purpose_fulfilled": "I høj grad"}, ["body", "purpose_fulfilled"]),
        ({"kind": "final", "date": "2022-01-01", "implemented_as_planned": 4}, ["body", "implemented_as_planned"]),
        ({"kind": "final", "date": "2022-01-01", "decision": "forankres"}, ["body", "decision"]),
        ({"kind": "final", "date": "2022-01-01", "material_ids": [1, 1]}, ["body", "material_ids"]),
        ({"kind": "final", "date": "2022-01-01", "material_ids": [0]}, ["body", "material_ids", 0]),
        ({"kind": "final", "date": "2022-01-01", "score": 3}, ["body", "score"]),
    ],
)
def test_bad_evaluations_are_refused_naming_the_field(client, body, field):
    intervention = create_intervention(client)
    response = client.post(f"{API}/interventions/{intervention['id']}/evaluations", json=body)
    assert_problem(response, 422, field=field)
    assert client.get(f"{API}/interventions/{intervention['id']}/evaluations").json()["items"] == []


def test_rules_name_the_field_unknown_department_and_foreign_material(client):
    mine = create_intervention(client)
    other = create_intervention(client, name="En anden indsats")
    foreign = _material(client, other["id"])
    url = f"{API}/interventions/{mine['id']}/evaluations"
    body = assert_problem(
        client.post(url, json={"kind": "final", "date": "2022-01-01", "department": "XYZ"}),
        422,
        field=["body", "department"],
    )
    assert body["type"] == "/problems/rule-violation"
    assert_problem(
        client.post(url, json={"kind": "final", "date": "2022-01-01", "material_ids": [foreign["id"]]}),
        422,
        field=["body", "material_ids", 0],
    )
    created = _evaluation(client, mine["id"])
    one = f"{url}/{created['id']}"
    for name in ("kind", "date", "department", "material_ids"):
        assert_problem(client.patch(one, json={name: None}), 422, field=["body", name])
    assert_problem(client.patch(one, json={"material_ids": [foreign["id"]]}), 422, field=["body", "material_ids", 0])
    assert client.get(one).json() == created  # nothing half-written


def test_unknown_ids_answer_404(client):
    intervention = create_intervention(client)
    other = create_intervention(client, name="Anden")
    created = _evaluation(client, intervention["id"])
    assert_problem(client.get(f"{API}/interventions/999999/evaluations"), 404)
    assert_problem(
        client.post(f"{API}/interventions/999999/evaluations", json={"kind": "final", "date": "2022-01-01"}), 404
    )
    assert_problem(client.get(f"{API}/interventions/{other['id']}/evaluations/{created['id']}"), 404)
    assert_problem(client.patch(f"{API}/interventions/{other['id']}/evaluations/{created['id']}", json={}), 404)
    assert_problem(client.delete(f"{API}/interventions/{intervention['id']}/evaluations/999999"), 404)


def test_delete_removes_an_evaluation(client):
    intervention = create_intervention(client)
    created = _evaluation(client, intervention["id"])
    url = f"{API}/interventions/{intervention['id']}/evaluations/{created['id']}"
    assert client.delete(url).status_code == 204
    assert_problem(client.get(url), 404)


def test_evaluations_are_audited_and_bump_the_interventions_version(client):
    intervention = create_intervention(client)
    etag = client.get(f"{API}/interventions/{intervention['id']}").headers["etag"]
    created = _evaluation(client, intervention["id"], purpose_fulfilled="i_mindre_grad")
    client.patch(
        f"{API}/interventions/{intervention['id']}/evaluations/{created['id']}",
        json={"purpose_fulfilled": "i_hoej_grad"},
    )
    assert client.get(f"{API}/interventions/{intervention['id']}").headers["etag"] != etag
    history = client.get(f"{API}/interventions/{intervention['id']}/history").json()["items"]
    assert [h["action"] for h in history][:2] == ["evaluations.update", "evaluations.add"]
    log = client.get(f"{API}/audit", params={"resource": "evaluation"}).json()["items"]
    assert [r["action"] for r in log] == ["update", "create"]
    assert log[0]["resource_id"] == str(created["id"])
    assert log[0]["changes"]["purpose_fulfilled"] == {"before": "i_mindre_grad", "after": "i_hoej_grad"}
    # a stale If-Match is refused
    stale = client.post(
        f"{API}/interventions/{intervention['id']}/evaluations",
        headers={"If-Match": etag},
        json={"kind": "final", "date": "2022-12-01"},
    )
    assert_problem(stale, 412)


# --- permissions -----------------------------------------------------------------------------------------------


def test_an_editor_of_another_department_may_read_but_not_write(client):
    intervention = create_intervention(client, department="BKF")
    document = _material(client, intervention["id"])
    evaluation = _evaluation(client, intervention["id"])
    base = f"{API}/interventions/{intervention['id']}"
    ssf = {"Authorization": f"Bearer {make_token('editor', 'SSF')}"}
    writes = [
        ("POST", f"{base}/evaluations", {"kind": "final", "date": "2022-12-01"}),
        ("PATCH", f"{base}/evaluations/{evaluation['id']}", {"decision": "stop"}),
        ("DELETE", f"{base}/evaluations/{evaluation['id']}", None),
        ("POST", f"{base}/material", {"title": "Notat", "url": "https://example.dk/notat", "kind": "results"}),
        ("PATCH", f"{base}/material/{document['id']}", {"title": "Nyt navn"}),
        ("DELETE", f"{base}/material/{document['id']}", None),
        ("PATCH", f"{base}/success-criteria/{intervention['success_criteria'][0]['id']}", {"outcome": "met"}),
    ]
    for method, url, body in writes:
        assert_problem(client.request(method, url, json=body, headers=ssf), 403)
    assert client.get(f"{base}/evaluations", headers=ssf).status_code == 200
    assert client.get(f"{base}/material", headers=ssf).status_code == 200
    bkf = {"Authorization": f"Bearer {make_token('editor', 'BKF')}"}
    for method, url, body in writes:
        assert client.request(method, url, json=body, headers=bkf).status_code < 300, (method, url)


@pytest.mark.parametrize("role", ["reader", "pool_manager"])
def test_readers_and_pool_managers_may_not_write(client, role):
    intervention = create_intervention(client)
    headers = {"Authorization": f"Bearer {make_token(role)}"}
    base = f"{API}/interventions/{intervention['id']}"
    assert_problem(
        client.post(f"{base}/evaluations", json={"kind": "final", "date": "2022-12-01"}, headers=headers), 403
    )
    assert_problem(
        client.post(
            f"{base}/material", headers=headers, json={"title": "x", "url": "https://example.dk", "kind": "results"}
        ),
        403,
    )
    assert client.get(f"{base}/evaluations", headers=headers).status_code == 200


def test_no_token_no_access(client, anonymous):
    intervention = create_intervention(client)
    base = f"{API}/interventions/{intervention['id']}"
    assert_problem(anonymous.get(f"{base}/evaluations"), 401)
    assert_problem(anonymous.post(f"{base}/evaluations", json={"kind": "final", "date": "2022-12-01"}), 401)
    assert_problem(anonymous.get(f"{API}/evaluations/missing"), 401)


# --- material --------------------------------------------------------------------------------------------------


def test_material_is_a_link_with_title_kind_language_and_date(client):
    intervention = create_intervention(client)
    url = f"{API}/interventions/{intervention['id']}/material"
    created = _material(client, intervention["id"])
    assert created == {
        "id": created["id"],
        "intervention_id": intervention["id"],
        "title": "Programdokument: Styrket indsats for social balance i Mørkhøj",
        "url": PROGRAMME_URL,
        "kind": "description",
        "kind_label": "Beskrivelse",
        "language": "da",
        "date": "2018-11-01",
        "created_at": created["created_at"],
        "updated_at": created["updated_at"],
    }
    undated = client.post(url, json={"title": "Budget", "url": "http://example.dk/budget.xlsx", "kind": "budget"})
    assert undated.status_code == 201 and undated.json()["language"] == "da" and undated.json()["date"] is None
    english = _material(client, intervention["id"], title="Summary", kind="results", language="en", date="2017-05-01")
    assert [m["id"] for m in client.get(url).json()["items"]] == [english["id"], created["id"], undated.json()["id"]]
    changed = client.patch(f"{url}/{created['id']}", json={"kind": "evaluation", "date": None})
    assert changed.status_code == 200
    assert changed.json()["kind_label"] == "Evaluering" and changed.json()["date"] is None
    assert changed.json()["title"] == created["title"]
    assert client.get(f"{url}/{created['id']}").json() == changed.json()


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.dk/fil.pdf"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "gladsaxe.dk/dokument.pdf"}, "url"),
        ({"url": "https://example.dk/et dokument.pdf"}, "url"),
        ({"url": ""}, "url"),
        ({"title": "   "}, "title"),
        ({"kind": "rapport"}, "kind"),
        ({"language": "dansk"}, "language"),
        ({"language": "DA"}, "language"),
        ({"date": "2018-13-01"}, "date"),
    ],
)
def test_bad_material_is_refused_naming_the_field(client, overrides, field):
    intervention = create_intervention(client)
    body = {"title": "Programdokument", "url": PROGRAMME_URL, "kind": "description", **overrides}
    assert_problem(
        client.post(f"{API}/interventions/{intervention['id']}/material", json=body), 422, field=["body", field]
    )


def test_material_patch_refuses_null_and_bad_urls(client):
    intervention = create_intervention(client)
    created = _material(client, intervention["id"])
    url = f"{API}/interventions/{intervention['id']}/material/{created['id']}"
    for name in ("title", "url", "kind", "language"):
        assert_problem(client.patch(url, json={name: None}), 422, field=["body", name])
    assert_problem(client.patch(url, json={"url": "mailto:x@example.dk"}), 422, field=["body", "url"])
    assert client.get(url).json() == created


def test_deleting_material_removes_it_from_the_evaluations_that_cited_it(client):
    intervention = create_intervention(client)
    one, two = _material(client, intervention["id"]), _material(client, intervention["id"], title="Bilag")
    evaluation = _evaluation(client, intervention["id"], material_ids=[one["id"], two["id"]])
    base = f"{API}/interventions/{intervention['id']}"
    assert client.delete(f"{base}/material/{one['id']}").status_code == 204
    assert_problem(client.get(f"{base}/material/{one['id']}"), 404)
    assert client.get(f"{base}/evaluations/{evaluation['id']}").json()["material_ids"] == [two["id"]]
    log = client.get(f"{API}/audit", params={"resource": "material"}).json()["items"]
    assert [r["action"] for r in log] == ["delete", "create", "create"]


def test_material_of_an_unknown_intervention_is_404(client):
    assert_problem(client.get(f"{API}/interventions/999999/material"), 404)
    assert_problem(
        client.post(
            f"{API}/interventions/999999/material", json={"title": "x", "url": "https://example.dk", "kind": "results"}
        ),
        404,
    )


# --- success criteria outcomes -----------------------------------------------------------------------------------


def test_success_criteria_carry_an_outcome_and_an_actual_value(client):
    intervention = create_intervention(
        client,
        success_criteria=[
            {
                "description": "Flere deltager i lokalsamfundet",
                "indicator": 8,
                "baseline": "41.5",
                "target": 50,
                "unit": "pct.",
            },
            {"description": "Nye forældrenetværk", "outcome": "partly_met"},
        ],
    )
    first, second = intervention["success_criteria"]
    assert first["outcome"] == "not_assessed" and first["outcome_label"] == "Ikke vurderet"
    assert first["actual_value"] is None
    assert second["outcome"] == "partly_met" and second["outcome_label"] == "Delvist opfyldt"
    url = f"{API}/interventions/{intervention['id']}/success-criteria/{first['id']}"
    changed = client.patch(url, json={"outcome": "met", "actual_value": "52.25"}).json()
    assert changed["outcome"] == "met" and changed["outcome_label"] == "Opfyldt" and changed["actual_value"] == "52.25"
    assert changed["baseline"] == "41.5" and changed["target"] == "50"
    assert_problem(client.patch(url, json={"outcome": None}), 422, field=["body", "outcome"])
    assert_problem(client.patch(url, json={"outcome": "opfyldt"}), 422, field=["body", "outcome"])
    assert_problem(client.patch(url, json={"actual_value": "mange"}), 422, field=["body", "actual_value"])
    added = client.post(
        f"{API}/interventions/{intervention['id']}/success-criteria",
        json={"description": "Flere frivillige", "outcome": "not_met", "actual_value": 3},
    ).json()
    assert added["outcome_label"] == "Ikke opfyldt" and added["actual_value"] == "3"
    cleared = client.patch(url, json={"actual_value": None}).json()
    assert cleared["actual_value"] is None and cleared["outcome"] == "met"
    got = client.get(f"{API}/interventions/{intervention['id']}").json()["success_criteria"]
    assert [c["outcome"] for c in got] == ["met", "partly_met", "not_met"]
    history = client.get(f"{API}/interventions/{intervention['id']}/history").json()["items"]
    assert any("success_criteria" in h["changes"] for h in history if h["action"] == "success_criteria.update")


# --- coverage: missing evaluations -------------------------------------------------------------------------------


def test_missing_final_evaluations_lists_ended_interventions_without_one(client):
    ended = create_intervention(client, name="Sluttede 2022", status="active", end_date="2022-12-31")
    completed = create_intervention(
        client, name="Afsluttet uden slutdato", status="completed", end_date=None, budget_lines=[]
    )
    evaluated = create_intervention(client, name="Evalueret", status="completed")
    _evaluation(client, evaluated["id"], kind="final", date="2023-01-15")
    only_midway = create_intervention(client, name="Kun midtvejs", status="stopped")
    _evaluation(client, only_midway["id"], kind="midway")
    create_intervention(
        client, name="Kører stadig", status="active", start_date="2024-01-01", end_date="2027-12-31", budget_lines=[]
    )
    archived = create_intervention(client, name="Arkiveret", status="completed")
    client.delete(f"{API}/interventions/{archived['id']}")

    page = client.get(f"{API}/evaluations/missing", params={"kind": "final", "as_of": "2025-06-01"}).json()
    assert [(i["name"], i["reason"]) for i in page["items"]] == [
        ("Sluttede 2022", "ended"),
        ("Afsluttet uden slutdato", "status"),
        ("Kun midtvejs", "status"),
    ]
    assert page["items"][2]["evaluations"] == ["midway"] and page["next_cursor"] is None
    assert page["items"][0]["id"] == ended["id"] and page["items"][1]["id"] == completed["id"]
    # as of an earlier day, the one that ended in 2022 was not yet due
    earlier = client.get(f"{API}/evaluations/missing", params={"as_of": "2022-06-01"}).json()["items"]
    assert "Sluttede 2022" not in [i["name"] for i in earlier]


def test_missing_midway_evaluations_count_from_the_middle_of_the_period(client):
    create_intervention(
        client, name="Halvvejs", status="active", start_date="2024-01-01", end_date="2027-12-31", budget_lines=[]
    )
    create_intervention(
        client, name="Lige startet", status="active", start_date="2025-01-01", end_date="2030-12-31", budget_lines=[]
    )
    done = create_intervention(
        client, name="Har midtvejs", status="active", start_date="2024-01-01", end_date="2027-12-31", budget_lines=[]
    )
    _evaluation(client, done["id"], kind="midway", date="2026-01-10")
    items = client.get(f"{API}/evaluations/missing", params={"kind": "midway", "as_of": "2026-03-01"}).json()["items"]
    assert [(i["name"], i["reason"]) for i in items] == [("Halvvejs", "past_midpoint")]


def test_missing_evaluations_page_and_filter(client):
    for n in range(5):
        create_intervention(client, name=f"Afsluttet {n}", status="completed", department="BKF" if n % 2 else "SSF")
    first = client.get(f"{API}/evaluations/missing", params={"limit": 2}).json()
    second = client.get(f"{API}/evaluations/missing", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get(f"{API}/evaluations/missing", params={"limit": 2, "cursor": second["next_cursor"]}).json()
    names = [i["name"] for page in (first, second, third) for i in page["items"]]
    assert names == [f"Afsluttet {n}" for n in range(5)] and third["next_cursor"] is None
    bkf = client.get(f"{API}/evaluations/missing", params={"department": "BKF"}).json()["items"]
    assert [i["name"] for i in bkf] == ["Afsluttet 1", "Afsluttet 3"]
    assert_problem(
        client.get(f"{API}/evaluations/missing", params={"department": "XYZ"}), 422, field=["query", "department", 0]
    )
    assert_problem(client.get(f"{API}/evaluations/missing", params={"kind": "other"}), 422, field=["query", "kind"])
    assert_problem(
        client.get(f"{API}/evaluations/missing", params={"cursor": "nonsense"}), 400, field=["query", "cursor"]
    )
