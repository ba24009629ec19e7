"""The web interface through HTTP (the browser tests in tests/browser/ drive the same pages in Chromium): the
session cookie's flags, the form tokens, where sign-in leads back to, and the pages' place beside the API."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories import API, create_intervention


@pytest.fixture
def web() -> TestClient:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sign_in(web: TestClient, token: str, *, headers: dict | None = None, next_: str = "/"):
    csrf = _form_token(web.get("/login", headers=headers).text)
    return web.post("/login", data={"token": token, "csrf_token": csrf, "next": next_}, headers=headers)


def test_pages_need_a_session_and_say_where_to_sign_in(web):
    for path in ("/", "/indsatser", "/indsatser/1", "/puljer", "/puljer/1", "/oversigt/budget-pr-tema.csv"):
        answer = web.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")


def test_session_cookie_is_httponly_lax_and_secure_behind_https(web, admin_token):
    answer = _sign_in(web, admin_token)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert "sbr_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie.split("sbr_login_csrf")[0]

    # Behind a proxy that ends HTTPS: the browser sees https, so every cookie is Secure (a plain-HTTP test client
    # would not send them back by itself: the form's cookie goes along by hand).
    proxied = {"X-Forwarded-Proto": "https"}
    web.cookies.clear()
    form = web.get("/login", headers=proxied)
    assert "Secure" in form.headers["set-cookie"]
    csrf = _form_token(form.text)
    answer = web.post(
        "/login",
        data={"token": admin_token, "csrf_token": csrf},
        headers={**proxied, "Cookie": f"sbr_login_csrf={csrf}"},
    )
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"].split("sbr_login_csrf")[0]


def test_sign_in_needs_the_form_token(web, admin_token):
    web.get("/login")
    answer = web.post("/login", data={"token": admin_token, "csrf_token": "forged", "next": "/"})
    assert answer.status_code == 403
    assert "sbr_session" not in answer.headers.get("set-cookie", "")
    # a post from another site is refused even with a matching token pair
    csrf = _form_token(web.get("/login").text)
    answer = web.post(
        "/login", data={"token": admin_token, "csrf_token": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403


def test_sign_out_needs_the_session_form_token(web, admin_token):
    _sign_in(web, admin_token)
    page = web.get("/")
    assert page.status_code == 200
    assert web.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert web.get("/").status_code == 200  # still signed in
    answer = web.post("/logout", data={"csrf_token": _form_token(page.text)})
    assert answer.status_code == 303
    assert web.get("/").status_code == 303


def test_sign_in_leads_back_only_to_this_site(web, admin_token):
    assert _sign_in(web, admin_token, next_="/puljer?year=2021").headers["location"] == "/puljer?year=2021"
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        web.cookies.clear()
        assert _sign_in(web, admin_token, next_=elsewhere).headers["location"] == "/"


def test_a_wrong_token_answers_401_in_danish(web):
    answer = _sign_in(web, "sbr_nope")
    assert answer.status_code == 401
    assert 'lang="da"' in answer.text and "ukendt eller spærret" in answer.text


def test_pages_are_not_in_the_openapi_document_and_carry_security_headers(web, client, admin_token):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/api/", "/health", "/metrics"))], list(paths)
    _sign_in(web, admin_token)
    answer = web.get("/")
    assert answer.status_code == 200
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    assert web.get("/static/style.css").status_code == 200


def test_page_views_do_not_empty_the_read_cache(web, client, admin_token):
    """Session bookkeeping is not registry data: using the pages gives the data no new version."""
    create_intervention(client)
    _sign_in(web, admin_token)
    first = client.get(f"{API}/interventions")
    etag = first.headers.get("etag")
    for _ in range(3):
        assert web.get("/indsatser").status_code == 200
    from app.core import read_cache
    from app.db import open_session

    with open_session() as session:
        version = read_cache.data_version(session)
    web.get("/")
    with open_session() as session:
        assert read_cache.data_version(session) == version
    assert client.get(f"{API}/interventions").headers.get("etag") == etag


def test_unknown_case_is_a_danish_404_page(web, admin_token):
    _sign_in(web, admin_token)
    answer = web.get("/indsatser/999999")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Siden findes ikke" in answer.text
    assert web.get("/oversigt/findes-ikke.csv").status_code == 404
    assert web.get("/indsatser?cursor=garbage").status_code == 422


def test_overview_figures_are_the_apis_and_share_its_read_cache(web, client, admin_token):
    create_intervention(
        client,
        themes=["T2", "T5"],
        budget_lines=[{"year": 2021, "category": "Løn", "funding_source": "LBF", "amount": "1000.01"}],
    )
    from app.core import read_cache

    read_cache.reset()
    api = client.get(f"{API}/rollups/budget", params={"by": "theme", "year_from": 2021}).json()
    _sign_in(web, admin_token)
    hits = read_cache.cache().hits
    download = web.get("/oversigt/budget-pr-tema.csv", params={"year_from": 2021})
    assert download.status_code == 200
    assert read_cache.cache().hits > hits  # the API's computed answer, not a second computation
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Tema,Gældende budget (kr.),Forbrug (kr.)")
    shown = {line.split(",")[0].split(" ")[0]: line.split(",")[1] for line in lines[1:]}
    assert {r["theme"]: r["revised"] for r in api["rows"]} == {k: v for k, v in shown.items() if k != "I"}
    assert shown["I"] == api["total"]["revised"] == "1000.01"  # the "I alt" row
    # a second view takes the five rollups from the cache; a hard reload (Cache-Control: no-cache) computes them
    assert web.get("/").status_code == 200
    hits = read_cache.cache().hits
    assert web.get("/", headers={"Cache-Control": "no-cache"}).status_code == 200
    assert read_cache.cache().hits == hits + 1  # only the filter fields' choices (reference data)
    assert web.get("/").status_code == 200
    assert read_cache.cache().hits == hits + 1 + 6
