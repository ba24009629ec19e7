"""Reference data: seeded by the migrations from the source documents, served read-only."""

import json
from pathlib import Path

from tests.factories import API


def test_framework_is_the_tree_of_3_goals_9_themes_19_indicators(client):
    tree = client.get(f"{API}/framework").json()
    goals = tree["effect_goals"]
    themes = [t for g in goals for t in g["themes"]]
    indicators = [i for t in themes for i in t["indicators"]]
    assert [g["code"] for g in goals] == ["E1", "E2", "E3"]
    assert [t["code"] for t in themes] == [f"T{n}" for n in range(1, 10)]
    assert [i["number"] for i in indicators] == list(range(1, 20))
    # The theme without indicators is still part of the framework.
    assert next(t for t in themes if t["code"] == "T6") == {
        "code": "T6",
        "name": "Socialt mix i fritiden",
        "indicators": [],
    }
    assert goals[2]["name"] == "Vi skal gå fra udsatte boligområder til attraktive bydele"
    assert indicators[18]["name"] == "Bevægelse ud og ind af boligområder"


def test_framework_matches_the_shipped_reference_copy(client):
    # app/demo holds no framework; the migration is the copy. Compare it with the source file if present.
    source = Path(__file__).resolve().parents[2] / "shared" / "reference" / "framework.json"
    if not source.exists():
        source = None
    tree = client.get(f"{API}/framework").json()
    names = {i["number"]: i["name"] for g in tree["effect_goals"] for t in g["themes"] for i in t["indicators"]}
    assert names[5] == "Oplevet økonomisk tryghed" and names[11] == "Skolefravær"
    if source is not None:
        ref = json.loads(source.read_text(encoding="utf-8"))
        expected = {n: name for g in ref["effect_goals"] for t in g["themes"] for n, name in t["indicators"]}
        assert names == expected


def test_reference_lists(client):
    departments = client.get(f"{API}/departments").json()["items"]
    assert [d["code"] for d in departments] == ["BKF", "BMF", "SOB", "SSF"]
    areas = client.get(f"{API}/areas").json()["items"]
    assert [a["slug"] for a in areas] == [
        "hoeje-gladsaxe",
        "vaerebro-park",
        "moerkhoej",
        "resten-af-gladsaxe",
        "hele-gladsaxe",
    ]
    assert areas[1]["name"] == "Værebro Park" and areas[0]["kind"] == "focus_area"
    sources = {f["code"] for f in client.get(f"{API}/funding-sources").json()["items"]}
    assert sources == {"SOB-BUDGET", "SOB-PULJE", "FAGFORVALTNING", "LBF", "BOLIGORG"}
    themes = client.get(f"{API}/themes").json()["items"]
    assert len(themes) == 9 and themes[0] == {
        "code": "T1",
        "name": "Selvforsørgelse",
        "effect_goal": "E1",
        "indicators": [1, 2],
    }
    indicators = client.get(f"{API}/indicators").json()["items"]
    assert len(indicators) == 19
    assert indicators[8] == {
        "number": 9,
        "name": "Ensomhed",
        "theme": "T4",
        "effect_goal": "E1",
        "higher_is_better": False,
        "likely_source": "survey",
        "unit": None,
        "active": True,
        "retired_at": None,
    }


def test_reference_data_is_read_only(client):
    # (POST /indicators adds an indicator: the framework changes through the API, tests/test_ambition.py)
    for path in ("/framework", "/themes", "/areas", "/departments", "/funding-sources"):
        response = client.post(f"{API}{path}", json={"code": "X"})
        assert response.status_code == 405
        assert response.headers["content-type"].startswith("application/problem+json")


def test_health(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["database"] in {"sqlite", "postgresql"}


def _create(client, **fields):
    body = {"name": "Kodetjek", "kind": "project", "status": "planned", "department": "BKF", **fields}
    return client.post(f"{API}/interventions", json=body)


def test_a_write_checks_its_codes_against_the_reference_data_as_it_is_now(client):
    """Each worker keeps the codes it read while the reference data's version stays (migration 0026): a new
    indicator is known to the next write, and codes changed outside the service (an operator's SQL) are seen
    too, added or removed."""
    from sqlalchemy import text

    from app.db import get_engine

    assert _create(client, indicators=[1]).status_code == 201  # the codes are read, and kept
    refused = _create(client, indicators=[20])
    assert refused.status_code == 422 and "unknown indicator code 20" in refused.text
    added = client.post(f"{API}/indicators", json={"theme": "T6", "name": "Fritid på tværs", "higher_is_better": True})
    assert added.status_code == 201 and added.json()["number"] == 20
    assert _create(client, indicators=[20]).status_code == 201

    line = {"year": 2025, "category": "Drift", "funding_source": "KONSTRUERET", "amount": "100.00"}
    assert _create(client, budget_lines=[line]).status_code == 422
    with get_engine().begin() as conn:
        conn.execute(text("INSERT INTO funding_source (code, name) VALUES ('KONSTRUERET', 'Konstrueret eksempel')"))
    assert _create(client, budget_lines=[line]).status_code == 201
    with get_engine().begin() as conn:
        conn.execute(text("DELETE FROM budget_line WHERE funding_source_code = 'KONSTRUERET'"))
        conn.execute(text("DELETE FROM funding_source WHERE code = 'KONSTRUERET'"))
    gone = _create(client, budget_lines=[line])
    assert gone.status_code == 422 and "unknown funding source code 'KONSTRUERET'" in gone.text


def test_a_worker_reads_the_codes_again_only_when_the_reference_data_changed(client):
    """The codes travel with the reference data's version, read in the token check's statement: while it stays,
    a write sends no statement for them."""
    from sqlalchemy import event

    from app.db import get_engine

    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement)

    def reads_codes() -> bool:
        sent.clear()
        event.listen(get_engine(), "before_cursor_execute", note)
        try:
            assert _create(client, themes=["T1"]).status_code == 201
        finally:
            event.remove(get_engine(), "before_cursor_execute", note)
        return any("FROM funding_source" in s for s in sent)

    reads_codes()
    assert not reads_codes()
    added = client.post(f"{API}/indicators", json={"theme": "T6", "name": "Fritid på tværs", "higher_is_better": True})
    assert added.status_code == 201
    assert reads_codes()
    assert not reads_codes()


def test_a_rollup_names_an_indicator_added_since_the_last_rollup(client):
    """The names a rollup shows are kept with the reference data's version too: a new indicator is named."""
    line = {"year": 2025, "category": "Drift", "funding_source": "LBF", "amount": "100.00"}
    assert _create(client, indicators=[1], budget_lines=[line]).status_code == 201
    before = client.get(f"{API}/rollups/budget", params={"by": "indicator"}).json()["rows"]
    assert [r["indicator_name"] for r in before if r["indicator"] == 1] != []
    added = client.post(f"{API}/indicators", json={"theme": "T6", "name": "Fritid på tværs", "higher_is_better": True})
    assert _create(client, indicators=[added.json()["number"]], budget_lines=[line]).status_code == 201
    rows = client.get(f"{API}/rollups/budget", params={"by": "indicator"}).json()["rows"]
    assert {r["indicator"]: r["indicator_name"] for r in rows}[20] == "Fritid på tværs"
