"""Sign in to the web interface with Microsoft (OIDC authorization code + PKCE), against the test identity provider
of tests/oidc_provider.py: the role the claims map to, and every way the answer can be wrong refused with a Danish
message (never a 500)."""

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.db import get_engine
from app.models.web_session import OidcSignIn, WebSession
from tests.factories import create_intervention
from tests.oidc_provider import CLIENT_SECRET, IdentityProvider, configure, s256

CALLBACK = "http://testserver/login/oidc/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    with IdentityProvider().running() as running:
        yield running


@pytest.fixture
def idp(provider, monkeypatch) -> IdentityProvider:
    provider.reset()
    provider.redirect_uris.add(CALLBACK)
    configure(monkeypatch, provider)
    return provider


@pytest.fixture
def web() -> Iterator[TestClient]:
    """A browser without a session: cookies kept, redirects not followed."""
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def start(web: TestClient, idp: IdentityProvider, next_: str = "/") -> dict[str, str]:
    """ "Log ind med Microsoft": the registry's redirect to the provider, as its parameters."""
    response = web.get("/login/oidc", params={"next": next_})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(idp.url("/oauth2/v2.0/authorize") + "?")
    return dict(parse_qsl(urlsplit(location).query))


def at_provider(idp: IdentityProvider, params: dict[str, str], user: str = "bente") -> str:
    """The provider's sign-in page, completed as `user`: the address it sends the browser back to."""
    page = httpx.get(idp.url("/oauth2/v2.0/authorize"), params=params)
    assert page.status_code == 200 and "vælg en bruger" in page.text
    answer = httpx.post(idp.url("/oauth2/v2.0/authorize"), data={**params, "user": user})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def back(web: TestClient, url: str):
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return web.get(f"{parts.path}?{parts.query}")


def sign_in(web: TestClient, idp: IdentityProvider, user: str = "bente", next_: str = "/"):
    return back(web, at_provider(idp, start(web, idp, next_), user))


def refused(response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert "text/html" in response.headers["content-type"]
    assert words in response.text
    assert "sbr_session" not in response.cookies


# --- configured or not -------------------------------------------------------------------------------------


def test_the_button_is_absent_when_oidc_is_not_configured(web):
    page = web.get("/login")
    assert page.status_code == 200
    assert "Log ind med Microsoft" not in page.text and "/login/oidc" not in page.text
    assert "Personligt token" in page.text
    refused(web.get("/login/oidc"), 404, "ikke sat op")
    refused(web.get("/login/oidc/callback?code=x&state=y"), 404, "ikke sat op")


def test_the_button_leads_to_the_provider_with_pkce_state_and_nonce(web, idp):
    page = web.get("/login?next=/puljer")
    assert 'href="/login/oidc?next=/puljer"' in page.text and "Log ind med Microsoft" in page.text
    assert "Personligt token" in page.text  # token sign-in stays
    params = start(web, idp, "/puljer")
    assert params["client_id"] == "c0ffee00-registry-web"
    assert params["response_type"] == "code" and params["redirect_uri"] == CALLBACK
    assert params["scope"].split() == ["openid", "profile"]
    assert params["code_challenge_method"] == "S256"
    with get_engine().connect() as conn:
        [flow] = conn.execute(select(OidcSignIn.__table__)).all()
    assert params["state"] == flow.state and params["nonce"] == flow.nonce
    assert params["code_challenge"] == s256(flow.code_verifier) != flow.code_verifier
    cookie = web.cookies.get("sbr_oidc")
    assert cookie and cookie not in (flow.id, flow.state)  # the table keeps only the cookie's SHA-256


# --- signed in ---------------------------------------------------------------------------------------------


def test_an_editor_signs_in_with_the_mapped_role_and_signs_out(web, idp, client):
    own = create_intervention(client, name="Læsevenner", department="BKF")
    other = create_intervention(client, name="Grønne gårde", department="BMF")
    response = sign_in(web, idp, "bente", next_=f"/indsatser/{own['id']}")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/indsatser/{own['id']}"
    assert "sbr_oidc" not in web.cookies  # the sign-in is over
    page = web.get(f"/indsatser/{own['id']}")
    assert page.status_code == 200
    assert "oidc:bente@gladsaxe.dk" in page.text and "Redaktør for BKF" in page.text
    assert "Du kan ændre denne indsats" in page.text
    assert "Du kan ændre denne indsats" not in web.get(f"/indsatser/{other['id']}").text
    with get_engine().connect() as conn:
        [row] = conn.execute(select(WebSession.__table__)).all()
    # the actor the audit log names: the same as for the API's OIDC bearer tokens (tests/test_access.py)
    assert (row.actor, row.role, row.department_code, row.api_token_id) == (
        "oidc:bente@gladsaxe.dk",
        "editor",
        "BKF",
        None,
    )
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    out = web.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/login?ud=1"
    assert web.get("/indsatser").status_code == 303  # to the sign-in page again


def test_a_group_maps_to_a_role_and_a_public_client_works_too(web, idp, monkeypatch):
    configure(monkeypatch, idp, secret=False)
    assert sign_in(web, idp, "palle").status_code == 303
    assert "client_secret" not in idp.token_requests[-1]
    assert "Puljeforvalter" in web.get("/").text


def test_an_oidc_session_ends_when_idle_like_a_token_session(web, idp):
    from datetime import timedelta

    from app.models.types import utcnow

    assert sign_in(web, idp).status_code == 303
    with get_engine().begin() as conn:
        conn.execute(update(WebSession.__table__).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    response = web.get("/puljer")
    assert response.status_code == 303 and "udloebet=1" in response.headers["location"]


# --- refused -----------------------------------------------------------------------------------------------


def test_a_user_without_a_role_of_the_registry_is_refused_in_danish(web, idp):
    refused(sign_in(web, idp, "ulla"), 403, "Din Microsoft-konto har ingen rolle i registret")
    assert web.get("/").status_code == 303


def test_a_wrong_state_is_refused(web, idp):
    url = at_provider(idp, start(web, idp))
    refused(back(web, url.replace("state=", "state=x")), 400, "hørte ikke til dette log ind")
    assert idp.token_requests == []  # the code was never used
    refused(back(web, url), 400, "Prøv igen")  # and the sign-in is spent: no second try with the right state


def test_an_answer_without_the_browser_that_started_it_is_refused(web, idp):
    url = at_provider(idp, start(web, idp))
    web.cookies.clear()  # another browser, e.g. a link sent to somebody (login CSRF)
    refused(back(web, url), 400, "tog for lang tid eller blev startet i et andet vindue")
    assert idp.token_requests == []


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(web, idp):
    url = at_provider(idp, start(web, idp))
    with get_engine().begin() as conn:  # the verifier the registry holds no longer matches the challenge it sent
        conn.execute(update(OidcSignIn.__table__).values(code_verifier="x" * 86))
    refused(back(web, url), 401, "Microsoft godkendte ikke log ind")
    assert idp.refusals == ["PKCE code_verifier does not match the code_challenge"]


def test_the_provider_refuses_a_code_without_its_verifier(idp):
    params = {
        "client_id": "c0ffee00-registry-web",
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid",
        "state": "s",
        "nonce": "n",
        "code_challenge": s256("v" * 50),
        "code_challenge_method": "S256",
    }
    code = dict(parse_qsl(urlsplit(at_provider(idp, params)).query))["code"]
    answer = httpx.post(
        idp.url("/oauth2/v2.0/token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": params["client_id"],
            "client_secret": CLIENT_SECRET,
        },
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    # and the provider refuses a request without an S256 challenge
    plain = {**params, "code_challenge_method": "plain", "code_challenge": "v" * 50}
    assert httpx.get(idp.url("/oauth2/v2.0/authorize"), params=plain).status_code == 307


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"nonce": "a-nonce-from-another-sign-in"}, "nonce"),
        ({"nonce": None}, "no nonce"),
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "https://login.microsoftonline.com/another-tenant/v2.0"}, "issuer"),
        ({"exp": 1_000_000_000, "iat": 999_999_000, "nbf": 999_999_000}, "expired"),
    ],
)
def test_an_id_token_with_a_wrong_claim_is_refused(web, idp, claims, why):
    idp.tamper = claims
    refused(sign_in(web, idp), 401, "Svaret fra Microsoft kunne ikke godkendes")


def test_an_id_token_signed_with_another_key_is_refused(web, idp):
    from cryptography.hazmat.primitives.asymmetric import rsa

    assert sign_in(web, idp).status_code == 303  # the registry has read the provider's keys
    web.cookies.clear()
    idp.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # same kid, not its key
    refused(sign_in(web, idp), 401, "Svaret fra Microsoft kunne ikke godkendes")


def test_a_key_the_provider_rotated_in_is_fetched(web, idp):
    from cryptography.hazmat.primitives.asymmetric import rsa

    assert sign_in(web, idp).status_code == 303
    web.cookies.clear()
    old = (idp.key, idp.kid)
    idp.key, idp.kid = rsa.generate_private_key(public_exponent=65537, key_size=2048), "rotated-key"
    try:
        assert sign_in(web, idp).status_code == 303
    finally:
        idp.key, idp.kid = old


def test_the_provider_saying_no_is_shown_in_danish(web, idp):
    url = at_provider(idp, start(web, idp), user="")  # "Annullér" at the provider
    assert "error=access_denied" in url
    refused(back(web, url), 401, "Microsoft loggede dig ikke ind")


def test_an_unreachable_provider_is_a_danish_message_not_a_500(web, idp, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "oidc_issuer", "http://127.0.0.1:9/nowhere/v2.0")
    refused(web.get("/login/oidc"), 502, "Microsoft kan ikke nås lige nu")
    page = web.get("/login")
    assert "Log ind med Microsoft" in page.text


def test_behind_https_the_redirect_uri_is_https(web, idp):
    idp.redirect_uris.add("https://testserver/login/oidc/callback")
    response = web.get("/login/oidc", headers={"X-Forwarded-Proto": "https"})
    params = dict(parse_qsl(urlsplit(response.headers["location"]).query))
    assert params["redirect_uri"] == "https://testserver/login/oidc/callback"
    assert "secure" in response.headers["set-cookie"].lower()


def test_an_overlong_next_is_a_danish_page_not_a_500(web, idp):
    response = web.get("/login/oidc", params={"next": "/" + "a" * 2100})
    assert response.status_code == 422 and "text/html" in response.headers["content-type"]
    assert web.get("/login/oidc", params={"next": "//evil.example/"}).status_code == 303
    with get_engine().connect() as conn:
        assert conn.execute(select(OidcSignIn.__table__.c.next_path)).scalar_one() == "/"  # only this site's pages


def test_an_answer_after_ten_minutes_is_refused(web, idp):
    from datetime import timedelta

    from app.models.types import utcnow

    url = at_provider(idp, start(web, idp))
    with get_engine().begin() as conn:
        conn.execute(update(OidcSignIn.__table__).values(created_at=utcnow() - timedelta(minutes=11)))
    refused(back(web, url), 400, "tog for lang tid")
    assert idp.token_requests == []
