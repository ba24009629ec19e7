"""The web import page through HTTP (tests/browser/test_imports.py drives it in Chromium): who may use it, the
form token, the dry run's report by row and column in Danish, apply with one click (once, re-checked), and the
uploaded file kept per session and for a limited time."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_token
from tests.factories import API

HEADER = (
    "external_id,name,kind,status,department,themes,budget_year,budget_category,budget_funding_source,budget_amount"
)
GOOD = (
    HEADER + "\r\n"
    'WEB-1,Læsevenner i Værebro,project,planned,BKF,T4,2026,Løn,SOB-PULJE,"1234,50"\r\n'
    "WEB-2,Grønne gårde,project,planned,BKF,T9,2026,Løn,SOB-PULJE,100\r\n"
).encode()
BAD = (HEADER + "\r\nWEB-1,Læsevenner,project,planned,BKF,T99,2026,Løn,SOB-PULJE,12x\r\n").encode()


@pytest.fixture
def web() -> TestClient:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sign_in(web: TestClient, token: str) -> str:
    csrf = _token(web.get("/login").text)
    assert web.post("/login", data={"token": token, "csrf_token": csrf}).status_code == 303
    return _token(web.get("/importer").text)


def _upload(web: TestClient, csrf: str, body: bytes, name: str = "indsatser.csv", **extra):
    return web.post(
        "/importer", data={"csrf_token": csrf, **extra}, files={"file": (name, body, "application/octet-stream")}
    )


def test_only_roles_that_may_import_see_the_page_and_its_menu_link(web, admin_token):
    for role, department in (("reader", None), ("pool_manager", None)):
        _sign_in_page = web.get("/login")
        csrf = _token(_sign_in_page.text)
        web.post("/login", data={"token": make_token(role, department), "csrf_token": csrf})
        assert 'href="/importer"' not in web.get("/").text
        refused = web.get("/importer")
        assert refused.status_code == 403 and "Kun administratorer og redaktører kan importere" in refused.text
        assert web.get("/importer/skabelon").status_code == 403
        form = _token(web.get("/").text)
        assert _upload(web, form, GOOD).status_code == 403
        web.cookies.clear()
    _sign_in(web, make_token("editor", "BKF"))
    page = web.get("/")
    assert 'href="/importer"' in page.text and "Importér" in page.text
    assert web.get("/importer").status_code == 200


def test_a_file_with_errors_shows_every_problem_by_row_and_column_in_danish(web, client, admin_token):
    csrf = _sign_in(web, admin_token)
    answer = _upload(web, csrf, BAD)
    assert answer.status_code == 422
    html = answer.text
    assert "Filen kan ikke importeres" in html and "Intet er gemt" in html
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    assert ("2", "Temaer", "ukendt temakode: &#39;T99&#39;") in rows
    amount = [r for r in rows if r[1] == "Beløb (kr.)"]
    assert amount and amount[0][0] == "2" and "skal være et tal" in amount[0][2]
    assert client.get(f"{API}/interventions").json()["items"] == []


def test_a_good_file_dry_run_counts_then_apply_creates_once(web, client, admin_token):
    older = GOOD.split(b"\r\n")[:2]  # WEB-1 under an older name: updated; WEB-2 is new
    client.post(
        f"{API}/imports/interventions",
        content=b"\r\n".join(older).replace(" i Værebro".encode(), b""),
        headers={"content-type": "text/csv"},
    )
    csrf = _sign_in(web, admin_token)
    answer = _upload(web, csrf, GOOD)
    assert answer.status_code == 303
    report_url = answer.headers["location"]
    page = web.get(report_url)
    assert page.status_code == 200 and "Prøvekørsel" in page.text
    for action, count in (("created", 1), ("updated", 1), ("unchanged", 0)):
        assert re.search(f'data-count="{action}">{count}<', page.text), action
    assert client.get(f"{API}/interventions", params={"external_id": "WEB-2"}).json()["items"] == []

    apply_url = re.search(r'action="(/importer/[^"]+/anvend)"', page.text).group(1)
    assert web.post(apply_url, data={"csrf_token": "forkert"}).status_code == 403  # the form token is checked
    done = web.post(apply_url, data={"csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"] == report_url
    result = web.get(report_url).text
    assert "Importen er gennemført" in result and re.search(r'data-count="created">1<', result)
    created = client.get(f"{API}/interventions", params={"external_id": "WEB-2"}).json()["items"]
    assert len(created) == 1 and f'href="/indsatser/{created[0]["id"]}"' in result
    updated = client.get(f"{API}/interventions", params={"external_id": "WEB-1"}).json()["items"]
    assert updated[0]["name"] == "Læsevenner i Værebro" and updated[0]["budget_total"] == "1234.50"
    # A second click (or a reload of the post) imports nothing again
    assert web.post(apply_url, data={"csrf_token": csrf}).status_code == 303
    assert len(client.get(f"{API}/interventions").json()["items"]) == 2


def test_apply_checks_again_against_the_registry_as_it_is_now(web, client, admin_token):
    csrf = _sign_in(web, admin_token)
    report_url = _upload(web, csrf, GOOD, strategy="create").headers["location"]
    apply_url = re.search(r'action="(/importer/[^"]+/anvend)"', web.get(report_url).text).group(1)
    # Meanwhile somebody registers WEB-2: a create-only import no longer passes
    client.post(f"{API}/imports/interventions", content=GOOD, headers={"content-type": "text/csv"})
    answer = web.post(apply_url, data={"csrf_token": csrf})
    assert answer.status_code == 422
    assert "Importen blev ikke gennemført" in answer.text and "findes allerede i registret" in answer.text
    assert "Nøgle" in answer.text


def test_an_upload_belongs_to_its_session_and_expires(web, admin_token, monkeypatch):
    csrf = _sign_in(web, admin_token)
    report_url = _upload(web, csrf, GOOD).headers["location"]
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as other:
        _sign_in(other, admin_token)  # the same person in another session
        assert other.get(report_url).status_code == 404
    from app.services import import_uploads

    monkeypatch.setattr(import_uploads, "utcnow", _later)
    gone = web.get(report_url)
    assert gone.status_code == 404 and "Filen gemmes ikke længere" in gone.text


def _later():
    from app.models.types import utcnow

    return utcnow() + timedelta(hours=2)


def test_the_form_token_and_the_file_kind_are_checked(web, admin_token):
    csrf = _sign_in(web, admin_token)
    assert _upload(web, "forkert", GOOD).status_code == 403
    answer = _upload(web, csrf, b"%PDF-1.4", name="indsatser.pdf")
    assert answer.status_code == 422 and "hverken CSV, XLSX eller JSON" in answer.text
    answer = web.post("/importer", data={"csrf_token": csrf})
    assert answer.status_code == 422 and "Vælg en fil" in answer.text


def test_the_template_downloads_from_the_page(web, admin_token):
    _sign_in(web, admin_token)
    page = web.get("/importer").text
    assert 'href="/importer/skabelon?format=xlsx"' in page
    xlsx = web.get("/importer/skabelon?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in xlsx.headers["content-disposition"]
    csv = web.get("/importer/skabelon?format=csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")


def test_an_editor_is_told_which_rows_belong_to_another_department(web, client):
    csrf = _sign_in(web, make_token("editor", "SSF"))
    answer = _upload(web, csrf, GOOD)
    assert answer.status_code == 422
    assert "som redaktør for SSF kan du ikke importere indsatser, der hører til BKF" in answer.text
    assert client.get(f"{API}/interventions").json()["items"] == []
