"""The status lifecycle (issue 13, item 14): which changes of status are allowed, which need a reason, and that
the reason is on record; the same rule through PATCH and through an import."""

import pytest

from tests.factories import API, assert_problem, create_intervention

IMPORTS = f"{API}/imports/interventions"


def _history(client, url: str) -> list[dict]:
    return client.get(f"{url}/history").json()["items"]


def _patch(client, url: str, status: str, reason: str | None = None):
    body = {"status": status} if reason is None else {"status": status, "status_reason": reason}
    return client.patch(url, json=body)


def test_idea_cannot_jump_to_anchored_nor_go_back_without_a_reason(client):
    url = f"{API}/interventions/{create_intervention(client, status='idea')['id']}"
    body = assert_problem(_patch(client, url, "anchored"), 422, field=["body", "status"])
    assert "active" in body["detail"]  # says the way: set it active first
    assert client.get(url).json()["status"] == "idea"

    assert _patch(client, url, "active").status_code == 200
    assert _patch(client, url, "anchored").status_code == 200
    assert_problem(_patch(client, url, "idea"), 422, field=["body", "status"])
    assert client.get(url).json()["status"] == "anchored"
    # A refused change leaves no record: create, active, anchored.
    assert len(_history(client, url)) == 3


@pytest.mark.parametrize(
    ("start", "path"),
    [
        ("idea", ["planned", "active", "completed", "anchored"]),  # the whole path forward
        ("idea", ["active"]),  # started at once
        ("planned", ["active", "anchored"]),  # a trial action that worked is anchored at once
    ],
)
def test_forward_changes_need_no_reason(client, start, path):
    url = f"{API}/interventions/{create_intervention(client, status=start)['id']}"
    for status in path:
        response = _patch(client, url, status)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("idea", "completed"),
        ("planned", "completed"),
        ("planned", "anchored"),
        ("stopped", "completed"),
        ("stopped", "anchored"),
    ],
)
def test_completed_and_anchored_only_after_being_active(client, start, target):
    url = f"{API}/interventions/{create_intervention(client, status=start)['id']}"
    # Not even with a reason: the way is through active.
    assert_problem(_patch(client, url, target, "Det lykkedes"), 422, field=["body", "status"])
    assert client.get(url).json()["status"] == start


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("idea", "stopped"),  # cancelled before it started
        ("active", "stopped"),  # stopped while running
        ("completed", "stopped"),  # not anchored after all
        ("planned", "idea"),  # back
        ("active", "planned"),
        ("anchored", "active"),
        ("stopped", "active"),  # resumed
    ],
)
def test_stopping_going_back_and_resuming_need_a_reason_which_is_recorded(client, start, target):
    url = f"{API}/interventions/{create_intervention(client, status=start)['id']}"
    body = assert_problem(_patch(client, url, target), 422, field=["body", "status"])
    assert "status_reason" in body["detail"]
    assert_problem(_patch(client, url, target, "   "), 422, field=["body", "status"])  # blank is no reason
    assert client.get(url).json()["status"] == start

    response = _patch(client, url, target, "Styregruppen besluttede det 3. marts")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == target
    assert "status_reason" not in response.json()  # the reason is not a field of the intervention
    change = _history(client, url)[0]
    assert change["action"] == "update"
    assert change["changes"] == {
        "status": {"before": start, "after": target, "reason": "Styregruppen besluttede det 3. marts"}
    }


def test_a_reason_on_a_free_change_is_recorded_too(client):
    url = f"{API}/interventions/{create_intervention(client, status='active')['id']}"
    assert _patch(client, url, "anchored", "Overgår til kernedrift i BKF").status_code == 200
    assert _history(client, url)[0]["changes"]["status"]["reason"] == "Overgår til kernedrift i BKF"


def test_a_reason_without_a_status_is_refused(client):
    url = f"{API}/interventions/{create_intervention(client)['id']}"
    assert_problem(client.patch(url, json={"status_reason": "Hvorfor?"}), 422, field=["body", "status_reason"])
    assert len(_history(client, url)) == 1


def test_other_fields_ride_along_only_when_the_status_change_is_allowed(client):
    url = f"{API}/interventions/{create_intervention(client, status='active')['id']}"
    assert_problem(client.patch(url, json={"status": "idea", "name": "Nyt navn"}), 422, field=["body", "status"])
    assert client.get(url).json()["name"] != "Nyt navn"


@pytest.mark.parametrize("status", ["idea", "planned", "active", "completed", "anchored", "stopped"])
def test_a_new_intervention_may_start_in_any_status(client, status):
    assert create_intervention(client, status=status)["status"] == status


def _record(**overrides) -> dict:
    return {
        "external_id": "SOB-LIV-1",
        "name": "Cykelværksted",
        "kind": "trial_action",
        "department": "SOB",
        **overrides,
    }


def test_an_import_follows_the_same_rule_and_records_the_reason(client):
    assert client.post(IMPORTS, json=[_record(status="idea")]).status_code == 200  # created in any status
    iid = client.get(f"{API}/interventions", params={"external_id": "SOB-LIV-1"}).json()["items"][0]["id"]
    url = f"{API}/interventions/{iid}"

    body = assert_problem(client.post(IMPORTS, json=[_record(status="anchored")]), 422)
    assert body["errors"][0]["column"] == "status" and body["errors"][0]["row"] == 1
    assert_problem(client.post(IMPORTS, json=[_record(status="stopped")]), 422)
    assert client.get(url).json()["status"] == "idea"

    answer = client.post(IMPORTS, json=[_record(status="stopped", status_reason="Ingen lokaler")])
    assert answer.status_code == 200, answer.text
    assert answer.json()["updated"] == 1
    assert client.get(url).json()["status"] == "stopped"
    change = _history(client, url)[0]
    assert change["action"] == "import.update"
    assert change["changes"]["status"] == {"before": "idea", "after": "stopped", "reason": "Ingen lokaler"}
    # The same file again changes nothing: the reason alone is no change.
    again = client.post(IMPORTS, json=[_record(status="stopped", status_reason="Ingen lokaler")]).json()
    assert again["unchanged"] == 1


def test_a_csv_import_takes_the_reason_from_its_column(client):
    def post(status: str, reason: str = ""):
        header = "external_id,name,kind,status,status_reason,department"
        text = f"{header}\nSOB-LIV-2,Værksted,project,{status},{reason},SOB\n"
        return client.post(IMPORTS, content=text.encode(), headers={"content-type": "text/csv"})

    assert post("active").status_code == 200
    body = assert_problem(post("planned"), 422)
    assert body["errors"][0]["column"] == "status" and body["errors"][0]["row"] == 2
    assert post("planned", "Udskudt til 2027").status_code == 200
    export = client.get(f"{API}/exports/interventions", params={"format": "json"}).json()
    assert [(r["status"], r["status_reason"]) for r in export] == [("planned", None)]  # never stored
