"""The intervention forms through HTTP: create, edit, rows added and removed without JavaScript, refusals in
Danish beside their fields, the version check between two editors, archive, permissions and the form token.
(tests/browser/test_forms.py drives the same pages in Chromium.)"""

import html as html_text
import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_token
from tests.factories import API, budget_line, create_intervention


@pytest.fixture
def web() -> TestClient:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def _sign_in(web: TestClient, token: str) -> None:
    csrf = _hidden(web.get("/login").text, "csrf_token")
    assert web.post("/login", data={"token": token, "csrf_token": csrf, "next": "/"}).status_code == 303


def _hidden(html: str, name: str) -> str:
    return html_text.unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


def _fields(html: str) -> dict[str, str]:
    """What the form of a page would post as it stands: inputs, checked boxes, selected options, textareas."""
    form = html[html.index('class="edit-form"') :]
    form = form[: form.index("</form>")]
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) == "checkbox" and " checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data.setdefault(name.group(1), []).append(value.group(1) if value else "")
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body) or re.search(r'<option value="([^"]*)"', body)
        data[name] = [chosen.group(1)]
    for name, text in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        data[name] = [text]
    return {k: [html_text.unescape(x) for x in v] if len(v) > 1 else html_text.unescape(v[0]) for k, v in data.items()}


def _base(**changes) -> dict:
    return {
        "name": "Lektiecafé i Mørkhøj",
        "kind": "project",
        "status": "active",
        "department": "BKF",
        "areas": ["moerkhoej"],
        "themes": ["T4"],
        "start_date": "2024-01-01",
        "end_date": "2026-12-31",
        "budget_lines-0-year": "2024",
        "budget_lines-0-category": "Løn",
        "budget_lines-0-funding_source": "SOB-PULJE",
        "budget_lines-0-type": "budget",
        "budget_lines-0-amount": "12.500,50",
        "budget_lines-1-year": "2025",
        "budget_lines-1-category": "Aktiviteter",
        "budget_lines-1-funding_source": "LBF",
        "budget_lines-1-type": "budget",
        "budget_lines-1-amount": "7500",
        **changes,
    }


def _new_form(web: TestClient) -> dict:
    return _fields(web.get("/indsatser/ny").text)


def test_an_editor_creates_an_intervention_with_two_budget_lines(web, client):
    _sign_in(web, make_token("editor", "BKF", name="redaktør-bkf"))
    form = _new_form(web)
    answer = web.post("/indsatser/ny", data={**form, **_base(), "action": "save"})
    assert answer.status_code == 303, answer.text
    new_id = int(re.fullmatch(r"/indsatser/(\d+)\?gemt=ny", answer.headers["location"]).group(1))
    saved = client.get(f"{API}/interventions/{new_id}").json()
    assert saved["budget_total"] == "20000.50"
    assert sorted(line["amount"] for line in saved["budget_lines"]) == ["12500.50", "7500.00"]
    assert saved["department"] == "BKF" and saved["areas"] == ["moerkhoej"]
    case = web.get(answer.headers["location"])
    assert "Indsatsen er oprettet" in case.text and "20.000,50" in case.text


def test_a_refused_amount_is_named_in_danish_beside_its_field_and_everything_typed_stays(web, client):
    _sign_in(web, make_token("editor", "BKF"))
    form = _new_form(web)
    answer = web.post(
        "/indsatser/ny",
        data={**form, **_base(**{"budget_lines-1-amount": "12,5x", "contact_email": "ikke-en-adresse"})},
    )
    assert answer.status_code == 422
    html = answer.text
    assert 'id="f-budget_lines-1-amount" name="budget_lines-1-amount" type="text" value="12,5x"' in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="f-budget_lines-1-amount-fejl"' in html
    assert "Skriv et beløb i kroner med højst to decimaler" in html
    assert "Skriv en e-mailadresse" in html
    assert 'href="#f-budget_lines-1-amount">Budgetlinje 2, Beløb (kr.)' in html
    assert 'value="Lektiecafé i Mørkhøj"' in html and 'value="12.500,50"' in html
    assert client.get(f"{API}/interventions").json()["items"] == []

    negative = web.post("/indsatser/ny", data={**form, **_base(**{"budget_lines-0-amount": "-5"})})
    assert negative.status_code == 422 and "Beløbet må ikke være negativt" in negative.text


def test_service_rules_come_back_beside_the_fields_too(web):
    _sign_in(web, make_token("editor", "BKF"))
    form = _new_form(web)
    answer = web.post(
        "/indsatser/ny",
        data={**form, **_base(**{"budget_lines-1-year": "2030", "end_date": "2023-01-01"})},
    )
    assert answer.status_code == 422
    assert "Slutdatoen ligger før startdatoen" in answer.text
    assert re.search(r'id="f-end_date-fejl">.*?Slutdatoen ligger før startdatoen', answer.text, re.S)


def test_rows_are_added_and_removed_without_saving(web, client):
    _sign_in(web, make_token("editor", "BKF"))
    form = {**_new_form(web), **_base(name="Ikke gemt endnu")}
    added = web.post("/indsatser/ny", data={**form, "action": "add-budget_lines"})
    assert added.status_code == 200
    assert 'name="budget_lines-2-amount"' in added.text and 'value="Ikke gemt endnu"' in added.text
    removed = web.post("/indsatser/ny", data={**_fields(added.text), "action": "remove-budget_lines-0"})
    assert 'name="budget_lines-2-amount"' not in removed.text
    assert 'value="Aktiviteter"' in removed.text and 'value="Løn"' not in removed.text
    criteria = web.post("/indsatser/ny", data={**_fields(removed.text), "action": "add-success_criteria"})
    assert 'name="success_criteria-0-description"' in criteria.text
    assert client.get(f"{API}/interventions").json()["items"] == []


def test_edit_keeps_unchanged_fields_and_changes_the_rest(web, client):
    item = create_intervention(client, budget_lines=[budget_line(year=2020, amount="1000.00")])
    _sign_in(web, make_token("editor", "BKF"))
    page = web.get(f"/indsatser/{item['id']}/rediger")
    assert page.status_code == 200 and 'value="1.000,00"' in page.text
    form = _fields(page.text)
    form.update({"budget_lines-0-amount": "2.000,25", "status": "completed", "action": "save"})
    form["purpose"] = "Første linje\r\nAnden linje"  # as a browser sends a textarea
    answer = web.post(f"/indsatser/{item['id']}/rediger", data=form)
    assert answer.status_code == 303, answer.text
    saved = client.get(f"{API}/interventions/{item['id']}").json()
    assert saved["budget_total"] == "2000.25" and saved["status"] == "completed"
    assert saved["purpose"] == "Første linje\nAnden linje"
    assert saved["name"] == item["name"] and saved["indicators"] == item["indicators"]
    assert saved["success_criteria"][0]["description"] == item["success_criteria"][0]["description"]


def test_the_second_saver_is_told_and_sees_what_changed(web, client):
    item = create_intervention(client, name="Fælles fodbold")
    _sign_in(web, make_token("editor", "BKF", name="anden-redaktør"))
    form = _fields(web.get(f"/indsatser/{item['id']}/rediger").text)
    first = client.patch(f"{API}/interventions/{item['id']}", json={"name": "Fælles fodbold og futsal"})
    assert first.status_code == 200
    form.update({"target_group": "Piger 10-14 år", "action": "save"})
    answer = web.post(f"/indsatser/{item['id']}/rediger", data=form)
    assert answer.status_code == 409
    assert "En anden har gemt ændringer, mens du redigerede" in answer.text
    assert "Fælles fodbold og futsal" in answer.text and "Piger 10-14 år" in answer.text
    assert client.get(f"{API}/interventions/{item['id']}").json()["name"] == "Fælles fodbold og futsal"
    # Saving again from the conflict page is a deliberate choice: the form now holds the current version.
    again = web.post(f"/indsatser/{item['id']}/rediger", data={**_fields(answer.text), "action": "save"})
    assert again.status_code == 303
    saved = client.get(f"{API}/interventions/{item['id']}").json()
    assert saved["target_group"] == "Piger 10-14 år" and saved["name"] == "Fælles fodbold"


def test_another_departments_editor_and_a_reader_get_no_form_and_a_403(web, client):
    item = create_intervention(client, name="BKF-indsats", department="BKF")
    _sign_in(web, make_token("editor", "BKF"))
    form = _fields(web.get(f"/indsatser/{item['id']}/rediger").text)
    token = form["csrf_token"]
    web.cookies.clear()
    _sign_in(web, make_token("editor", "SSF", name="redaktør-ssf"))
    case = web.get(f"/indsatser/{item['id']}")
    assert "/rediger" not in case.text and "/arkiver" not in case.text
    assert web.get(f"/indsatser/{item['id']}/rediger").status_code == 403
    ssf_token = _hidden(case.text, "csrf_token")
    for path in (f"/indsatser/{item['id']}/rediger", f"/indsatser/{item['id']}/arkiver"):
        answer = web.post(path, data={**form, "csrf_token": ssf_token, "name": "Overtaget", "action": "save"})
        assert answer.status_code == 403 and "Det har du ikke adgang til" in answer.text
    assert token != ssf_token
    assert client.get(f"{API}/interventions/{item['id']}").json()["name"] == "BKF-indsats"
    new = web.get("/indsatser/ny")
    assert '<option value="SSF"' in new.text and '<option value="BKF"' not in new.text

    web.cookies.clear()
    _sign_in(web, make_token("reader"))
    assert "/indsatser/ny" not in web.get("/indsatser").text
    assert web.get("/indsatser/ny").status_code == 403
    assert web.get(f"/indsatser/{item['id']}/rediger").status_code == 403


def test_every_form_post_needs_the_session_form_token(web, client):
    item = create_intervention(client)
    _sign_in(web, make_token("editor", "BKF"))
    form = _fields(web.get(f"/indsatser/{item['id']}/rediger").text)
    for path in ("/indsatser/ny", f"/indsatser/{item['id']}/rediger", f"/indsatser/{item['id']}/arkiver"):
        assert web.post(path, data={**form, "csrf_token": "forged", "name": "X"}).status_code == 403, path
    other_site = web.post(f"/indsatser/{item['id']}/arkiver", data=form, headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    assert client.get(f"{API}/interventions/{item['id']}").status_code == 200


def test_archive_asks_first_and_then_archives(web, client):
    item = create_intervention(client, name="Til arkivet")
    _sign_in(web, make_token("editor", "BKF"))
    confirm = web.get(f"/indsatser/{item['id']}/arkiver")
    assert confirm.status_code == 200 and "Ja, arkivér indsatsen" in confirm.text
    assert client.get(f"{API}/interventions/{item['id']}").status_code == 200  # asking changes nothing
    data = {"csrf_token": _hidden(confirm.text, "csrf_token"), "version": _hidden(confirm.text, "version")}
    client.patch(f"{API}/interventions/{item['id']}", json={"purpose": "Ændret imens"})
    stale = web.post(f"/indsatser/{item['id']}/arkiver", data=data)
    assert stale.status_code == 409 and "ændret, siden du åbnede siden" in stale.text
    data["version"] = _hidden(stale.text, "version")
    answer = web.post(f"/indsatser/{item['id']}/arkiver", data=data)
    assert answer.status_code == 303 and answer.headers["location"] == "/indsatser?arkiveret=1"
    assert client.get(f"{API}/interventions/{item['id']}").status_code == 404
    assert "Indsatsen er arkiveret" in web.get("/indsatser?arkiveret=1").text


def test_material_and_evaluations_are_added_and_removed_from_the_edit_page(web, client):
    item = create_intervention(client)
    _sign_in(web, make_token("editor", "BKF"))
    page = web.get(f"/indsatser/{item['id']}/rediger").text
    csrf = _hidden(page, "csrf_token")
    refused = web.post(
        f"/indsatser/{item['id']}/materiale",
        data={"csrf_token": csrf, "title": "Rapport", "url": "ftp://x", "kind": "evaluation", "language": "da"},
    )
    assert refused.status_code == 422 and "Skriv en webadresse" in refused.text and 'value="Rapport"' in refused.text
    added = web.post(
        f"/indsatser/{item['id']}/materiale",
        data={"csrf_token": csrf, "title": "Rapport", "url": "https://gladsaxe.dk/r.pdf", "kind": "evaluation"},
    )
    assert added.status_code == 303
    assert added.headers["location"].endswith("?gemt=materiale-tilfoejet#materiale-overskrift")
    assert "Materialet er tilføjet." in web.get(added.headers["location"]).text
    material_id = client.get(f"{API}/interventions/{item['id']}/material").json()["items"][0]["id"]
    evaluation = web.post(
        f"/indsatser/{item['id']}/evalueringer",
        data={"csrf_token": csrf, "kind": "final", "date": "2024-06-01", "purpose_fulfilled": "i_hoej_grad",
              "material_ids": str(material_id)},
    )  # fmt: skip
    assert evaluation.status_code == 303
    saved = client.get(f"{API}/interventions/{item['id']}/evaluations").json()["items"]
    assert saved[0]["material_ids"] == [material_id] and saved[0]["purpose_fulfilled"] == "i_hoej_grad"
    changed = web.post(
        f"/indsatser/{item['id']}/evalueringer/{saved[0]['id']}",
        data={"csrf_token": csrf, "kind": "final", "date": "01.07.2024", "decision": "anchor"},
    )
    assert changed.status_code == 303
    saved = client.get(f"{API}/interventions/{item['id']}/evaluations").json()["items"]
    assert (saved[0]["date"], saved[0]["decision"], saved[0]["purpose_fulfilled"]) == ("2024-07-01", "anchor", None)
    assert saved[0]["material_ids"] == []  # the form shows every field: an unticked box removes the link
    bad_url = web.post(
        f"/indsatser/{item['id']}/materiale/{material_id}",
        data={"csrf_token": csrf, "title": "Ny titel", "url": "https://a b", "kind": "results", "language": "da"},
    )
    assert bad_url.status_code == 422 and "<details open>" in bad_url.text
    assert f'id="f-mat{material_id}-url-fejl"' in bad_url.text and 'value="Ny titel"' in bad_url.text
    renamed = web.post(
        f"/indsatser/{item['id']}/materiale/{material_id}",
        data={"csrf_token": csrf, "title": "Ny titel", "url": "https://gladsaxe.dk/r.pdf", "kind": "results",
              "language": "da"},
    )  # fmt: skip
    assert renamed.status_code == 303
    assert client.get(f"{API}/interventions/{item['id']}/material").json()["items"][0]["title"] == "Ny titel"
    no_date = web.post(f"/indsatser/{item['id']}/evalueringer", data={"csrf_token": csrf, "kind": "final"})
    assert no_date.status_code == 422 and re.search(r'id="f-ev-date-fejl">.*?Skal udfyldes', no_date.text, re.S)
    web.post(f"/indsatser/{item['id']}/evalueringer/{saved[0]['id']}/fjern", data={"csrf_token": csrf})
    web.post(f"/indsatser/{item['id']}/materiale/{material_id}/fjern", data={"csrf_token": csrf})
    assert client.get(f"{API}/interventions/{item['id']}/evaluations").json()["items"] == []
    assert client.get(f"{API}/interventions/{item['id']}/material").json()["items"] == []


def test_odd_input_is_a_message_never_a_500(web, client):
    item = create_intervention(client)
    _sign_in(web, make_token("admin", name="admin-web"))
    new, edit = _new_form(web), _fields(web.get(f"/indsatser/{item['id']}/rediger").text)
    odd = [
        {"name": "x" * 301, "budget_lines-0-year": "99999999999", "indicators": ["abc", "0"]},
        {"name": "a\x00b", "parent_id": "0", "start_date": "2024-02-30", "end_date": "31.12.2024"},
        {"budget_lines-0-amount": "1,255", "budget_lines-0-year": "1999", "budget_lines-0-funding_source": "NOPE"},
        {"success_criteria-0-description": "Mål", "success_criteria-0-target": "1e5",
         "success_criteria-0-indicator": "99"},
        {"parent_id": str(item["id"]), "external_id": "\u202eevil", "kind": "nope", "status": "anchored",
         "areas": "mars"},
        {"action": "remove-budget_lines-99999"},
        {"action": "add-nothing"},
        {"budget_lines-0-amount": "10000000000,01", "department": "XYZ", "track": "sideways"},
    ]  # fmt: skip
    for changes in odd:
        for path, form in (("/indsatser/ny", new), (f"/indsatser/{item['id']}/rediger", edit)):
            answer = web.post(path, data={**form, "action": "save", **changes})
            assert answer.status_code in (200, 303, 403, 409, 422), (path, changes, answer.status_code)
            assert answer.headers["content-type"].startswith("text/html")
            if answer.status_code == 422:
                assert "Formularen kan ikke gemmes endnu" in answer.text
    assert client.get(f"{API}/interventions/{item['id']}").json()["name"] == item["name"]
