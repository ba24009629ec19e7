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
