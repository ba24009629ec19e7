"""Observations from a spreadsheet through the API: a bad file is refused whole with every problem by row and
column; a good one (Danish formats) is applied, and applying it again changes nothing."""

import io

from openpyxl import Workbook, load_workbook

from tests.ambition_helpers import HG, REST, two_rounds
from tests.factories import API, assert_problem

URL = f"{API}/imports/observations"
CSV = {"content-type": "text/csv"}
XLSX = {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

GOOD = """runde;indikator;område;år;art;værdi;enhed;kilde
bu-2021;3 Oplevet sundhed;Høje Gladsaxe;;;61,5;pct.;Borgerundersøgelse 2021
bu-2021;3;vaerebro-park;2021;måling;63,0;pct.;Borgerundersøgelse 2021
bu-2024;3;Høje Gladsaxe;;;66,25;pct.;Borgerundersøgelse 2024
;3;hele-gladsaxe;2030;mål;80;pct.;Byrådets ambitionsniveau
bu-2024;4;resten-af-gladsaxe;;;;;
"""


def all_observations(client) -> list[tuple]:
    out = []
    for number in (3, 4):
        for o in client.get(f"{API}/indicators/{number}/observations").json()["items"]:
            out.append((number, o["area"], o["year"], o["kind"], o["value"], o["round"]))
    return out


def test_a_bad_file_is_refused_whole_with_every_problem(client):
    two_rounds(client)
    bad = (
        "round,indicator,area,value,year,colour\n"
        "bu-2021,3,hoeje-gladsaxe,61.5,,\n"  # fine, but the file is refused whole
        "bu-2021,99,hoeje-gladsaxe,1,,\n"
        "bu-2021,3,gladsaxe-centrum,1,,\n"
        "bu-2021,3,vaerebro-park,abc,,\n"
        "bu-2024,3,moerkhoej,1,2021,\n"
        "bu-2099,3,moerkhoej,1,,\n"
        "bu-2021,3,hoeje-gladsaxe,62,,\n"
        ",3,moerkhoej,1,,\n"
    )
    body = assert_problem(client.post(URL, content=bad.encode(), headers=CSV), 422)
    assert body["type"] == "/problems/import-rejected"
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert found == {
        (1, "colour"),
        (3, "indicator"),
        (4, "area"),
        (5, "value"),
        (6, "year"),
        (7, "round"),
        (8, None),
        (9, "year"),
    }, body["errors"]
    assert body["problem_count"] == 8
    # Each problem names its kind, the key of its Danish message on the web page (app/web/import_messages.py)
    kinds = {(e["row"], e["column"]): e["type"] for e in body["errors"]}
    assert kinds == {
        (1, "colour"): "unknown_column",
        (3, "indicator"): "unknown_code",
        (4, "area"): "unknown_code",
        (5, "value"): "decimal_format",
        (6, "year"): "round_year",
        (7, "round"): "unknown_code",
        (8, None): "repeated_row",
        (9, "year"): "round_or_year",
    }
    assert all_observations(client) == []
    assert_problem(client.post(URL, content=b"<p>", headers={"content-type": "text/html"}), 415)
    assert_problem(client.post(URL, content=b"", headers=CSV), 422)


def test_a_good_file_in_danish_formats_is_applied_once(client):
    two_rounds(client)
    data = GOOD.encode("cp1252")  # Danish Excel's semicolon CSV
    dry = client.post(URL, params={"dry_run": True}, content=data, headers=CSV)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["created"] == 4 and dry.json()["encoding"] == "windows-1252"
    assert all_observations(client) == []

    first = client.post(URL, content=data, headers=CSV).json()
    assert (first["created"], first["updated"], first["unchanged"], first["skipped"]) == (4, 0, 0, 1)
    assert [r["row"] for r in first["rows"]] == [2, 3, 4, 5]
    stored = all_observations(client)
    assert (3, HG, 2021, "actual", "61.5", "bu-2021") in stored
    assert (3, HG, 2024, "actual", "66.25", "bu-2024") in stored
    assert (3, "hele-gladsaxe", 2030, "target", "80", None) in stored
    second = client.post(URL, content=data, headers=CSV).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 4)
    assert all_observations(client) == stored


def test_template_filled_in_and_uploaded_as_xlsx(client):
    two_rounds(client)
    csv_template = client.get(f"{URL}/template", params={"format": "csv"})
    assert csv_template.status_code == 200
    assert csv_template.content.decode("utf-8-sig").splitlines()[0].startswith("round,indicator,indicator_name")
    response = client.get(f"{URL}/template", params={"round": "bu-2024"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["round", "indicator", "indicator_name"]
    assert {r[1] for r in rows[1:]} >= {3, 4, 9} and 1 not in {r[1] for r in rows[1:]}  # survey indicators only
    book = Workbook()
    out = book.active
    out.title = "observations"
    out.append(header)
    value_at = header.index("value")
    for row in rows[1:]:
        if row[1] == 4 and row[3] in (HG, REST):
            row[value_at] = 70.5 if row[3] == HG else 81
        out.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = client.post(URL, content=buffer.getvalue(), headers=XLSX).json()
    assert result["created"] == 2 and result["skipped"] == len(rows) - 3
    assert [(o[1], o[4]) for o in all_observations(client)] == [(HG, "70.5"), (REST, "81")]
    assert_problem(client.get(f"{URL}/template", params={"round": "bu-1999"}), 404)
