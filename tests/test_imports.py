"""Bulk import through the API: JSON, CSV (Danish Excel too) and XLSX; all or nothing; safe to repeat."""

import gc
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from tests.factories import API, assert_problem

URL = f"{API}/imports/interventions"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def record(i: int, **overrides) -> dict:
    base = {
        "external_id": f"SOB-{i:04d}",
        "name": f"Prøvehandling {i} – Værebro",
        "kind": "trial_action",
        "status": "active",
        "track": "physical",
        "department": "SOB",
        "areas": ["vaerebro-park"],
        "themes": ["T9", "T6"],
        "indicators": [18],
        "start_date": "2020-01-01",
        "end_date": "2023-12-31",
        "budget_lines": [
            {"year": 2020 + k, "category": "Aktiviteter", "funding_source": "SOB-PULJE", "amount": f"{i}.{k:02d}"}
            for k in range(3)
        ],
        "success_criteria": [{"description": "Flere bruger området", "indicator": 18}],
    }
    base.update(overrides)
    return base


def count(client) -> int:
    return len(client.get(f"{API}/interventions", params={"limit": 500}).json()["items"])


def test_import_twice_gives_no_duplicates(client):
    data = [record(i) for i in range(1000)]
    first = client.post(URL, json=data)
    assert first.status_code == 200, first.text[:500]
    assert (first.json()["created"], first.json()["updated"], first.json()["unchanged"]) == (1000, 0, 0)
    again = client.post(URL, json=data).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1000)
    ids = set()
    cursor = None
    while True:
        page = client.get(
            f"{API}/interventions", params={"limit": 500, **({"cursor": cursor} if cursor else {})}
        ).json()
        ids |= {i["id"] for i in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(ids) == 1000
    one = client.get(f"{API}/interventions", params={"external_id": "SOB-0042"}).json()["items"][0]
    assert one["budget_total"] == str(Decimal("42.00") + Decimal("42.01") + Decimal("42.02"))
    assert one["themes"] == ["T6", "T9"]


def test_each_created_record_is_answered_with_its_own_id(client):
    # More records than one multi-row INSERT takes (1,000 rows): the new ids come back batch by batch, each matched
    # to its record by external_id.
    data = [record(i, budget_lines=[], success_criteria=[]) for i in range(1205)]
    report = client.post(URL, json=data)
    assert report.status_code == 200, report.text[:500]
    answered = {item["external_id"]: item["id"] for item in report.json()["items"]}
    stored, cursor = {}, None
    while True:
        page = client.get(
            f"{API}/interventions", params={"limit": 500, **({"cursor": cursor} if cursor else {})}
        ).json()
        stored |= {item["external_id"]: item["id"] for item in page["items"]}
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(stored) == 1205 and answered == stored


def test_the_garbage_collector_runs_again_after_an_import(client):
    # An import pauses Python's cyclic collector while it runs (app/core/collector.py); whatever its outcome,
    # the collector is on again afterwards.
    assert gc.isenabled()
    assert client.post(URL, json=[record(1)]).status_code == 200
    assert gc.isenabled()
    assert client.post(URL, json=[record(2, kind="nope")]).status_code == 422
    assert gc.isenabled()
    assert client.post(URL, params={"dry_run": "true"}, json=[record(3)]).status_code == 200
    assert gc.isenabled()


def test_changed_records_are_updated_and_the_rest_left_alone(client):
    client.post(URL, json=[record(1), record(2)])
    before = client.get(f"{API}/interventions", params={"external_id": "SOB-0002"}).json()["items"][0]
    changed = record(
        1, name="Nyt navn", budget_lines=[{"year": 2021, "category": "Løn", "funding_source": "LBF", "amount": 5}]
    )
    report = client.post(URL, json=[changed, record(2)]).json()
    assert [(i["external_id"], i["action"]) for i in report["items"]] == [
        ("SOB-0001", "updated"),
        ("SOB-0002", "unchanged"),
    ]
    one = client.get(f"{API}/interventions/{report['items'][0]['id']}").json()
    assert one["name"] == "Nyt navn" and [line["amount"] for line in one["budget_lines"]] == ["5.00"]
    after = client.get(f"{API}/interventions/{before['id']}").json()
    assert after["updated_at"] == before["updated_at"]


def test_one_bad_amount_in_row_38_refuses_the_whole_file(client):
    data = [record(i) for i in range(50)]
    data[37]["budget_lines"][1]["amount"] = "12.345"
    body = assert_problem(client.post(URL, json=data), 422)
    assert body["type"] == "/problems/import-rejected"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(38, "budget_lines.1.amount")]
    assert count(client) == 0


def test_every_problem_is_reported_at_once(client):
    data = [
        record(1, department="XXX"),
        record(2, themes=["T99"]),
        record(3, kind="nope"),
        record(4, budget_lines=[{"year": 2030, "category": "Løn", "funding_source": "NOPE", "amount": 1}]),
        record(5, parent_external_id="NOWHERE"),
        record(6, external_id="SOB-0001"),
        record(7),
    ]
    body = assert_problem(client.post(URL, json=data), 422)
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert {
        (1, "department"),
        (2, "themes.0"),
        (3, "kind"),
        (4, "budget_lines.0.funding_source"),
        (4, "budget_lines.0.year"),
        (5, "parent_external_id"),
        (6, "external_id"),
    } <= found
    assert "XXX" in str(body["errors"]) and "T99" in str(body["errors"]) and "NOPE" in str(body["errors"])
    assert count(client) == 0


def test_dry_run_reports_and_writes_nothing(client):
    client.post(URL, json=[record(1)])
    report = client.post(URL, params={"dry_run": "true"}, json=[record(1, name="Ændret"), record(2), record(3)])
    assert report.status_code == 200
    body = report.json()
    assert body["dry_run"] is True and (body["created"], body["updated"], body["unchanged"]) == (2, 1, 0)
    assert count(client) == 1
    assert client.get(f"{API}/interventions", params={"external_id": "SOB-0001"}).json()["items"][0]["name"] != "Ændret"


def test_strategies(client):
    client.post(URL, json=[record(1)])
    assert_problem(
        client.post(URL, params={"strategy": "create"}, json=[record(1), record(2)]), 422, field=["external_id"]
    )
    assert_problem(
        client.post(URL, params={"strategy": "update"}, json=[record(1), record(2)]), 422, field=["external_id"]
    )
    assert client.post(URL, params={"strategy": "update"}, json=[record(1, name="Opdateret")]).json()["updated"] == 1
    assert count(client) == 1


def test_parents_by_external_id_and_no_cycles(client):
    programme = record(1, kind="programme")
    child = record(2, parent_external_id="SOB-0001")
    report = client.post(URL, json=[child, programme]).json()  # order in the file does not matter
    ids = {i["external_id"]: i["id"] for i in report["items"]}
    assert client.get(f"{API}/interventions/{ids['SOB-0002']}").json()["parent_id"] == ids["SOB-0001"]
    loop = [record(1, kind="programme", parent_external_id="SOB-0002"), child]
    body = assert_problem(client.post(URL, json=loop), 422, field=["parent_external_id"])
    assert "cycle" in str(body["errors"])


def test_idempotency_key_replays_and_refuses_other_bodies(client):
    headers = {"Idempotency-Key": "import-2026-11-22-batch-1"}
    first = client.post(URL, json=[record(1)], headers=headers)
    client.patch(f"{API}/interventions/{first.json()['items'][0]['id']}", json={"name": "Ændret siden"})
    again = client.post(URL, json=[record(1)], headers=headers)
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()  # the first answer, not applied again (the later change stays)
    assert client.get(f"{API}/interventions/{first.json()['items'][0]['id']}").json()["name"] == "Ændret siden"
    assert_problem(client.post(URL, json=[record(2)], headers=headers), 422)
    assert count(client) == 1


DANISH_CSV = (
    "\ufeffexternal_id;name;kind;status;department;areas;themes;start_date;end_date;"
    "budget_year;budget_category;budget_funding_source;budget_amount;budget_note;criterion_description;criterion_baseline\r\n"
    "BKF-1;Styrket indsats i Mørkhøj;programme;completed;BKF;moerkhoej;T4, T6;01-01-2019;31-12-2022;"
    "2019;Løn;SOB-PULJE;143.750,00;Indsats 1 og 2;Flere deltager;12,5\r\n"
    "BKF-1;;;;;;;;;2020;Løn;SOB-PULJE;575.000;;;\r\n"
    "BKF-1;;;;;;;;;2021;Aktivitetsudgifter;SOB-PULJE;0,10;;;\r\n"
    "SSF-2;Diabetesforebyggelse og rygestop;project;active;SSF;hoeje-gladsaxe;T2;;;;;;;;;\r\n"
)


def test_csv_from_danish_excel(client):
    report = client.post(URL, content=DANISH_CSV.encode("utf-8"), headers={"content-type": "text/csv"})
    assert report.status_code == 200, report.text
    assert [(i["row"], i["external_id"], i["action"]) for i in report.json()["items"]] == [
        (2, "BKF-1", "created"),
        (5, "SSF-2", "created"),
    ]
    programme = client.get(f"{API}/interventions/{report.json()['items'][0]['id']}").json()
    assert programme["name"] == "Styrket indsats i Mørkhøj" and programme["themes"] == ["T4", "T6"]
    assert programme["start_date"] == "2019-01-01" and programme["end_date"] == "2022-12-31"
    assert [(b["year"], b["amount"], b["note"]) for b in programme["budget_lines"]] == [
        (2019, "143750.00", "Indsats 1 og 2"),
        (2020, "575000.00", None),
        (2021, "0.10", None),
    ]
    assert programme["success_criteria"][0]["baseline"] == "12.5"


def test_csv_problems_name_the_spreadsheet_row_and_column(client):
    bad = DANISH_CSV.replace("575.000", "575.000,123").replace("SSF;hoeje", "SSX;hoeje")
    body = assert_problem(client.post(URL, content=bad.encode(), headers={"content-type": "text/csv"}), 422)
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(3, "budget_amount"), (5, "department")}
    assert count(client) == 0


@pytest.mark.parametrize(
    "text,problem_column",
    [
        ("external_id,name,kind,department,colour\nA,B,project,BKF,red\n", "colour"),
        ("name,kind,department\nB,project,BKF\n", "external_id"),
        ("external_id,name,kind,department\nA,Første,project,BKF\nA,Anden,project,BKF\n", "name"),
        (
            "external_id,name,kind,department,budget_amount,budget_year,budget_category,budget_funding_source\n"
            'A,B,project,BKF,"1,234",2020,Løn,LBF\n',
            "budget_amount",
        ),
    ],
)
def test_bad_csv_files(client, text, problem_column):
    body = assert_problem(client.post(URL, content=text.encode(), headers={"content-type": "text/csv"}), 422)
    assert problem_column in {e["column"] for e in body["errors"]}


def test_comma_csv_without_bom(client):
    text = (
        "external_id,name,kind,department,themes,budget_year,budget_category,budget_funding_source,budget_amount\n"
        "X-1,Lommepengejobs,project,SOB,T1,2021,Løn,SOB-BUDGET,1234.56\n"
    )
    assert client.post(URL, content=text.encode(), headers={"content-type": "text/csv"}).json()["created"] == 1
    assert (
        client.get(f"{API}/interventions", params={"external_id": "X-1"}).json()["items"][0]["budget_total"]
        == "1234.56"
    )


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "interventions"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_upload_raw_and_multipart(client):
    content = _xlsx(
        [
            [
                "external_id",
                "name",
                "kind",
                "department",
                "themes",
                "budget_year",
                "budget_category",
                "budget_funding_source",
                "budget_amount",
            ],
            ["X-1", "Værebro Rådgivningen", "core_operation", "SOB", "T3, T4", 2020, "Løn", "SOB-BUDGET", 0.1],
            ["X-1", None, None, None, None, 2021, "Løn", "SOB-BUDGET", 1234567.89],
        ]
    )
    raw = client.post(URL, content=content, headers={"content-type": XLSX})
    assert raw.status_code == 200, raw.text
    item = client.get(f"{API}/interventions/{raw.json()['items'][0]['id']}").json()
    assert [b["amount"] for b in item["budget_lines"]] == ["0.10", "1234567.89"]
    upload = client.post(URL, files={"file": ("indsatser.xlsx", content, XLSX)})
    assert upload.status_code == 200 and upload.json()["unchanged"] == 1


def test_unsupported_and_unreadable_bodies(client):
    assert_problem(client.post(URL, content=b"<xml/>", headers={"content-type": "application/xml"}), 415)
    assert_problem(client.post(URL, content=b"not a workbook", headers={"content-type": XLSX}), 422)
    assert_problem(client.post(URL, content=b'{"a": 1}', headers={"content-type": "application/json"}), 422)
    assert_problem(client.post(URL, content=b"[1, 2", headers={"content-type": "application/json"}), 422)
    assert_problem(client.post(URL, content=b"\xff\xfe", headers={"content-type": "text/csv"}), 422)
    assert count(client) == 0


def test_import_body_limit_is_larger_but_bounded(client):
    from app.config import get_settings

    settings = get_settings()
    assert settings.max_import_bytes > settings.max_body_bytes
    big = b"[" + b" " * (settings.max_import_bytes + 1) + b"]"
    body = assert_problem(client.post(URL, content=big, headers={"content-type": "application/json"}), 413)
    assert str(settings.max_import_bytes) in body["detail"]
