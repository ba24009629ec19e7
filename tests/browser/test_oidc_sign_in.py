"""Sign in with Microsoft in a real browser: the button, the identity provider's page (the test provider of
tests/oidc_provider.py, on 127.0.0.2, so another site than the registry as Microsoft is), back signed in with the
role the claims map to, signing out; a person without a role of the registry; the page's accessibility."""

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import create_intervention
from tests.oidc_provider import IdentityProvider, configure

axe = Axe()


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    with IdentityProvider(host="127.0.0.2").running() as running:
        yield running


@pytest.fixture
def idp(provider, server, monkeypatch) -> IdentityProvider:
    provider.reset()
    provider.redirect_uris.add(f"{server}/login/oidc/callback")
    configure(monkeypatch, provider)
    return provider


def _cookies(page) -> dict[str, dict]:
    return {c["name"]: c for c in page.context.cookies()}


def test_a_bkf_editor_signs_in_with_microsoft_and_out_again(page, idp, client):
    own = create_intervention(client, name="Læsevenner i Mørkhøj", department="BKF")
    other = create_intervention(client, name="Grønne gårde", department="BMF")
    page.goto(f"/indsatser/{own['id']}")
    assert "/login" in page.url
    page.get_by_role("link", name="Log ind med Microsoft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test-IdP: vælg en bruger")
    assert page.url.startswith(idp.url("/oauth2/v2.0/authorize"))
    page.get_by_role("button", name="Bente Hansen").click()

    page.wait_for_url(f"**/indsatser/{own['id']}")  # back to the page asked for
    expect(page.get_by_role("heading", level=1)).to_have_text("Læsevenner i Mørkhøj")
    expect(page.locator(".who")).to_contain_text("oidc:bente@gladsaxe.dk")
    expect(page.locator(".who")).to_contain_text("Redaktør for BKF")
    expect(page.get_by_text("Du kan ændre denne indsats")).to_be_visible()
    page.goto(f"/indsatser/{other['id']}")  # another department's: readable, not changeable
    expect(page.get_by_role("heading", level=1)).to_have_text("Grønne gårde")
    expect(page.get_by_text("Du kan ændre denne indsats")).to_have_count(0)
    cookies = _cookies(page)
    assert cookies["sbr_session"]["httpOnly"] is True and cookies["sbr_session"]["sameSite"] == "Lax"
    assert "sbr_oidc" not in cookies  # the sign-in's own cookie is gone

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("status")).to_contain_text("logget ud")
    assert "sbr_session" not in _cookies(page)
    page.goto("/")
    assert "/login" in page.url


def test_a_person_without_a_role_of_the_registry_is_told_so_in_danish(page, idp):
    page.goto("/login")
    page.get_by_role("link", name="Log ind med Microsoft").click()
    page.get_by_role("button", name="Ulla Uden Rolle").click()
    expect(page.get_by_role("alert")).to_contain_text("Din Microsoft-konto har ingen rolle i registret")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind")
    expect(page.get_by_label("Personligt token")).not_to_have_attribute("aria-invalid", "true")
    assert "sbr_session" not in _cookies(page)


def test_cancelling_at_microsoft_comes_back_to_the_sign_in_page(page, idp):
    page.goto("/login")
    page.get_by_role("link", name="Log ind med Microsoft").click()
    page.get_by_role("button", name="Annullér").click()
    expect(page.get_by_role("alert")).to_contain_text("Microsoft loggede dig ikke ind")
    expect(page.get_by_role("link", name="Log ind med Microsoft")).to_be_visible()


def test_the_sign_in_page_with_the_button_passes_axe(page, idp):
    page.goto("/login")
    expect(page.get_by_role("link", name="Log ind med Microsoft")).to_be_visible()
    result = axe.run(page)
    assert result.response["violations"] == [], result.generate_report()
    page.goto("/login/oidc/callback?state=forkert")  # with an error message
    expect(page.get_by_role("alert")).to_be_visible()
    result = axe.run(page)
    assert result.response["violations"] == [], result.generate_report()


def test_the_button_is_absent_when_oidc_is_not_configured(page):
    page.goto("/login")
    expect(page.get_by_label("Personligt token")).to_be_visible()
    expect(page.get_by_role("link", name="Log ind med Microsoft")).to_have_count(0)
