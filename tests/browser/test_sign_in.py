"""Sign in and out in a real browser: a wrong token, an expired session, and the cookie's flags."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from app.db import get_engine
from app.models.types import utcnow
from app.models.web_session import WebSession
from tests.browser.conftest import sign_in


def test_sign_in_and_out(page, admin_token):
    page.goto("/indsatser")
    assert "/login" in page.url  # nobody signed in: the sign-in page
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind")

    page.get_by_label("Personligt token").fill(admin_token)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/indsatser")  # back to the page asked for
    expect(page.get_by_role("heading", level=1)).to_have_text("Indsatser")
    expect(page.locator(".who")).to_contain_text("test-admin")
    expect(page.locator(".who")).to_contain_text("Administrator")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "sbr_session"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain HTTP here; behind HTTPS it is Secure (tests/test_web.py)

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("status")).to_contain_text("logget ud")
    assert not [c for c in page.context.cookies() if c["name"] == "sbr_session"]
    page.goto("/")
    assert "/login" in page.url


def test_a_wrong_token_is_refused(page, admin_token):
    page.goto("/login")
    page.get_by_label("Personligt token").fill("sbr_not-a-token-of-this-registry")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("alert")).to_contain_text("ukendt eller spærret")
    expect(page.get_by_label("Personligt token")).to_have_attribute("aria-invalid", "true")
    assert not [c for c in page.context.cookies() if c["name"] == "sbr_session"]
    page.goto("/")
    assert "/login" in page.url


def test_an_idle_session_expires(page, admin_token):
    sign_in(page, admin_token)
    expect(page.get_by_role("heading", level=1)).to_have_text("Overblik over Social balance")
    # 31 minutes without a request (the default idle limit is 30)
    with get_engine().begin() as conn:
        conn.execute(update(WebSession.__table__).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    page.goto("/puljer")
    assert "/login" in page.url
    expect(page.get_by_role("status")).to_contain_text("udløbet")
    page.get_by_label("Personligt token").fill(admin_token)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/puljer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Puljer")


def test_a_revoked_token_ends_its_sessions(page, client):
    created = client.post("/api/v1/tokens", json={"name": "kortvarig", "role": "reader"}).json()
    sign_in(page, created["token"])
    expect(page.locator(".who")).to_contain_text("Læser")
    assert client.delete(f"/api/v1/tokens/{created['id']}").status_code in (200, 204)
    page.goto("/")
    assert "/login" in page.url
