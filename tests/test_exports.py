"""Export in the import formats, the import template, and the round trip export → empty registry → export."""

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import event

from app.db import get_engine
from app.models.interchange import COLUMN_HEADINGS, COLUMN_OF, COLUMNS, HEADINGS, ImportRecord
from tests.conftest import make_token, wipe
from tests.factories import API, assert_problem, budget_line, create_intervention

EXPORT = f"{API}/exports/interventions"
TEMPLATE = f"{API}/imports/interventions/template"
IMPORT = f"{API}/imports/interventions"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_registry(client) -> dict[str, dict]:
    """A small registry with what an export must carry: a programme with children and a grandchild, a child
    whose id is lower than its parent's, several budget lines and criteria, æ/ø/å, øre, empty collections."""
    made = {}
    # Created first, so its id is lower than its parent's; it is moved under the programme below.
    made["early"] = create_intervention(
        client,
        external_id="SSF-2020-ÆØÅ",
        name="Lektiecafé på Værebro Bibliotek — “tidlig” indsats",
        kind="trial_action",
        status="anchored",
        track="organisational",
        department="SSF",
        areas=["vaerebro-park"],
        themes=["T1", "T2"],
        indicators=[1, 3],
        purpose='Formål: flere unge i uddannelse;\nmed linjeskift, komma og "citationstegn"',
        contact_name="Åse Ørsted",
        contact_email="aase.oersted@gladsaxe.dk",
        start_date="2020-08-01",
        end_date="2021-06-30",
        budget_lines=[
            budget_line(year=2020, category="Aktiviteter", amount="0.10", note="øre: ti"),
            budget_line(year=2021, category="Aktiviteter", amount="0.01"),
        ],
        success_criteria=[],
    )
    made["programme"] = create_intervention(
        client,
        external_id="BKF-2019-MØRKHØJ",
        name="Styrket indsats for social balance i Mørkhøj",
        kind="programme",
        status="completed",
        areas=["moerkhoej"],
        themes=["T6", "T4"],
        indicators=[9, 8],
        budget_lines=[
            budget_line(year=2019, category="Løn", amount="143750.00"),
            budget_line(year=2019, category="Aktiviteter", funding_source="FAGFORVALTNING", amount="333750.99"),
            budget_line(year=2022, category="Løn", amount="472500.10"),
        ],
        success_criteria=[
            {
                "description": "Flere føler sig trygge",
                "indicator": 8,
                "baseline": "61.5",
                "target": "70",
                "unit": "pct.",
                "target_date": "2024-12-31",
            },
            {"description": "Større tillid til naboer", "indicator": 9, "baseline": "12.50", "target": "0.125"},
            {"description": "Ældre møder hinanden", "indicator": None},
            {"description": "Flere frivillige i området", "unit": "antal"},
        ],
    )
    made["child"] = create_intervention(
        client,
        external_id="BKF-2019-MØRKHØJ-1",
        name="Indsats 1: Fællesskaber på tværs",
        parent_id=made["programme"]["id"],
        track=None,
        description=None,
        target_group=None,
        budget_lines=[budget_line(year=2019, amount="99999999.99"), budget_line(year=2020, amount="0.00")],
    )
    made["grandchild"] = create_intervention(
        client,
        external_id="BKF-2019-MØRKHØJ-1a",
        name="Sommerferieaktiviteter for børn og unge",
        parent_id=made["child"]["id"],
        kind="core_operation",
        status="idea",
        areas=[],
        themes=[],
        indicators=[],
        start_date=None,
        end_date=None,
        budget_lines=[],
        success_criteria=[],
    )
    response = client.patch(f"{API}/interventions/{made['early']['id']}", json={"parent_id": made["programme"]["id"]})
    assert response.status_code == 200, response.text
    return made


def wipe_registry(client) -> None:
    """Empty the registry (tokens too: the client gets a fresh one)."""
    wipe()
    client.headers["Authorization"] = f"Bearer {make_token('admin', name='test-admin')}"


def export(client, fmt: str = "json", **params):
    response = client.get(EXPORT, params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    return response


def xlsx_rows(content: bytes, sheet: str = "Indsatser") -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]
    workbook.close()
    return rows


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


# --- JSON ----------------------------------------------------------------------------------------------------


def test_json_export_is_import_records_parents_first(client):
    made = build_registry(client)
    records = export(client).json()
    assert [r["external_id"] for r in records] == [
        "BKF-2019-MØRKHØJ",
        "SSF-2020-ÆØÅ",
        "BKF-2019-MØRKHØJ-1",
        "BKF-2019-MØRKHØJ-1a",
    ]
    assert made["early"]["id"] < made["programme"]["id"]  # the parent still comes first
    for record in records:
        assert set(record) == set(ImportRecord.model_fields)
        assert record["parent_id"] is None
        ImportRecord.model_validate(record)
    by_key = {r["external_id"]: r for r in records}
    assert by_key["SSF-2020-ÆØÅ"]["parent_external_id"] == "BKF-2019-MØRKHØJ"
    assert by_key["BKF-2019-MØRKHØJ-1a"]["parent_external_id"] == "BKF-2019-MØRKHØJ-1"
    assert by_key["BKF-2019-MØRKHØJ"]["parent_external_id"] is None
    early = by_key["SSF-2020-ÆØÅ"]
    assert early["name"] == "Lektiecafé på Værebro Bibliotek — “tidlig” indsats"
    assert early["contact_name"] == "Åse Ørsted"
    assert early["budget_lines"] == [
        {
            "year": 2020,
            "category": "Aktiviteter",
            "funding_source": "SOB-PULJE",
            "amount": "0.10",
            "note": "øre: ti",
            "type": "budget",
            "funding_organisation": None,
        },
        {
            "year": 2021,
            "category": "Aktiviteter",
            "funding_source": "SOB-PULJE",
            "amount": "0.01",
            "note": None,
            "type": "budget",
            "funding_organisation": None,
        },
    ]
    programme = by_key["BKF-2019-MØRKHØJ"]
    assert programme["themes"] == ["T4", "T6"] and programme["indicators"] == [8, 9]
    assert programme["success_criteria"][0] == {
        "description": "Flere føler sig trygge",
        "indicator": 8,
        "baseline": "61.5",
        "target": "70",
        "unit": "pct.",
        "target_date": "2024-12-31",
        "outcome": "not_assessed",
        "actual_value": None,
    }
    assert programme["success_criteria"][1]["baseline"] == "12.50"
    assert [c["description"] for c in programme["success_criteria"]] == [
        "Flere føler sig trygge",
        "Større tillid til naboer",
        "Ældre møder hinanden",
        "Flere frivillige i området",
    ]
    assert "Content-Disposition" not in export(client).headers


def test_filters_are_those_of_the_list(client):
    build_registry(client)

    def keys(**params):
        return [r["external_id"] for r in export(client, **params).json()]

    assert keys(department="SSF") == ["SSF-2020-ÆØÅ"]
    assert keys(theme="T4") == ["BKF-2019-MØRKHØJ", "BKF-2019-MØRKHØJ-1"]
    assert keys(kind=["core_operation", "trial_action"]) == ["SSF-2020-ÆØÅ", "BKF-2019-MØRKHØJ-1a"]
    assert keys(year=2022) == ["BKF-2019-MØRKHØJ"]
    assert keys(q="SOMMERFERIE") == ["BKF-2019-MØRKHØJ-1a"]
    assert keys(area="vaerebro-park", indicator=3) == ["SSF-2020-ÆØÅ"]
    assert keys(status="idea", track="physical") == []
    assert keys(status="idea", track="social") == ["BKF-2019-MØRKHØJ-1a"]
    # A parent outside the export is still named, by its key.
    child = export(client, q="INDSATS 1: FÆLLESSKABER").json()
    assert [(r["external_id"], r["parent_external_id"]) for r in child] == [("BKF-2019-MØRKHØJ-1", "BKF-2019-MØRKHØJ")]
    parent_id = client.get(f"{API}/interventions", params={"external_id": "BKF-2019-MØRKHØJ-1"}).json()["items"][0][
        "id"
    ]
    assert keys(parent_id=parent_id) == ["BKF-2019-MØRKHØJ-1a"]


def test_archived_only_on_request(client):
    made = build_registry(client)
    assert client.delete(f"{API}/interventions/{made['grandchild']['id']}").status_code == 204
    assert len(export(client).json()) == 3
    assert len(export(client, include_archived="true").json()) == 4


def test_unknown_codes_and_formats_are_refused(client):
    assert_problem(client.get(EXPORT, params={"theme": "T99"}), 422, field=["theme", 0])
    assert_problem(client.get(EXPORT, params={"format": "pdf"}), 422, field=["format"])
    assert_problem(client.get(EXPORT, params={"kind": "nonsense"}), 422, field=["kind", 0])


def test_an_intervention_without_external_id_is_exported_with_null(client):
    create_intervention(client, name="Uden nøgle")
    records = export(client).json()
    assert records[0]["external_id"] is None and records[0]["name"] == "Uden nøgle"
    rows = csv_rows(export(client, "csv").content)
    assert rows[1][0] == "" and rows[1][1] == "Uden nøgle"


def test_empty_registry_exports_empty(client):
    assert export(client).json() == []
    assert csv_rows(export(client, "csv").content) == [COLUMNS]
    assert xlsx_rows(export(client, "xlsx").content) == [tuple(HEADINGS)]


def test_export_reads_in_a_fixed_number_of_queries(client):
    made = 0

    def statements(n_extra: int) -> int:
        nonlocal made
        for _ in range(n_extra):
            made += 1
            create_intervention(
                client,
                external_id=f"X-{made}",
                parent_id=first["id"] if made > 1 else None,
                budget_lines=[budget_line(year=2019 + j) for j in range(3)],
            )
        count = 0

        def count_it(*_args):
            nonlocal count
            count += 1

        engine = get_engine()
        event.listen(engine, "before_cursor_execute", count_it)
        try:
            export(client, "csv")
        finally:
            event.remove(engine, "before_cursor_execute", count_it)
        return count

    first = create_intervention(client, external_id="X-0", kind="programme")
    few = statements(2)
    many = statements(40)
    assert many == few, (few, many)


# --- CSV and XLSX ----------------------------------------------------------------------------------------------


def test_csv_is_the_long_format(client):
    build_registry(client)
    response = export(client, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="interventions.csv"'
    rows = csv_rows(response.content)
    assert rows[0] == COLUMNS
    data = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    # one row per budget line / criterion: 4 criteria, 2, 2, and 1 row for the one with neither
    assert [r["external_id"] for r in data] == ["BKF-2019-MØRKHØJ"] * 4 + ["SSF-2020-ÆØÅ"] * 2 + [
        "BKF-2019-MØRKHØJ-1"
    ] * 2 + ["BKF-2019-MØRKHØJ-1a"]
    programme = data[:4]
    assert {r["name"] for r in programme} == {"Styrket indsats for social balance i Mørkhøj"}  # repeated
    assert programme[0]["themes"] == "T4, T6" and programme[0]["indicators"] == "8, 9"
    assert programme[0]["start_date"] == "2019-01-01"
    assert [r["budget_amount"] for r in programme] == ["333750.99", "143750.00", "472500.10", ""]
    assert [r["budget_funding_source"] for r in programme] == ["FAGFORVALTNING", "SOB-PULJE", "SOB-PULJE", ""]
    assert [r["criterion_baseline"] for r in programme] == ["61.5", "12.50", "", ""]
    assert programme[0]["criterion_target_date"] == "2024-12-31"
    early = data[4]
    assert early["budget_amount"] == "0.10" and data[5]["budget_amount"] == "0.01"
    assert early["purpose"] == 'Formål: flere unge i uddannelse;\nmed linjeskift, komma og "citationstegn"'
    assert early["parent_external_id"] == "BKF-2019-MØRKHØJ" and early["criterion_description"] == ""
    assert data[6]["budget_amount"] == "99999999.99" and data[7]["budget_amount"] == "0.00"
    assert data[8]["areas"] == "" and data[8]["start_date"] == "" and data[8]["budget_year"] == ""


def test_xlsx_is_the_long_format_with_numbers_and_dates(client):
    build_registry(client)
    create_intervention(client, external_id="=FORMEL", name="=SUM(A1:A9)", budget_lines=[])
    response = export(client, "xlsx")
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == 'attachment; filename="interventions.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Indsatser"]
    sheet = workbook["Indsatser"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADINGS
    assert [row[0] for row in rows[11:]] == ["I alt"]  # the amounts' total row, under the rows
    data = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:11]]
    assert len(data) == 10
    assert data[0]["budget_amount"] == pytest.approx(333750.99) and isinstance(data[0]["budget_amount"], float)
    assert data[4]["budget_amount"] == 0.1 and data[5]["budget_amount"] == 0.01
    assert data[0]["budget_year"] == 2019 and data[0]["criterion_indicator"] == 8
    assert data[0]["start_date"] == datetime(2019, 1, 1)
    assert sheet.cell(row=2, column=COLUMNS.index("start_date") + 1).number_format == "dd-mm-yyyy"
    assert sheet.cell(row=2, column=COLUMNS.index("budget_amount") + 1).number_format == "#,##0.00"
    assert data[0]["criterion_baseline"] == 61.5 and data[0]["criterion_target"] == 70
    assert data[1]["criterion_baseline"] == "12.50"  # a number would lose the trailing zero: kept as text
    assert data[0]["name"] == "Styrket indsats for social balance i Mørkhøj" and data[4]["contact_name"] == "Åse Ørsted"
    assert data[0]["themes"] == "T4, T6"
    # text that looks like a formula stays text
    last = sheet.cell(row=11, column=COLUMNS.index("name") + 1)
    assert last.value == "=SUM(A1:A9)" and last.data_type == "s"


# --- the template ----------------------------------------------------------------------------------------------


def test_csv_template_is_the_header_row(client):
    response = client.get(TEMPLATE, params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert csv_rows(response.content) == [COLUMNS]


def test_xlsx_template_has_drop_downs_and_the_codes(client):
    response = client.get(TEMPLATE, params={"format": "xlsx"})
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == 'attachment; filename="interventions-template.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Indsatser", "koder"]
    sheet = workbook["Indsatser"]
    assert [c.value for c in sheet[1]] == HEADINGS
    assert sheet.max_row == 1

    codes = workbook["koder"]
    assert [c.value for c in codes[1]] == ["kolonne", "kode", "navn", "hører under"]
    by_column: dict[str, list] = {}
    for column, code, name, _under in codes.iter_rows(min_row=2, values_only=True):
        by_column.setdefault(COLUMN_OF[column.lower()], []).append((code, name))
    reference = {
        "department": [(d["code"], d["name"]) for d in client.get(f"{API}/departments").json()["items"]],
        "areas": [(a["slug"], a["name"]) for a in client.get(f"{API}/areas").json()["items"]],
        "themes": [(t["code"], t["name"]) for t in client.get(f"{API}/themes").json()["items"]],
        "indicators": [(i["number"], i["name"]) for i in client.get(f"{API}/indicators").json()["items"]],
        "budget_funding_source": [(f["code"], f["name"]) for f in client.get(f"{API}/funding-sources").json()["items"]],
    }
    for column, expected in reference.items():
        assert sorted(by_column[column], key=str) == sorted(expected, key=str), column
    assert len(by_column["themes"]) == 9 and len(by_column["indicators"]) == 19
    assert any("ø" in name or "æ" in name or "å" in name for _c, name in by_column["themes"])
    assert [c for c, _n in by_column["kind"]] == ["project", "programme", "core_operation", "trial_action"]
    assert {c for c, _n in by_column["status"]} == {"idea", "planned", "active", "completed", "anchored", "stopped"}
    assert {c for c, _n in by_column["track"]} == {"social", "physical", "organisational"}

    # each drop-down lists exactly the codes of its column on the koder sheet
    validations = {}
    for dv in sheet.data_validations.dataValidation:
        if dv.type == "list":
            column = COLUMNS[sheet[str(dv.sqref).split(":")[0]].column - 1]
            validations[column] = dv
    assert set(validations) >= {"kind", "status", "track", "department", "budget_funding_source"}
    for column, dv in validations.items():
        assert str(dv.sqref).endswith("1048576") and dv.allow_blank and dv.showErrorMessage
        ref = dv.formula1.split("!")[1].replace("$", "")
        listed = [row[0].value for row in codes[ref]]
        assert listed == [code for code, _name in by_column[column]], column


def test_template_default_is_xlsx_and_other_formats_are_refused(client):
    assert client.get(TEMPLATE).headers["content-type"] == XLSX
    assert_problem(client.get(TEMPLATE, params={"format": "json"}), 422, field=["format"])


def test_filled_template_imports(client):
    workbook = load_workbook(io.BytesIO(client.get(TEMPLATE).content))
    sheet = workbook["Indsatser"]
    sheet.append(
        [
            "SOB-2026-1",
            "Cykelværksted i Høje Gladsaxe",
            "trial_action",
            "planned",
            None,  # status_reason
            "physical",
            "SOB",
            None,
            "hoeje-gladsaxe",
            "T5",
            None,
            None,
            None,
            None,
            date(2026, 1, 1),
            date(2026, 12, 31),
            None,
            None,
            2026,
            "Materialer",
            "SOB-PULJE",
            12500.5,
            None,
            "revised",
            "Værkstedet er åbent hver uge",
            None,
            None,
            None,
            None,
            None,
        ]
    )
    out = io.BytesIO()
    workbook.save(out)
    response = client.post(IMPORT, content=out.getvalue(), headers={"Content-Type": XLSX})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1
    record = export(client).json()[0]
    assert record["budget_lines"][0]["amount"] == "12500.50" and record["name"] == "Cykelværksted i Høje Gladsaxe"
    assert record["budget_lines"][0]["type"] == "revised"


# --- the round trip ----------------------------------------------------------------------------------------------

MEDIA = {"json": "application/json", "csv": "text/csv", "xlsx": XLSX}


def comparable(fmt: str, content: bytes):
    if fmt == "xlsx":
        return xlsx_rows(content)  # the bytes hold the time the file was written
    return content


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_round_trip_through_an_empty_registry(client, fmt):
    build_registry(client)
    before_json = export(client).content
    before = export(client, fmt).content
    wipe_registry(client)
    assert export(client).json() == []

    response = client.post(IMPORT, content=before, headers={"Content-Type": MEDIA[fmt]})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (4, 0, 0)

    assert comparable(fmt, export(client, fmt).content) == comparable(fmt, before)
    assert export(client).content == before_json  # nothing lost in the spreadsheet either
    # and importing it once more changes nothing
    again = client.post(IMPORT, content=before, headers={"Content-Type": MEDIA[fmt]}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_round_trip_written_a_few_interventions_at_a_time(client, monkeypatch):
    """An import writes its children and audit records WRITE_CHUNK interventions at a time: with a chunk of one,
    every intervention is still written whole, parents and children linked, and audited once; an update too."""
    from app.services import imports

    build_registry(client)
    before = export(client).content
    wipe_registry(client)
    monkeypatch.setattr(imports, "WRITE_CHUNK", 1)

    created = client.post(IMPORT, content=before, headers={"Content-Type": "application/json"})
    assert created.status_code == 200, created.text
    assert created.json()["created"] == 4
    assert export(client).content == before
    assert sorted(audited(client, "import.create")) == sorted(str(i["id"]) for i in created.json()["items"])

    records = json.loads(before)
    for record in records:
        record["name"] += " (opdateret)"
        for line in record["budget_lines"]:
            line["amount"] = str(Decimal(line["amount"]) + 1)
    updated = client.post(IMPORT, json=records)
    assert (updated.json()["created"], updated.json()["updated"]) == (0, 4)
    assert json.loads(export(client).content) == records
    assert sorted(audited(client, "import.update")) == sorted(str(i["id"]) for i in created.json()["items"])


def audited(client, action: str) -> list[str]:
    """The interventions the audit log holds a record of `action` for."""
    records = client.get(f"{API}/audit", params={"resource": "intervention", "limit": 500}).json()["items"]
    return [r["resource_id"] for r in records if r["action"] == action]


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_round_trip_keeps_evaluated_criteria(client, fmt):
    """A criterion an evaluation has judged (outcome, actual value) comes back as it was."""
    create_intervention(
        client,
        external_id="SOB-2021-EVALUERET",
        name="Evalueret prøvehandling i Værebro Park",
        success_criteria=[
            {
                "description": "Flere unge i fritidsjob",
                "indicator": 2,
                "baseline": "10",
                "target": "15",
                "unit": "pct.",
                "outcome": "partly_met",
                "actual_value": "12.5",
            },
            {"description": "Ikke vurderet endnu"},
        ],
    )
    before_json = export(client).content
    before = export(client, fmt).content
    wipe_registry(client)
    response = client.post(IMPORT, content=before, headers={"Content-Type": MEDIA[fmt]})
    assert response.status_code == 200, response.text
    assert export(client).content == before_json
    assert comparable(fmt, export(client, fmt).content) == comparable(fmt, before)


def test_round_trip_keeps_the_totals_exact(client):
    build_registry(client)
    totals_before = {
        r["external_id"]: (r["budget_total"], r["budget_total_with_descendants"])
        for r in client.get(f"{API}/interventions").json()["items"]
    }
    content = export(client, "csv").content
    wipe_registry(client)
    assert client.post(IMPORT, content=content, headers={"Content-Type": "text/csv"}).status_code == 200
    totals_after = {
        r["external_id"]: (r["budget_total"], r["budget_total_with_descendants"])
        for r in client.get(f"{API}/interventions").json()["items"]
    }
    assert totals_after == totals_before
    assert totals_after["SSF-2020-ÆØÅ"] == ("0.11", "0.11")
    programme = Decimal("143750.00") + Decimal("333750.99") + Decimal("472500.10")
    children = Decimal("0.11") + Decimal("99999999.99")
    assert totals_after["BKF-2019-MØRKHØJ"] == (f"{programme:.2f}", f"{programme + children:.2f}")


def test_json_export_is_valid_json_utf8(client):
    build_registry(client)
    raw = export(client).content
    assert "Mørkhøj".encode() in raw  # not \u escapes
    assert json.loads(raw.decode("utf-8"))


def test_export_and_template_are_reads(anonymous):
    for path in (EXPORT, TEMPLATE):
        assert_problem(anonymous.get(path), 401)
    reader = make_token("reader", name="test-reader")
    for path, params in ((EXPORT, {"format": "csv"}), (TEMPLATE, {"format": "csv"})):
        response = anonymous.get(path, params=params, headers={"Authorization": f"Bearer {reader}"})
        assert response.status_code == 200, response.text


TYPED_LINES = [
    budget_line(year=2020, category="Løn", amount="1000.00"),
    budget_line(year=2020, category="Løn", amount="1200.00", type="revised", note="Revideret i juni"),
    budget_line(year=2020, category="Løn", amount="1180.55", type="actual", note="Regnskab 2020"),
    budget_line(year=2021, category="Aktiviteter", amount="300.00", type="revised"),  # a revision without an original
    budget_line(year=2021, category="Aktiviteter", amount="299.99", type="actual"),
]


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_round_trip_keeps_the_budget_line_types(client, fmt):
    made = create_intervention(client, external_id="SOB-2020-TYPER", budget_lines=TYPED_LINES)
    totals = {k: made[k] for k in ("budget_total", "original_budget_total", "actual_total")}
    assert totals == {"budget_total": "1500.00", "original_budget_total": "1000.00", "actual_total": "1480.54"}
    before_json = export(client).content
    before = export(client, fmt).content
    [record] = json.loads(before_json)
    assert [line["type"] for line in record["budget_lines"]] == [
        "budget",
        "revised",
        "actual",
        "revised",
        "actual",
    ] or sorted(line["type"] for line in record["budget_lines"]) == ["actual", "actual", "budget", "revised", "revised"]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(before.decode("utf-8-sig"))))
        assert sorted(r["budget_type"] for r in rows) == ["actual", "actual", "budget", "revised", "revised"]
    wipe_registry(client)
    response = client.post(IMPORT, content=before, headers={"Content-Type": MEDIA[fmt]})
    assert response.status_code == 200, response.text
    assert export(client).content == before_json
    assert comparable(fmt, export(client, fmt).content) == comparable(fmt, before)
    [item] = client.get(f"{API}/interventions", params={"external_id": "SOB-2020-TYPER"}).json()["items"]
    assert {k: item[k] for k in totals} == totals
    # importing it again is recognised as unchanged: the type is part of what is compared
    again = client.post(IMPORT, content=before, headers={"Content-Type": MEDIA[fmt]}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_the_template_offers_the_budget_line_types(client):
    workbook = load_workbook(io.BytesIO(client.get(TEMPLATE).content))
    sheet = workbook["Indsatser"]
    letter = get_column_letter(COLUMNS.index("budget_type") + 1)
    [validation] = [v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(f"{letter}2")]
    assert validation.type == "list"
    codes = workbook["koder"]
    listed = [
        (row[1], row[2])
        for row in codes.iter_rows(min_row=2, values_only=True)
        if row[0] == COLUMN_HEADINGS["budget_type"]
    ]
    assert listed == [("budget", "Oprindeligt budget"), ("revised", "Revideret budget"), ("actual", "Forbrug")]
