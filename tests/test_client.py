"""The script client (app/client.py) and `registry import` / `registry export`, against the real app."""

import contextlib
import csv
import io
import json

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from app import cli
from app import client as api
from tests.factories import API, create_intervention

XLSX = api.XLSX_TYPE
HEADER = [
    "external_id",
    "name",
    "kind",
    "department",
    "parent_external_id",
    "budget_year",
    "budget_category",
    "budget_funding_source",
    "budget_amount",
]


def record(key: str, parent: str | None = None, **overrides) -> dict:
    return {
        "external_id": key,
        "name": f"Indsats {key} i Mørkhøj",
        "kind": "project",
        "department": "BKF",
        "parent_external_id": parent,
        "start_date": "2020-01-01",
        "end_date": "2023-12-31",
        "budget_lines": [{"year": 2020, "category": "Løn", "funding_source": "SOB-PULJE", "amount": "0.10"}],
        **overrides,
    }


def csv_file(rows: list[list], delimiter: str = ",", header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def registry(client) -> dict[str, dict]:
    """external_id → the intervention, as the list answers it."""
    items = client.get(f"{API}/interventions", params={"limit": 500}).json()["items"]
    return {i["external_id"]: i for i in items}


def run(client, content: bytes, fmt: str, **options) -> api.ImportOutcome:
    options.setdefault("sleep", lambda _s: None)
    return api.import_file(client, content, fmt, **options)


# --- reading and planning ----------------------------------------------------------------------------------------


def test_rows_of_one_key_stay_together_and_parents_come_first():
    rows = [
        ["C1", "Barn", "project", "BKF", "P", 2020, "Løn", "SOB-PULJE", "1,50"],
        ["X", "Alene", "project", "BKF", "", 2020, "Løn", "SOB-PULJE", "2"],
        ["P", "Program", "programme", "BKF", "", 2020, "Løn", "SOB-PULJE", "3"],
        ["C1", "Barn", "project", "BKF", "P", 2021, "Løn", "SOB-PULJE", "4"],  # not next to its first row
        ["G", "Barnebarn", "project", "BKF", "C1", 2020, "Løn", "SOB-PULJE", "5"],
        [],
        ["C2", "Barn 2", "project", "BKF", "P", 2020, "Løn", "SOB-PULJE", "6"],
    ]
    file = api.read_import_file(csv_file(rows, delimiter=";"), "csv")
    assert file.delimiter == ";" and file.interventions == 5
    assert [(g.key, g.rows) for g in file.groups] == [("C1", [2, 5]), ("X", [3]), ("P", [4]), ("G", [6]), ("C2", [8])]
    assert [[g.key for g in tree] for tree in api.families(file.groups)] == [["P", "C1", "G", "C2"], ["X"]]
    assert [[g.key for g in b] for b in api.plan_batches(file.groups, 4)] == [["P", "C1", "G", "C2"], ["X"]]
    assert [[g.key for g in b] for b in api.plan_batches(file.groups, 2)] == [["P", "C1"], ["G", "C2"], ["X"]]
    assert [[g.key for g in b] for b in api.plan_batches(file.groups, 1)] == [["P"], ["C1"], ["G"], ["C2"], ["X"]]

    batches = api.make_batches(file, batch_size=3, strategy="upsert", dry_run=False)
    first = list(csv.reader(io.StringIO(batches[0].body.decode(), newline=""), delimiter=";"))
    assert first[0] == HEADER
    assert [r[0] for r in first[1:]] == ["P", "C1", "C1", "G"]
    assert first[2][-1] == "1,50"  # cells go as they are: the service reads the decimal comma
    assert batches[0].rows == [4, 2, 5, 6]
    assert batches[0].file_row(3) == 2 and batches[0].file_row(1) == 1
    assert batches[0].split_family and batches[1].split_family is True
    assert [b.interventions for b in batches] == [3, 2]


def test_idempotency_keys_are_deterministic():
    content = json.dumps([record(f"K{i}") for i in range(5)]).encode()

    def keys(data=content, **options):
        file = api.read_import_file(data, "json")
        options = {"batch_size": 2, "strategy": "upsert", "dry_run": False, **options}
        return [b.idempotency_key for b in api.make_batches(file, **options)]

    first = keys()
    assert first == keys() and len(set(first)) == 3
    assert all(len(k) <= 200 for k in first)
    assert keys(batch_size=3)[0] != first[0]
    assert keys(dry_run=True)[0] != first[0]
    assert keys(strategy="create")[0] != first[0]
    assert keys(json.dumps([record(f"K{i}") for i in range(6)]).encode())[0] != first[0]


def test_format_is_detected():
    assert api.detect_format("a.XLSX", b"") == "xlsx"
    assert api.detect_format("data", b"PK\x03\x04rest") == "xlsx"
    assert api.detect_format("data", b"\xef\xbb\xbf  [{}]") == "json"
    assert api.detect_format("data.txt", b"external_id,name") == "csv"


@pytest.mark.parametrize(
    ("content", "fmt"),
    [(b"{not json", "json"), (b"{}", "json"), (b"\xff\xfe,", "csv"), (b"PK\x03\x04broken", "xlsx"), (b"", "csv")],
)
def test_unreadable_files_are_a_usage_error(content, fmt):
    with pytest.raises(api.ClientError) as caught:
        api.read_import_file(content, fmt)
    assert caught.value.code == api.USAGE


# --- importing through the service ------------------------------------------------------------------------------


def test_json_in_batches_with_progress(client):
    # children before their parents in the file; the client sends the parents first
    records = [
        record("C1", "P"),
        record("C2", "P"),
        record("G", "C1"),
        record("P", kind="programme"),
        record("A"),
        record("B"),
        record("D"),
    ]
    progress = io.StringIO()
    outcome = run(client, json.dumps(records, ensure_ascii=False).encode(), "json", batch_size=2, progress=progress)
    assert outcome.exit_code == api.OK, api.format_outcome(outcome)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (7, 0, 0)
    assert outcome.batches == 4 and outcome.applied == 4  # [P, C1] [G, C2] [A, B] [D]
    lines = progress.getvalue().splitlines()
    assert len(lines) == 4 and lines[-1].startswith("[" + "#" * 30 + "] 7/7 interventions, batch 4/4")
    assert "2/7" in lines[0]
    found = registry(client)
    assert found["C1"]["parent_id"] == found["P"]["id"] and found["G"]["parent_id"] == found["C1"]["id"]
    assert found["A"]["budget_total"] == "0.10"
    # the items name the records' positions in the file
    assert {i["external_id"]: i["row"] for i in outcome.items} == {
        "C1": 1,
        "C2": 2,
        "G": 3,
        "P": 4,
        "A": 5,
        "B": 6,
        "D": 7,
    }
    assert "created 7, updated 0, unchanged 0" in api.format_outcome(outcome)


def test_rerun_is_answered_from_the_store_and_changes_nothing(client):
    content = json.dumps([record(f"K{i}") for i in range(5)]).encode()
    first = run(client, content, "json", batch_size=2)
    again = run(client, content, "json", batch_size=2)
    assert again.exit_code == api.OK and again.replayed == 3
    assert (again.created, again.updated, again.unchanged) == (first.created, first.updated, first.unchanged)
    assert len(registry(client)) == 5
    # a new run with other batches is not a replay, and finds everything unchanged
    third = run(client, content, "json", batch_size=3)
    assert third.replayed == 0 and (third.created, third.unchanged) == (0, 5)


class FlakyClient:
    """Delegates to the test client; the answer to the chosen POSTs is lost after the service applied them."""

    def __init__(self, inner, lose: set[int], down_from: int | None = None):
        self.inner, self.lose, self.down_from, self.posts = inner, lose, down_from, 0
        self.keys: list[str] = []

    def post(self, *args, **kwargs):
        self.posts += 1
        self.keys.append(kwargs["headers"]["Idempotency-Key"])
        if self.down_from is not None and self.posts >= self.down_from:
            raise httpx.ConnectError("connection refused")
        response = self.inner.post(*args, **kwargs)
        if self.posts in self.lose:
            raise httpx.ReadError("connection reset after the request was sent")
        return response


def test_a_lost_answer_is_retried_with_the_same_key(client):
    content = json.dumps([record(f"K{i}") for i in range(6)]).encode()
    flaky = FlakyClient(client, lose={2})
    outcome = run(flaky, content, "json", batch_size=2)
    assert outcome.exit_code == api.OK, api.format_outcome(outcome)
    assert flaky.posts == 4 and flaky.keys[1] == flaky.keys[2]  # batch 2 sent twice, with one key
    assert outcome.replayed == 1 and outcome.created == 6
    assert len(registry(client)) == 6


def test_rerun_after_a_crash_applies_nothing_twice(client):
    content = json.dumps([record(f"K{i}", budget_lines=[]) for i in range(6)]).encode()
    down = FlakyClient(client, lose=set(), down_from=3)
    crashed = run(down, content, "json", batch_size=2, strategy="create", retries=1)
    assert crashed.exit_code == api.UNAVAILABLE and crashed.stopped and crashed.applied == 2
    assert "stopped after 2 of 3" in api.format_outcome(crashed)
    assert len(registry(client)) == 4
    # strategy=create would refuse the four that exist, were they sent again; the keys make them replays
    rerun = run(client, content, "json", batch_size=2, strategy="create")
    assert rerun.exit_code == api.OK, api.format_outcome(rerun)
    assert rerun.replayed == 2 and rerun.created == 6
    assert len(registry(client)) == 6


def test_bad_row_38_is_reported_with_the_files_row_number(client):
    rows = [
        [
            f"R{n}",
            f"Række {n} på Værebro",
            "project",
            "SSF",
            "",
            2020,
            "Løn",
            "SOB-PULJE",
            "12.345" if n == 38 else "100.10",
        ]
        for n in range(2, 52)
    ]  # 50 rows, file rows 2..51
    content = csv_file(rows)
    dry = run(client, content, "csv", batch_size=10, dry_run=True)
    assert dry.exit_code == api.REFUSED
    assert dry.refused == [4] and [(p.row, p.column) for p in dry.problems] == [(38, "budget_amount")]
    assert len(registry(client)) == 0  # a dry run writes nothing
    report = api.format_outcome(dry)
    assert "row 38, budget_amount: " in report and "dry run" in report

    outcome = run(client, content, "csv", batch_size=10)
    assert outcome.exit_code == api.REFUSED and outcome.refused == [4] and outcome.applied == 4
    assert len(registry(client)) == 40  # the other batches went in; the refused one wrote nothing
    assert "R38" not in registry(client) and "R37" not in registry(client)
    report = api.format_outcome(outcome)
    assert "row 38, budget_amount: " in report and "run the same command again" in report


def test_problems_in_a_json_file_name_the_records_position(client):
    records = [record("C", "P"), record("P"), record("Q", department="XYZ"), record("R", kind="nonsense")]
    outcome = run(client, json.dumps(records).encode(), "json", batch_size=2)
    assert outcome.exit_code == api.REFUSED
    assert sorted((p.row, p.column) for p in outcome.problems) == [(3, "department"), (4, "kind")]
    assert "record 3, department: " in api.format_outcome(outcome)
    assert set(registry(client)) == {"P", "C"}


def test_semicolon_csv_with_decimal_commas_in_batches(client):
    rows = [[f"D{n}", f"Dansk {n}", "project", "BMF", "", 2021, "Drift", "LBF", f"1.234,{n:02d}"] for n in range(5)]
    outcome = run(client, csv_file(rows, delimiter=";"), "csv", batch_size=2)
    assert outcome.exit_code == api.OK, api.format_outcome(outcome)
    assert registry(client)["D3"]["budget_total"] == "1234.03"


def test_xlsx_in_batches_with_row_numbers(client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "interventions"
    sheet.append(HEADER)
    for n in range(6):
        sheet.append(
            [
                f"X{n}",
                "=ikke en formel" if n == 0 else f"Åben værkstedsdag {n}",
                "trial_action",
                "SOB",
                "X0" if n == 5 else None,
                2022,
                "Materialer",
                "SOB-PULJE",
                1000.5 if n != 4 else -1,
            ]
        )
    sheet["B2"].data_type = "s"  # text, not a formula
    workbook.create_sheet("koder").append(["ignored"])
    out = io.BytesIO()
    workbook.save(out)
    outcome = run(client, out.getvalue(), "xlsx", batch_size=2)
    assert outcome.refused and [(p.row, p.column) for p in outcome.problems] == [(6, "budget_amount")]
    found = registry(client)
    assert found["X0"]["name"] == "=ikke en formel" and found["X5"]["parent_id"] == found["X0"]["id"]
    assert found["X1"]["budget_total"] == "1000.50"
    assert "X4" not in found


def test_errors_other_than_problems_are_reported():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Idempotency-Key"] and json.loads(request.content)[0]["external_id"] == "BIG":
            return httpx.Response(
                413,
                json={
                    "type": "/problems/payload-too-large",
                    "status": 413,
                    "title": "Payload too large",
                    "detail": "the limit is 1000 bytes",
                },
            )
        return httpx.Response(500, json={"type": "/problems/internal", "detail": "boom"})

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://registry")
    too_large = run(http, json.dumps([record("BIG")]).encode(), "json")
    assert too_large.exit_code == api.REFUSED
    assert "smaller --batch-size" in api.format_outcome(too_large) and "1000 bytes" in api.format_outcome(too_large)
    failing = run(http, json.dumps([record("A"), record("B")]).encode(), "json", batch_size=1)
    assert failing.exit_code == api.UNAVAILABLE and failing.sent == 0


def test_503_is_retried():
    answers = [
        httpx.Response(503, json={"detail": "busy"}),
        httpx.Response(
            200,
            json={
                "dry_run": False,
                "strategy": "upsert",
                "created": 1,
                "updated": 0,
                "unchanged": 0,
                "items": [{"row": 1, "external_id": "A", "action": "created", "id": 1}],
            },
        ),
    ]
    keys = []

    def handler(request):
        keys.append(request.headers["Idempotency-Key"])
        return answers.pop(0)

    waits = []
    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://registry")
    outcome = run(http, json.dumps([record("A")]).encode(), "json", sleep=waits.append)
    assert outcome.exit_code == api.OK and outcome.created == 1
    assert len(keys) == 2 and keys[0] == keys[1] and waits == [1]


# --- export ------------------------------------------------------------------------------------------------------


def test_export_to_a_stream_with_filters(client):
    create_intervention(client, external_id="E1", themes=["T1"], name="Én med æ")
    create_intervention(client, external_id="E2", themes=["T4"])
    out = io.BytesIO()
    size = api.export_to(client, out, fmt="json", filters={"theme": ["T1"], "q": None, "include_archived": False})
    assert size == len(out.getvalue())
    assert [r["external_id"] for r in json.loads(out.getvalue())] == ["E1"]
    with pytest.raises(api.ClientError) as caught:
        api.export_to(client, io.BytesIO(), filters={"theme": ["T99"]})
    assert caught.value.code == api.REFUSED and "T99" in str(caught.value)


# --- the CLI -----------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_client(client, monkeypatch):
    """`registry` talking to the test app: the CLI's client factory hands out the TestClient."""
    made = []

    def make_client(url, token=None, timeout=300.0):
        made.append((url, token))
        return contextlib.nullcontext(client)

    monkeypatch.setattr(api, "make_client", make_client)
    monkeypatch.setattr(api.time, "sleep", lambda _s: None)
    return made


def test_cli_import_and_export(cli_client, client, tmp_path, capsys):
    source = tmp_path / "indsatser.json"
    source.write_text(json.dumps([record("P"), record("C", "P")], ensure_ascii=False), encoding="utf-8")
    code = cli.main(["import", str(source), "--url", "http://registry", "--token", "hemmelig", "--batch-size", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured
    assert cli_client == [("http://registry", "hemmelig")]
    assert "created 2, updated 0, unchanged 0" in captured.out
    assert "batch 2/2" in captured.err  # progress on stderr

    target = tmp_path / "export.xlsx"
    assert (
        cli.main(["export", "--url", "http://registry", "--format", "xlsx", "-o", str(target), "--q", "mørkhøj"]) == 0
    )
    rows = list(load_workbook(target, read_only=True)["Indsatser"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["P", "C", "I alt"]  # and the total row
    assert not (tmp_path / "export.xlsx.partial").exists()

    # the export imports again: nothing changes
    assert cli.main(["import", str(target), "--url", "http://registry"]) == 0
    assert "created 0, updated 0, unchanged 2" in capsys.readouterr().out


def test_cli_exit_codes(cli_client, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([["A", "Navn", "project", "XYZ", "", 2020, "Løn", "SOB-PULJE", "1"]]))
    assert cli.main(["import", str(bad), "--url", "http://registry", "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "row 2, department: unknown department code 'XYZ'" in out

    assert cli.main(["import", str(tmp_path / "missing.csv"), "--url", "http://registry"]) == 2
    assert "cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    assert cli.main(["import", str(broken), "--url", "http://registry"]) == 2
    assert cli.main(["export", "--url", "http://registry", "--theme", "T99"]) == 1
    assert "T99" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        cli.main(["import", str(bad), "--url", "http://registry", "--batch-size", "0"])
    assert usage.value.code == 2


def test_cli_unreachable_service(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(api.time, "sleep", lambda _s: None)
    source = tmp_path / "a.json"
    source.write_text(json.dumps([record("A")]), encoding="utf-8")
    # port 9 (discard) on the loopback: nothing listens, the connection is refused at once
    assert cli.main(["import", str(source), "--url", "http://127.0.0.1:9"]) == 3
    assert "cannot be reached" in capsys.readouterr().out
    assert cli.main(["export", "--url", "http://127.0.0.1:9"]) == 3


def test_make_client_sets_base_url_and_token():
    with api.make_client("https://registry.example.dk/api/v1/", "t0k") as http:
        assert str(http.base_url) == "https://registry.example.dk"
        assert http.headers["Authorization"] == "Bearer t0k"
    with api.make_client("http://localhost:8000") as http:
        assert "Authorization" not in http.headers
