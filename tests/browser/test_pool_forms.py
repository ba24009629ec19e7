"""The pool manager's work in the browser: an editor applies, the pool manager grants and sees the balance fall,
a grant that does not fit is explained beside the amount with the form still filled, changes are asked for and
the application resubmitted, money is released; axe passes on every pool form."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_token
from tests.factories import API, create_intervention

axe = Axe()


def _serious(page) -> list[str]:
    result = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _world(client) -> dict:
    own = create_intervention(
        client, name="Læsevenner i Mørkhøj", department="BKF", kind="trial_action", budget_lines=[], end_date=None
    )
    other = create_intervention(client, name="Grønne gårde", department="BMF", kind="trial_action", budget_lines=[])
    pool = client.post(f"{API}/pools", json={"name": "Prøvehandlinger 2026", "year": 2026, "amount": "50000"}).json()
    return {"own": own, "other": other, "pool": pool}


def test_an_editor_applies_for_its_own_intervention(page, client):
    world = _world(client)
    sign_in(page, make_token("editor", "BKF", name="redaktør-bkf"))
    page.goto(f"/puljer/{world['pool']['id']}")
    page.get_by_role("link", name="Ansøg om penge fra puljen").click()
    assert _serious(page) == [], "the application form"
    options = page.get_by_label("Indsats").locator("option").all_inner_texts()
    assert any("Læsevenner" in o for o in options) and not any("Grønne gårde" in o for o in options)
    page.get_by_label("Indsats").select_option(label="Læsevenner i Mørkhøj (BKF)")
    page.get_by_label("Beløb (kr.)").fill("abc")
    page.get_by_label("Formål: hvad skal pengene bruges til?").fill("Bøger og frivillige læsevenner")
    page.get_by_role("button", name="Send ansøgningen").click()
    expect(page.locator("#f-amount-fejl")).to_contain_text("Skriv et beløb")
    expect(page.get_by_label("Formål: hvad skal pengene bruges til?")).to_have_value("Bøger og frivillige læsevenner")
    assert _serious(page) == [], "the application form with its errors"
    page.get_by_label("Beløb (kr.)").fill("12.500,50")
    page.get_by_label("Perioden begynder").fill("2026-02-01")
    page.get_by_label("Perioden slutter").fill("2026-11-30")
    page.get_by_label("Indikatorer, effekten forventes på").fill("3, 8")
    page.get_by_role("button", name="Send ansøgningen").click()
    expect(page.get_by_role("status")).to_contain_text("Ansøgningen er sendt")
    expect(page.locator(".facts")).to_contain_text("12.500,50 kr.")
    expect(page.locator(".facts")).to_contain_text("Ansøgt")
    expect(page.locator(".facts")).to_contain_text("3, 8")
    # the editor cannot decide: no decision form
    expect(page.get_by_role("heading", name="Afgør ansøgningen")).to_have_count(0)


def test_the_pool_manager_grants_and_sees_the_balance_fall_and_a_grant_that_does_not_fit_is_explained(page, client):
    world = _world(client)
    pool_id = world["pool"]["id"]
    url = f"{API}/pools/{pool_id}/allocations"
    big = client.post(url, json={"intervention_id": world["own"]["id"], "amount": "45000"}).json()
    small = client.post(url, json={"intervention_id": world["other"]["id"], "amount": "8000"}).json()
    sign_in(page, make_token("pool_manager", name="puljeforvalter"))
    page.goto(f"/puljer/{pool_id}")
    expect(page.get_by_text("2 ansøgninger venter på din afgørelse")).to_be_visible()
    page.get_by_role("link", name=f"Ansøgning {small['id']}").click()
    assert _serious(page) == [], "the decision form"
    expect(page.locator("#tilbage")).to_have_text("50.000,00 kr.")
    page.get_by_role("radio", name="Bevil").check()
    page.get_by_label("Bevilget beløb (kr.)").fill("7.000,00")
    page.get_by_label("Besluttet af (organ)").fill("Styregruppen for Social balance")
    page.get_by_label("Mødedato").fill("2026-03-12")
    page.get_by_role("button", name="Registrér afgørelsen").click()
    expect(page.locator("#f-reason-fejl")).to_contain_text("begrundelse")
    expect(page.get_by_label("Besluttet af (organ)")).to_have_value("Styregruppen for Social balance")
    assert _serious(page) == [], "the decision form with its errors"
    page.get_by_label("Begrundelse").fill("Passer til strategien")
    page.get_by_role("button", name="Registrér afgørelsen").click()
    expect(page.get_by_role("status")).to_contain_text("Bevillingen er registreret")
    expect(page.locator("#tilbage")).to_have_text("43.000,00 kr.")
    expect(page.locator(".facts")).to_contain_text("Styregruppen for Social balance, møde 12.03.2026")

    # the big one does not fit any more: explained beside the amount, the form still filled
    page.goto(f"/puljer/{pool_id}/bevillinger/{big['id']}")
    page.get_by_role("radio", name="Bevil").check()
    page.get_by_label("Begrundelse").fill("Vigtig indsats")
    page.get_by_role("button", name="Registrér afgørelsen").click()
    expect(page.locator("#f-amount-fejl")).to_have_text(re.compile(r"der er kun 43\.000,00 kr\. tilbage", re.I))
    expect(page.get_by_label("Begrundelse")).to_have_value("Vigtig indsats")
    expect(page.get_by_label("Bevilget beløb (kr.)")).to_have_value("45.000,00")
    assert _serious(page) == [], "the grant that does not fit"

    # asking for changes; then the release of part of the granted money
    page.get_by_label("Bed om ændringer").check()
    page.get_by_label("Begrundelse").fill("Søg et mindre beløb")
    page.get_by_role("button", name="Registrér afgørelsen").click()
    expect(page.get_by_role("status")).to_contain_text("bedt om at ændre")
    page.goto(f"/puljer/{pool_id}/bevillinger/{small['id']}")
    assert _serious(page) == [], "the release form"
    page.get_by_label("Beløb der frigives (kr.)").fill("2.000,00")
    page.get_by_role("button", name="Frigiv").click()
    expect(page.get_by_role("status")).to_contain_text("Frigivelsen er registreret")
    expect(page.locator("#tilbage")).to_have_text("45.000,00 kr.")


def test_the_applicant_resubmits_after_changes_are_asked_for(page, client):
    world = _world(client)
    pool_id = world["pool"]["id"]
    row = client.post(
        f"{API}/pools/{pool_id}/allocations", json={"intervention_id": world["own"]["id"], "amount": "60000"}
    ).json()
    client.patch(
        f"{API}/pools/{pool_id}/allocations/{row['id']}", json={"status": "changes_requested", "reason": "For meget"}
    )
    sign_in(page, make_token("editor", "BKF", name="redaktør-bkf"))
    page.goto(f"/puljer/{pool_id}/bevillinger/{row['id']}")
    expect(page.locator(".facts")).to_contain_text("For meget")
    assert _serious(page) == [], "the resubmission form"
    page.get_by_label("Beløb (kr.)").fill("30.000,00")
    page.get_by_role("button", name="Send igen").click()
    expect(page.get_by_role("status")).to_contain_text("sendt igen")
    expect(page.locator(".facts")).to_contain_text("30.000,00 kr.")
