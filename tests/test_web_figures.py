"""The report's data in the browser, through HTTP (tests/browser/test_figures.py drives it in Chromium): loading
survey and register figures (/importer/tal: dry run by row and column in Danish, apply once, the template of a
round), the rounds (/rapport/runder) and the framework's indicators (/rapport/indikatorer); who may use each, the
form token, and refused forms that keep what was typed."""

import html
import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.conftest import make_token
from tests.factories import API
from tests.test_web_imports import GOOD as INTERVENTIONS

ROUND = {
    "code": "bu-2027",
    "name": "Borgerundersøgelse 2027",
    "kind": "survey",
    "year": 2027,
    "weights": [{"area": "hoeje-gladsaxe", "respondents": 400, "population": 5000}],
}
GOOD = "Runde;Indikator;Område;Værdi\r\nbu-2027;3;hoeje-gladsaxe;61,5\r\nbu-2027;3;Værebro Park;58\r\n".encode()
BAD = (
    "Runde;Indikator;Område;Værdi\r\n"
    "bu-2027;3;hoeje-gladsaxe;61x\r\n"
    "bu-2099;99;atlantis;58\r\n"
    "bu-2027;3;hoeje-gladsaxe;62\r\n"
).encode()


@pytest.fixture
def web() -> TestClient:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def _token(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def _sign_in(web: TestClient, token: str) -> str:
    web.cookies.clear()
    csrf = _token(web.get("/login").text)
    assert web.post("/login", data={"token": token, "csrf_token": csrf}).status_code == 303
    return _token(web.get("/").text)


def _upload(web: TestClient, csrf: str, body: bytes, name: str = "tal.csv", media_type: str = "text/csv"):
    return web.post("/importer/tal", data={"csrf_token": csrf}, files={"file": (name, body, media_type)})


def _problems(text: str) -> list[tuple[str, str, str]]:
    rows = re.findall(r'<tr><td class="num">([^<]+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', text)
    return [tuple(html.unescape(cell) for cell in row) for row in rows]


# --- who may -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "department"), [("reader", None), ("editor", "BKF"), ("pool_manager", None)])
def test_without_the_right_no_menu_item_and_every_post_is_refused(web, client, role, department):
    client.post(f"{API}/rounds", json=ROUND)
    csrf = _sign_in(web, make_token(role, department))
    report = web.get("/rapport").text
    for path in ('href="/importer/tal"', 'href="/rapport/indikatorer"', 'href="/rapport/runder/ny"'):
        assert path not in report
    assert 'aria-label="Data til rapporten"' not in report
    importer = web.get("/importer")
    assert 'href="/importer/tal"' not in importer.text
    refused = web.get("/importer/tal")
    assert refused.status_code == 403 and "Social balance-enheden" in refused.text
    assert web.get("/importer/tal/skabelon").status_code == 403
    assert _upload(web, csrf, GOOD).status_code == 403
    assert web.get("/rapport/runder/ny").status_code == 403
    assert web.post("/rapport/runder/ny", data={"csrf_token": csrf, "code": "x-1"}).status_code == 403
    assert web.post("/rapport/runder/bu-2027/rediger", data={"csrf_token": csrf, "name": "Ny"}).status_code == 403
    assert web.post("/rapport/indikatorer", data={"csrf_token": csrf, "name": "Ny"}).status_code == 403
    assert web.post("/rapport/indikatorer/3", data={"csrf_token": csrf, "unit": "pct."}).status_code == 403
    assert web.post("/rapport/indikatorer/3/status", data={"csrf_token": csrf, "active": "false"}).status_code == 403
    # the lists stay readable, without forms
    rounds = web.get("/rapport/runder")
    assert rounds.status_code == 200 and "Borgerundersøgelse 2027" in rounds.text and "Redigér" not in rounds.text
    indicators = web.get("/rapport/indikatorer")
    assert indicators.status_code == 200 and "Tilføj en indikator" not in indicators.text
    assert client.get(f"{API}/rounds/bu-2027").json()["name"] == "Borgerundersøgelse 2027"
    assert len(client.get(f"{API}/indicators").json()["items"]) == 19
    assert client.get(f"{API}/indicators/3/observations").json()["items"] == []


def test_an_editor_of_sob_loads_figures_and_rounds_but_does_not_change_the_framework(web):
    csrf = _sign_in(web, make_token("editor", "SOB"))
    report = web.get("/rapport").text
    assert 'href="/importer/tal"' in report and 'href="/rapport/runder"' in report
    assert 'href="/rapport/indikatorer"' not in report
    assert 'href="/importer/tal"' in web.get("/importer").text
    assert web.get("/importer/tal").status_code == 200
    assert web.get("/rapport/runder/ny").status_code == 200
    assert web.post("/rapport/indikatorer/3/status", data={"csrf_token": csrf, "active": "false"}).status_code == 403


def test_the_form_token_is_checked(web, client, admin_token):
    client.post(f"{API}/rounds", json=ROUND)
    _sign_in(web, admin_token)
    assert _upload(web, "forkert", GOOD).status_code == 403
    assert web.post("/rapport/runder/ny", data={"csrf_token": "forkert", "code": "x-1"}).status_code == 403
    assert (
        web.post("/rapport/indikatorer/3/status", data={"csrf_token": "forkert", "active": "false"}).status_code == 403
    )
    assert client.get(f"{API}/indicators").json()["items"][2]["active"] is True


# --- figures -------------------------------------------------------------------------------------------------


def test_a_file_with_errors_shows_every_problem_by_row_and_danish_column(web, client, admin_token):
    client.post(f"{API}/rounds", json=ROUND)
    csrf = _sign_in(web, admin_token)
    answer = _upload(web, csrf, BAD)
    assert answer.status_code == 422
    assert "Filen kan ikke importeres" in answer.text and "Intet er gemt" in answer.text
    problems = _problems(answer.text)
    assert ("2", "Værdi", "skal være et tal som 1250,50 eller 1250.50 (uden tusindtalsseparator)") in problems
    assert ("3", "Indikator", "ukendt indikatornummer: '99'") in problems
    assert ("3", "Område", "ukendt bydel: 'atlantis'") in problems
    assert ("3", "Runde", "ukendt runde: 'bu-2099'") in problems
    assert ("4", "–", "gentager række 2 (samme indikator, område, år og art)") not in problems  # row 2 failed
    assert client.get(f"{API}/indicators/3/observations").json()["items"] == []


def test_a_file_that_cannot_be_read_is_named_in_danish(web, admin_token):
    csrf = _sign_in(web, admin_token)
    pdf = _upload(web, csrf, b"%PDF-1.4", name="tal.pdf", media_type="application/pdf")
    assert pdf.status_code == 422 and "hverken CSV, XLSX eller JSON" in pdf.text
    nothing = web.post("/importer/tal", data={"csrf_token": csrf})
    assert nothing.status_code == 422 and "Vælg en fil" in nothing.text
    header = _upload(web, csrf, "Indikator;Farve\r\n3;rød\r\n".encode())
    problems = _problems(header.text)
    assert ("1", "Farve", "Ukendt kolonne (kolonne nr. 2); se skabelonen") in problems
    assert ("1", "Område", "Kolonnen mangler; den skal være med i filen") in problems
    assert ("1", "Værdi", "Kolonnen mangler; den skal være med i filen") in problems


def test_a_good_file_dry_run_then_apply_once(web, client, admin_token):
    client.post(f"{API}/rounds", json=ROUND)
    csrf = _sign_in(web, admin_token)
    answer = _upload(web, csrf, GOOD)
    assert answer.status_code == 303
    report_url = answer.headers["location"]
    assert report_url.startswith("/importer/tal/")
    page = web.get(report_url).text
    assert "Prøvekørsel af tallene" in page and re.search(r'data-count="created">2<', page)
    assert "Værebro Park" in page
    assert client.get(f"{API}/indicators/3/observations").json()["items"] == []
    assert web.get(report_url.replace("/importer/tal/", "/importer/")).status_code == 404  # not an intervention file

    apply_url = re.search(r'action="(/importer/tal/[^"]+/anvend)"', page).group(1)
    assert web.post(apply_url, data={"csrf_token": "forkert"}).status_code == 403
    done = web.post(apply_url, data={"csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"] == report_url
    result = web.get(report_url).text
    assert "Tallene er indlæst" in result and re.search(r'data-count="created">2<', result)
    assert 'href="/rapport"' in result
    items = client.get(f"{API}/indicators/3/observations").json()["items"]
    assert sorted((i["area"], i["value"], i["round"]) for i in items) == [
        ("hoeje-gladsaxe", "61.5", "bu-2027"),
        ("vaerebro-park", "58", "bu-2027"),
    ]
    # a second click applies nothing again, and the page still shows what the first did
    assert web.post(apply_url, data={"csrf_token": csrf}).status_code == 303
    assert re.search(r'data-count="created">2<', web.get(report_url).text)
    assert client.get(f"{API}/rounds/bu-2027").json()["observations"] == 2


def test_apply_checks_again_against_the_registry_as_it_is_now(web, client, admin_token):
    client.post(f"{API}/rounds", json=ROUND)
    csrf = _sign_in(web, admin_token)
    report_url = _upload(web, csrf, GOOD).headers["location"]
    apply_url = re.search(r'action="(/importer/tal/[^"]+/anvend)"', web.get(report_url).text).group(1)
    # Meanwhile somebody loads the same figures through the API: applying finds them unchanged
    loaded = client.post(f"{API}/imports/observations", content=GOOD, headers={"content-type": "text/csv"})
    assert loaded.status_code == 200 and loaded.json()["created"] == 2
    assert web.post(apply_url, data={"csrf_token": csrf}).status_code == 303
    result = web.get(report_url).text
    assert re.search(r'data-count="unchanged">2<', result) and re.search(r'data-count="created">0<', result)


def test_an_intervention_upload_is_not_a_figures_upload(web, admin_token):
    csrf = _sign_in(web, admin_token)
    answer = web.post(
        "/importer", data={"csrf_token": csrf}, files={"file": ("indsatser.csv", INTERVENTIONS, "text/csv")}
    )
    assert answer.status_code == 303
    upload_id = answer.headers["location"].rsplit("/", 1)[-1]
    assert web.get(f"/importer/tal/{upload_id}").status_code == 404
    assert web.post(f"/importer/tal/{upload_id}/anvend", data={"csrf_token": csrf}).status_code == 404
    assert web.get(f"/importer/{upload_id}").status_code == 200


def test_the_template_of_a_round_has_danish_headings_and_a_row_per_indicator_and_area(web, client, admin_token):
    client.post(f"{API}/rounds", json=ROUND)
    _sign_in(web, admin_token)
    page = web.get("/importer/tal?runde=bu-2027").text
    assert 'action="/importer/tal/skabelon"' in page and '<option value="bu-2027" selected>' in page
    xlsx = web.get("/importer/tal/skabelon", params={"runde": "bu-2027", "format": "xlsx"})
    assert xlsx.status_code == 200 and 'filename="tal-skabelon-bu-2027.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Runde", "Indikator", "Indikatorens navn", "Område")
    areas = len(client.get(f"{API}/areas").json()["items"])
    survey = [i for i in client.get(f"{API}/indicators").json()["items"] if i["likely_source"] == "survey"]
    assert len(rows) - 1 == areas * len(survey)
    assert rows[1][0] == "bu-2027" and rows[1][6] == "måling"
    csv = web.get("/importer/tal/skabelon", params={"runde": "bu-2027", "format": "csv"})
    assert csv.content.decode("utf-8-sig").startswith("Runde,Indikator,Indikatorens navn,Område")
    missing = web.get("/importer/tal/skabelon", params={"runde": "bu-1999"})
    assert missing.status_code == 404 and "Runden findes ikke" in missing.text


def test_a_filled_template_loads_back(web, client, admin_token):
    client.post(f"{API}/rounds", json=ROUND)
    csrf = _sign_in(web, admin_token)
    xlsx = web.get("/importer/tal/skabelon", params={"runde": "bu-2027"}).content
    book = load_workbook(io.BytesIO(xlsx))
    sheet = book.worksheets[0]
    sheet.cell(row=2, column=8, value=42.5)  # Værdi of the first row
    buffer = io.BytesIO()
    book.save(buffer)
    answer = _upload(web, csrf, buffer.getvalue(), name="tal.xlsx")
    assert answer.status_code == 303, _problems(answer.text)
    page = web.get(answer.headers["location"]).text
    assert re.search(r'data-count="created">1<', page) and "rækker uden værdi er sprunget over" in page


# --- rounds --------------------------------------------------------------------------------------------------


def test_an_admin_creates_and_edits_a_round(web, client, admin_token):
    csrf = _sign_in(web, admin_token)
    form = web.get("/rapport/runder/ny")
    assert form.status_code == 200 and 'name="weights-hoeje-gladsaxe-population"' in form.text
    answer = web.post(
        "/rapport/runder/ny",
        data={
            "csrf_token": csrf,
            "code": "bu-2027",
            "name": "Borgerundersøgelse 2027",
            "kind": "survey",
            "year": "2027",
            "collected": "efterår 2027",
            "weights-hoeje-gladsaxe-respondents": "400",
            "weights-hoeje-gladsaxe-population": "7.300",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/rapport/runder?besked=ny"
    created = client.get(f"{API}/rounds/bu-2027").json()
    assert created["collected"] == "efterår 2027" and created["kind"] == "survey"
    assert created["weights"] == [{"area": "hoeje-gladsaxe", "respondents": 400, "population": 7300}]
    listed = web.get("/rapport/runder?besked=ny").text
    assert "Runden er oprettet." in listed and "Borgerundersøgelse 2027" in listed
    assert "400 besvarelser, 7.300 indbyggere" in listed

    edit = web.get("/rapport/runder/bu-2027/rediger").text
    assert 'value="7300"' in edit and 'value="efterår 2027"' in edit
    answer = web.post(
        "/rapport/runder/bu-2027/rediger",
        data={"csrf_token": csrf, "name": "BU 2027", "collected": "", "weights-vaerebro-park-respondents": "250"},
    )
    assert answer.status_code == 303
    changed = client.get(f"{API}/rounds/bu-2027").json()
    assert changed["name"] == "BU 2027" and changed["collected"] is None
    assert changed["weights"] == [{"area": "vaerebro-park", "respondents": 250, "population": None}]


def test_a_refused_round_form_says_why_beside_the_field_and_keeps_what_was_typed(web, client, admin_token):
    client.post(f"{API}/rounds", json=ROUND)
    csrf = _sign_in(web, admin_token)
    answer = web.post(
        "/rapport/runder/ny",
        data={
            "csrf_token": csrf,
            "code": "BU 2030",
            "name": "",
            "kind": "survey",
            "year": "1999",
            "collected": "efterår",
            "weights-moerkhoej-respondents": "mange",
        },
    )
    assert answer.status_code == 422
    text = html.unescape(answer.text)
    assert "Formularen kan ikke gemmes endnu" in text
    assert 'id="f-code-fejl"' in text and "Skriv en kode med små bogstaver, tal og bindestreg" in text
    assert 'id="f-name-fejl"' in text and "Skal udfyldes" in text
    assert 'id="f-year-fejl"' in text and "Skriv et årstal fra 2000" in text
    assert 'id="f-weights-moerkhoej-respondents-fejl"' in text and "Skriv et helt tal" in text
    assert "Mørkhøj (almene boliger), besvarelser" in text
    assert 'value="BU 2030"' in text and 'value="efterår"' in text and 'value="mange"' in text
    # a code or a kind and year that are taken
    taken = web.post(
        "/rapport/runder/ny",
        data={"csrf_token": csrf, "code": "bu-2027", "name": "Igen", "kind": "register", "year": "2027"},
    )
    assert taken.status_code == 422 and "Koden bruges allerede af en anden runde" in taken.text
    same_year = web.post(
        "/rapport/runder/ny",
        data={"csrf_token": csrf, "code": "bu-2027b", "name": "Igen", "kind": "survey", "year": "2027"},
    )
    assert same_year.status_code == 422 and "Der er allerede en runde af den slags i det år" in same_year.text
    assert len(client.get(f"{API}/rounds").json()["items"]) == 1
    # editing: the name may not be blank
    blank = web.post("/rapport/runder/bu-2027/rediger", data={"csrf_token": csrf, "name": " "})
    assert blank.status_code == 422 and 'id="f-name-fejl"' in blank.text
    assert web.get("/rapport/runder/bu-1999/rediger").status_code == 404


# --- indicators ----------------------------------------------------------------------------------------------


def test_an_admin_adds_edits_retires_and_reactivates_an_indicator(web, client, admin_token):
    csrf = _sign_in(web, admin_token)
    page = web.get("/rapport/indikatorer").text
    assert "Resultatrammen er version 1" in page and "19 aktive indikatorer" in page
    answer = web.post(
        "/rapport/indikatorer",
        data={
            "csrf_token": csrf,
            "theme": "T6",
            "name": "Deltagelse i fritidsaktiviteter på tværs",
            "higher_is_better": "true",
            "unit": "pct.",
            "likely_source": "survey",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/rapport/indikatorer?besked=ny&nr=20")
    added = client.get(f"{API}/indicators").json()["items"][-1]
    assert (added["number"], added["theme"], added["unit"], added["higher_is_better"]) == (20, "T6", "pct.", True)
    assert "Indikator 20 er tilføjet resultatrammen." in web.get(answer.headers["location"]).text

    edit = web.get("/rapport/indikatorer/20").text
    assert 'value="true" checked' in edit
    answer = web.post(
        "/rapport/indikatorer/20",
        data={"csrf_token": csrf, "higher_is_better": "false", "unit": "", "likely_source": "register"},
    )
    assert answer.status_code == 303
    changed = client.get(f"{API}/indicators").json()["items"][-1]
    assert (changed["higher_is_better"], changed["unit"], changed["likely_source"]) == (False, None, "register")

    assert web.post("/rapport/indikatorer/20/status", data={"csrf_token": csrf, "active": "false"}).status_code == 303
    assert client.get(f"{API}/indicators").json()["items"][-1]["active"] is False
    page = web.get("/rapport/indikatorer").text
    assert "1 udfasede (20)" in page and "Genaktivér" in page
    version = client.get(f"{API}/framework/version").json()
    assert version["retired"] == [20] and f"Resultatrammen er version {version['version']}" in page
    assert web.post("/rapport/indikatorer/20/status", data={"csrf_token": csrf, "active": "true"}).status_code == 303
    assert client.get(f"{API}/indicators").json()["items"][-1]["active"] is True
    assert web.get("/rapport/indikatorer/999").status_code == 404


def test_a_refused_indicator_form_says_why_and_keeps_what_was_typed(web, client, admin_token):
    csrf = _sign_in(web, admin_token)
    answer = web.post(
        "/rapport/indikatorer",
        data={"csrf_token": csrf, "theme": "", "name": "Ny indikator", "unit": "x" * 60, "likely_source": "survey"},
    )
    assert answer.status_code == 422
    text = html.unescape(answer.text)
    assert "Indikatoren kan ikke tilføjes endnu" in text
    assert 'id="f-theme-fejl"' in text and 'id="f-higher_is_better-fejl"' in text and 'id="f-unit-fejl"' in text
    assert "Må højst være 50 tegn" in text and 'value="Ny indikator"' in text
    assert len(client.get(f"{API}/indicators").json()["items"]) == 19
    bad = web.post("/rapport/indikatorer/3", data={"csrf_token": csrf, "likely_source": "gæt"})
    assert bad.status_code == 422 and 'id="f-likely_source-fejl"' in bad.text


def test_two_clicks_at_the_same_moment_load_the_figures_once(web, client, admin_token):
    client.post(f"{API}/rounds", json=ROUND)
    csrf = _sign_in(web, admin_token)
    report_url = _upload(web, csrf, GOOD).headers["location"]
    apply_url = re.search(r'action="(/importer/tal/[^"]+/anvend)"', web.get(report_url).text).group(1)
    from app.main import app

    barrier = threading.Barrier(2)

    def click() -> int:
        with TestClient(app, raise_server_exceptions=False, follow_redirects=False, cookies=dict(web.cookies)) as tab:
            barrier.wait()
            return tab.post(apply_url, data={"csrf_token": csrf}).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(lambda _: click(), range(2))) == [303, 303]
    assert re.search(r'data-count="created">2<', web.get(report_url).text)
    imports = client.get(f"{API}/audit", params={"resource": "indicator", "resource_id": "3"}).json()["items"]
    assert [r["action"] for r in imports] == ["import"]
