"""Issue 13 ("Hardening"), items 11, 12, 16 and 17: what a browser, a scraper, a load balancer and a client
generator see of the service. Every test goes through HTTP and runs on SQLite and PostgreSQL."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from app.config import get_settings
from app.db import get_engine
from tests.conftest import make_token
from tests.factories import API, assert_problem, create_intervention

# --- item 11: who may read what, security headers, no redirect built from the Host header --------------------


def test_metrics_need_a_token(anonymous, monkeypatch):
    assert_problem(anonymous.get("/metrics"), 401)
    assert_problem(anonymous.get("/metrics", headers={"Authorization": "Bearer sbr_not-a-token"}), 401)
    reader = {"Authorization": f"Bearer {make_token('reader')}"}
    answer = anonymous.get("/metrics", headers=reader)
    assert answer.status_code == 200 and "registry_http_requests_total" in answer.text
    # PUBLIC_READ opens the registry's data, not the operator's figures.
    monkeypatch.setattr(get_settings(), "public_read", True)
    assert_problem(anonymous.get("/metrics"), 401)


def test_metrics_accept_the_scrape_token_and_nothing_else_does(anonymous, monkeypatch):
    monkeypatch.setattr(get_settings(), "metrics_token", "scrape-secret-0123456789abcdef")
    scraper = {"Authorization": "Bearer scrape-secret-0123456789abcdef"}
    assert anonymous.get("/metrics", headers=scraper).status_code == 200
    assert_problem(anonymous.get("/metrics", headers={"Authorization": "Bearer scrape-secret-wrong"}), 401)
    # The scrape token opens the metrics only, never the registry's data.
    assert_problem(anonymous.get(f"{API}/interventions", headers=scraper), 401)


def test_documentation_stays_public(anonymous):
    """The decision of item 11: /docs, /redoc and /openapi.json document a public contract (the same document is
    committed in the repository) and a browser cannot send a bearer token when it opens a page, so they answer
    without one; /health too. Everything else needs a token (the README says so)."""
    for path in ("/docs", "/redoc", "/openapi.json", "/health"):
        assert anonymous.get(path).status_code == 200, path
    spec = anonymous.get("/openapi.json").json()
    public = {path for path, item in spec["paths"].items() for op in item.values() if not op.get("security")}
    assert public == {"/health"}


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _assert_security_headers(answer, where: str) -> str:
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, f"{where}: {name}={answer.headers.get(name)!r}"
    csp = answer.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, f"{where}: {csp!r}"
    return csp


def test_security_headers_on_every_answer(client, anonymous):
    created = create_intervention(client)
    one = f"{API}/interventions/{created['id']}"
    answers = {
        "json 200": client.get(one),
        "json 201": client.post(f"{API}/tokens", json={"name": "hdr", "role": "reader"}),
        "problem 401": anonymous.get(f"{API}/interventions"),
        "problem 404": client.get(f"{API}/interventions/999999"),
        "problem 405": client.put(f"{API}/interventions"),
        "problem 413": client.post(f"{API}/interventions", content=b"x" * (get_settings().max_body_bytes + 1)),
        "problem 422": client.post(f"{API}/interventions", json={}),
        "csv": client.get(f"{API}/exports/interventions?format=csv"),
        "health": anonymous.get("/health"),
        "openapi": anonymous.get("/openapi.json"),
        "docs": anonymous.get("/docs"),
        "redoc": anonymous.get("/redoc"),
        "case html": client.get(f"{one}/case?format=html"),
        "unknown path": anonymous.get("/nothing-here"),
    }
    for where, answer in answers.items():
        assert answer.status_code < 500, where
        csp = _assert_security_headers(answer, where)
        if answer.headers["content-type"].startswith("text/html"):
            directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip())
            assert directives.get("default-src") == "'none'", f"{where}: {csp}"
            assert "unsafe-inline" not in directives.get("script-src", ""), f"{where}: {csp}"
            assert "unsafe-eval" not in csp, f"{where}: {csp}"
        else:
            assert csp.startswith("default-src 'none'"), f"{where}: {csp}"


def test_security_headers_on_an_unexpected_error(client, monkeypatch):
    """A 500 is a bug, but even its answer is sent with the headers (Starlette's ServerErrorMiddleware answers it
    outside the middleware of the app)."""
    from app.routers import reference

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(reference.reference, "list_themes", broken)
    answer = client.get(f"{API}/themes")
    assert_problem(answer, 500)
    assert _assert_security_headers(answer, "500") == "default-src 'none'; frame-ancestors 'none'"
    assert answer.headers["cache-control"] == "no-store"


def test_answers_that_carry_a_token_are_not_stored(client, anonymous):
    created = client.post(f"{API}/tokens", json={"name": "no-store", "role": "reader"})
    assert created.status_code == 201 and created.json()["token"].startswith("sbr_")
    assert "no-store" in created.headers.get("cache-control", "")
    # An answer to an authenticated request holds data the token may see: no cache keeps it.
    assert "no-store" in client.get(f"{API}/interventions").headers.get("cache-control", "")
    assert "no-store" in client.get(f"{API}/tokens").headers.get("cache-control", "")
    # The read cache still honours a request's own Cache-Control.
    fresh = client.get(f"{API}/rollups/budget?by=year", headers={"Cache-Control": "no-cache"})
    assert fresh.status_code == 200 and "no-store" in fresh.headers.get("cache-control", "")


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_no_redirect_is_built_from_the_host_header(client, method):
    for path in (f"{API}/interventions/", f"{API}/pools/", f"{API}/tokens/", "/health/"):
        answer = client.request(method, path, headers={"Host": "evil.example"}, follow_redirects=False)
        assert "evil.example" not in answer.headers.get("location", ""), f"{method} {path}"
        assert not 300 <= answer.status_code < 400, f"{method} {path}: {answer.status_code}"
        assert_problem(answer, 404)


# --- item 12: /health knows whether the schema is the one this code expects ---------------------------------


def _expected_head() -> str:
    from alembic.script import ScriptDirectory

    from app.cli import _alembic_config

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


@contextmanager
def _schema_changed(change: str, restore: str) -> Iterator[None]:
    with get_engine().begin() as conn:
        conn.execute(text(change))
    try:
        yield
    finally:
        with get_engine().begin() as conn:
            conn.execute(text(restore))


def test_health_is_unchanged_at_the_migration_head(anonymous):
    answer = anonymous.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": get_engine().dialect.name}


def test_health_is_503_when_the_schema_is_missing(anonymous):
    """An empty database has no alembic_version table (nor any other)."""
    with _schema_changed(
        "ALTER TABLE alembic_version RENAME TO alembic_version_hidden",
        "ALTER TABLE alembic_version_hidden RENAME TO alembic_version",
    ):
        answer = anonymous.get("/health")
        problem = assert_problem(answer, 503)
        assert problem["type"] == "/problems/schema-not-current"
        assert "registry migrate" in problem["detail"] and problem["expected_revision"] == _expected_head()
        assert problem["database_revision"] is None
    assert anonymous.get("/health").status_code == 200


def test_health_is_503_when_the_schema_has_no_revision(anonymous):
    head = _expected_head()
    with _schema_changed("DELETE FROM alembic_version", f"INSERT INTO alembic_version (version_num) VALUES ('{head}')"):
        problem = assert_problem(anonymous.get("/health"), 503)
        assert problem["type"] == "/problems/schema-not-current" and problem["database_revision"] is None
    assert anonymous.get("/health").status_code == 200


@pytest.mark.parametrize("revision", ["0001", "9999"])
def test_health_is_503_when_the_schema_is_behind_or_ahead(anonymous, revision):
    head = _expected_head()
    with _schema_changed(
        f"UPDATE alembic_version SET version_num = '{revision}'",
        f"UPDATE alembic_version SET version_num = '{head}'",
    ):
        problem = assert_problem(anonymous.get("/health"), 503)
        assert problem["database_revision"] == revision and problem["expected_revision"] == head
        assert revision in problem["detail"] and head in problem["detail"]
    assert anonymous.get("/health").status_code == 200


# --- item 16: the OpenAPI document declares the bearer scheme -----------------------------------------------


def test_openapi_declares_the_bearer_scheme_on_every_operation_but_health(anonymous):
    spec = anonymous.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert len(schemes) == 1
    ((name, scheme),) = schemes.items()
    assert scheme["type"] == "http" and scheme["scheme"].lower() == "bearer"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if path == "/health":
                assert not op.get("security"), f"{method} {path}"
            else:
                assert op.get("security") == [{name: []}], f"{method} {path}"
                assert "401" in op["responses"], f"{method} {path}"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer sbr_not-a-token", "bearer sbr_x y", "Token abc"],
)
def test_missing_or_bad_tokens_answer_401_problem_as_before(anonymous, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in (("GET", f"{API}/interventions"), ("POST", f"{API}/tokens"), ("GET", "/metrics")):
        answer = anonymous.request(method, path, headers=headers, json={"name": "x", "role": "reader"})
        problem = assert_problem(answer, 401)
        assert problem["type"] == "/problems/unauthorized", f"{method} {path}"
        assert answer.headers["www-authenticate"].startswith("Bearer"), f"{method} {path}"


# --- item 17: the documentation pages need nothing but the service ------------------------------------------


class _References(HTMLParser):
    """Every URL a page makes the browser load or follow, and whether it has an inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value and (name in ("src", "href", "spec-url", "action", "poster") or name.startswith("data-")):
                if name.startswith("data-") and not value.startswith(("/", "http", "//")):
                    continue
                self.urls.append(value)
        self._in_script_without_src = tag == "script" and not attrs.get("src")

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script_without_src = False


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_only_local_assets(anonymous, page):
    answer = anonymous.get(page)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I), "an external URL in the page"
    refs = _References()
    refs.feed(html)
    assert refs.inline_scripts == 0, "an inline script: the page's CSP would block it"
    scripts = [u for u in refs.urls if u.endswith(".js")]
    assert scripts, refs.urls
    assert "/openapi.json" in refs.urls
    for url in refs.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url
        asset = anonymous.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 0, url
        if url.endswith(".js"):
            assert "javascript" in asset.headers["content-type"], url
        if url.endswith(".css"):
            assert asset.headers["content-type"].startswith("text/css"), url
    # The page's CSP lets exactly these load: its scripts from the service itself.
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
