"""Indicator observations through the API (add, list, bulk upsert, refusals), the indicators' editable defaults,
and the 2030 indicator report checked against figures computed by hand."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models.observation import REPORT_HEADINGS
from tests.factories import API, assert_problem

HG, VP, MK, REST, ALL = "hoeje-gladsaxe", "vaerebro-park", "moerkhoej", "resten-af-gladsaxe", "hele-gladsaxe"


def obs_url(number: int) -> str:
    return f"{API}/indicators/{number}/observations"


def observation(**overrides):
    return {
        "area": HG,
        "year": 2021,
        "kind": "baseline",
        "value": "60.0",
        "unit": "pct.",
        "source": "Tryghedsundersøgelse 2021",
        **overrides,
    }


def values(client, number: int) -> list[tuple]:
    items = client.get(obs_url(number)).json()["items"]
    return [(o["area"], o["year"], o["kind"], o["value"], o["unit"], o["source"], o["note"]) for o in items]


@pytest.fixture
def restore_indicators(client):
    """The indicator table is not wiped between tests: put back whatever a test PATCHes."""
    before = client.get(f"{API}/indicators").json()["items"]
    yield
    for ind in before:
        response = client.patch(
            f"{API}/indicators/{ind['number']}",
            json={"higher_is_better": ind["higher_is_better"], "likely_source": ind["likely_source"]},
        )
        assert response.status_code == 200, response.text
    assert client.get(f"{API}/indicators").json()["items"] == before


# --- add and list ------------------------------------------------------------------------------------------


def test_add_and_list_observations(client):
    response = client.post(obs_url(4), json=observation(note="Høje Gladsaxe, ~2.000 svar"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["indicator"] == 4 and body["area"] == HG and body["year"] == 2021 and body["kind"] == "baseline"
    assert body["value"] == "60.0" and body["unit"] == "pct." and body["source"] == "Tryghedsundersøgelse 2021"
    assert body["note"] == "Høje Gladsaxe, ~2.000 svar"
    assert body["created_at"] == body["updated_at"] and body["created_at"].endswith("Z")

    client.post(obs_url(4), json=observation(area=REST, value=80))
    client.post(obs_url(4), json=observation(year=2024, kind="actual", value=66.0, source="Tryghedsundersøgelse 2024"))
    client.post(obs_url(4), json=observation(year=2030, kind="target", value="75"))
    client.post(obs_url(9), json=observation(value="18"))

    items = client.get(obs_url(4)).json()["items"]
    # ordered by year, then area in reference order, then kind
    assert [(o["year"], o["area"], o["kind"], o["value"]) for o in items] == [
        (2021, HG, "baseline", "60.0"),
        (2021, REST, "baseline", "80"),
        (2024, HG, "actual", "66.0"),
        (2030, HG, "target", "75"),
    ]
    assert client.get(obs_url(4)).json().keys() == {"items"}
    filtered = client.get(obs_url(4), params={"area": HG, "kind": ["baseline", "actual"]}).json()["items"]
    assert [(o["year"], o["kind"]) for o in filtered] == [(2021, "baseline"), (2024, "actual")]
    assert [o["year"] for o in client.get(obs_url(4), params={"year": [2024, 2030]}).json()["items"]] == [2024, 2030]
    assert client.get(obs_url(9)).json()["items"][0]["value"] == "18"
    assert client.get(obs_url(5)).json()["items"] == []


def test_values_are_kept_exactly(client):
    for i, (sent, answered) in enumerate(
        [
            ("0.123456", "0.123456"),
            ("123456789012.5", "123456789012.5"),
            (-3.25, "-3.25"),
            ("  7.10 ", "7.10"),
            (0.1, "0.1"),
            (1e2, "100.0"),  # a number may have an exponent; a string may not ("1E+2": the schema's pattern)
        ]
    ):
        response = client.post(obs_url(19), json=observation(year=2001 + i, value=sent))
        assert response.status_code == 201, response.text
        assert response.json()["value"] == answered
    assert [o[3] for o in values(client, 19)] == ["0.123456", "123456789012.5", "-3.25", "7.10", "0.1", "100.0"]
    assert_problem(client.post(obs_url(19), json=observation(year=2010, value="1E+2")), 422, field=["body", "value"])


def test_second_value_for_the_same_area_year_and_kind_is_a_conflict(client):
    client.post(obs_url(4), json=observation())
    before = values(client, 4)
    response = client.post(obs_url(4), json=observation(value="61.0"))
    assert_problem(response, 409)
    assert response.json()["type"] == "/problems/conflict"
    assert values(client, 4) == before
    # another kind, year or area is another observation
    for other in ({"kind": "actual"}, {"year": 2024}, {"area": VP}):
        assert client.post(obs_url(4), json=observation(**other)).status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (observation(area="gladsaxe-centrum"), ["body", "area"]),
        (observation(value="NaN"), ["body", "value"]),
        (observation(value="Infinity"), ["body", "value"]),
        (observation(value="-inf"), ["body", "value"]),
        (observation(value="1,5"), ["body", "value"]),
        (observation(value=True), ["body", "value"]),
        (observation(value=None), ["body", "value"]),
        (observation(value="0.0000001"), ["body", "value"]),
        (observation(value="1e20"), ["body", "value"]),
        (observation(year=1999), ["body", "year"]),
        (observation(year=2101), ["body", "year"]),
        (observation(kind="forecast"), ["body", "kind"]),
        (observation(area=""), ["body", "area"]),
        (observation(unit="x" * 51), ["body", "unit"]),
        (observation(colour="red"), ["body", "colour"]),
        ({"area": HG, "year": 2021, "value": "1"}, ["body", "kind"]),
    ],
)
def test_refused_observations_name_the_field_and_write_nothing(client, payload, field):
    body = assert_problem(client.post(obs_url(4), json=payload), 422, field=field)
    if field == ["body", "area"] and payload["area"]:
        assert "gladsaxe-centrum" in body["detail"] and body["errors"][0]["type"] == "unknown_code"
    assert values(client, 4) == []


def test_nan_and_infinity_literals_are_refused(client):
    for literal in ("NaN", "Infinity", "-Infinity", "1e400"):
        raw = f'{{"area": "{HG}", "year": 2021, "kind": "baseline", "value": {literal}}}'
        response = client.post(obs_url(4), content=raw, headers={"content-type": "application/json"})
        assert_problem(response, 422, field=["body", "value"])
    assert values(client, 4) == []


def test_unknown_indicator_is_404_everywhere(client):
    for number in (20, 999):
        assert_problem(client.get(obs_url(number)), 404)
        assert_problem(client.post(obs_url(number), json=observation()), 404)
        assert_problem(client.put(obs_url(number), json=[observation()]), 404)
        assert_problem(client.patch(f"{API}/indicators/{number}", json={"higher_is_better": False}), 404)
    assert_problem(client.get(obs_url(0)), 422, field=["path", "number"])


def test_list_filters_are_checked(client):
    body = assert_problem(client.get(obs_url(4), params={"area": [HG, "noerrebro"]}), 422, field=["query", "area", 1])
    assert "noerrebro" in body["detail"]
    assert_problem(client.get(obs_url(4), params={"kind": "forecast"}), 422, field=["query", "kind", 0])
    # A year outside the registry's range, even one too large for a database integer (found by the fuzzer)
    assert_problem(client.get(obs_url(4), params={"year": [2024, 519989756155]}), 422, field=["query", "year", 1])
    assert_problem(client.get(obs_url(4), params={"year": 1999}), 422, field=["query", "year", 0])


# --- bulk upsert -------------------------------------------------------------------------------------------


def test_bulk_upsert_creates_updates_and_leaves_unchanged(client):
    first = [observation(area=a, value=v) for a, v in ((HG, "60.0"), (VP, "70.0"), (REST, "80.0"))]
    response = client.put(obs_url(4), json=first)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    ids = {o["area"]: o["id"] for o in client.get(obs_url(4)).json()["items"]}

    assert client.put(obs_url(4), json=first).json() == {"created": 0, "updated": 0, "unchanged": 3}

    second = [
        observation(area=HG, value="60.0"),  # the same: unchanged
        observation(area=VP, value="70.00"),  # same number, other text: updated
        observation(area=REST, value="80.0", source=None, note="rettet"),  # other source and note: updated
        observation(area=MK, value=78),  # new
    ]
    assert client.put(obs_url(4), json=second).json() == {"created": 1, "updated": 2, "unchanged": 1}
    after = client.get(obs_url(4)).json()["items"]
    assert {o["area"]: o["id"] for o in after if o["area"] != MK} == ids  # updated in place, not replaced
    assert [(o["area"], o["value"], o["source"], o["note"]) for o in after] == [
        (HG, "60.0", "Tryghedsundersøgelse 2021", None),
        (VP, "70.00", "Tryghedsundersøgelse 2021", None),
        (MK, "78", "Tryghedsundersøgelse 2021", None),
        (REST, "80.0", None, "rettet"),
    ]
    changed = {o["area"]: o for o in after}
    assert changed[VP]["updated_at"] > changed[VP]["created_at"]
    assert changed[HG]["updated_at"] == changed[HG]["created_at"]
    assert client.put(obs_url(4), json=[]).json() == {"created": 0, "updated": 0, "unchanged": 0}
    assert len(values(client, 4)) == 4  # observations not named stay


def test_bulk_upsert_is_all_or_nothing_and_lists_every_problem(client):
    client.put(obs_url(4), json=[observation(area=HG, value="60.0")])
    before = values(client, 4)
    payload = [
        observation(area=HG, value="61.0"),  # would update
        observation(area="glostrup", value="1"),  # unknown area
        observation(area=VP, value="70.0"),  # would create
        observation(area=VP, value="71.0"),  # repeats item 2
        observation(area="ballerup", value="2"),  # unknown area
    ]
    body = assert_problem(client.put(obs_url(4), json=payload), 422)
    locs = [e["loc"] for e in body["errors"]]
    assert locs == [["body", 1, "area"], ["body", 3], ["body", 4, "area"]]
    assert "glostrup" in body["detail"] and "ballerup" in body["detail"]
    assert values(client, 4) == before

    # errors in the payload's shape are listed at once too, and also write nothing
    payload = [
        observation(area=HG, value="61.0"),
        observation(value="NaN"),
        observation(year=1900),
        observation(kind="guess"),
    ]
    body = assert_problem(client.put(obs_url(4), json=payload), 422)
    locs = [e["loc"] for e in body["errors"]]
    assert ["body", 1, "value"] in locs and ["body", 2, "year"] in locs and ["body", 3, "kind"] in locs
    assert values(client, 4) == before

    assert_problem(client.put(obs_url(4), json=observation()), 422)  # an object, not an array
    assert values(client, 4) == before


# --- the indicators' editable defaults ---------------------------------------------------------------------


def test_patch_indicator_defaults(client, restore_indicators):
    response = client.patch(f"{API}/indicators/7", json={"likely_source": "survey"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "number": 7,
        "name": "Kriminalitet",
        "theme": "T3",
        "effect_goal": "E1",
        "higher_is_better": False,
        "likely_source": "survey",
        "unit": None,
        "active": True,
        "retired_at": None,
    }
    response = client.patch(f"{API}/indicators/7", json={"higher_is_better": True})
    assert response.json()["higher_is_better"] is True and response.json()["likely_source"] == "survey"
    listed = next(i for i in client.get(f"{API}/indicators").json()["items"] if i["number"] == 7)
    assert listed["higher_is_better"] is True and listed["likely_source"] == "survey"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"higher_is_better": None}, ["body", "higher_is_better"]),
        ({"likely_source": None}, ["body", "likely_source"]),
        ({"higher_is_better": "yes"}, ["body", "higher_is_better"]),
        ({"higher_is_better": 1}, ["body", "higher_is_better"]),
        ({"likely_source": "guess"}, ["body", "likely_source"]),
        ({"name": "Tryghed"}, ["body", "name"]),
    ],
)
def test_patch_indicator_refusals(client, restore_indicators, payload, field):
    before = client.get(f"{API}/indicators").json()["items"]
    assert_problem(client.patch(f"{API}/indicators/4", json=payload), 422, field=field)
    assert client.get(f"{API}/indicators").json()["items"] == before


# --- the 2030 indicator report -----------------------------------------------------------------------------

# Hand-made figures. Indicator 4 Oplevet fysisk tryghed (higher is better), a survey with baseline rows;
# Høje Gladsaxe also has an `actual` 2021 row (ignored: the baseline row wins) and a 2024 target (ignored).
IND4 = [
    observation(area=HG, value="60.0"),
    observation(area=VP, value="70.0"),
    observation(area=MK, value="78.0"),
    observation(area=REST, value="80.0"),
    observation(area=ALL, value="76.0"),
    observation(area=HG, kind="actual", value="61.0"),
    *(
        observation(area=a, year=2024, kind="actual", value=v, source="Tryghedsundersøgelse 2024")
        for a, v in ((HG, "66.0"), (VP, "72.5"), (MK, "79.5"), (REST, "81.0"), (ALL, "77.5"))
    ),
    observation(area=HG, year=2024, kind="target", value="90.0"),
]
# Indicator 7 Kriminalitet (lower is better), register data: no baseline rows, so the 2021 `actual` rows count.
IND7 = [
    observation(area=a, year=y, kind="actual", value=v, unit="pr. 1.000", source="registerdata")
    for y, rows in (
        (2021, ((HG, "12.0"), (VP, "9.0"), (MK, "7.5"), (REST, "5.0"), (ALL, "6.0"))),
        (2024, ((HG, "10.0"), (VP, "9.5"), (MK, "6.0"), (REST, "5.5"), (ALL, "5.8"))),
    )
    for a, v in rows
]
# Indicator 9 Ensomhed (lower is better), survey. Values sent as JSON numbers.
IND9 = [
    *(observation(area=a, value=v) for a, v in ((HG, 18.0), (VP, 16.0), (MK, 14.0), (REST, 10.0), (ALL, 11.2))),
    *(
        observation(area=a, year=2024, kind="actual", value=v)
        for a, v in ((HG, 15.5), (VP, 13.0), (MK, 12.5), (REST, 10.5), (ALL, 11.0))
    ),
]
# Indicator 1 Uddannelse: only two figures of 2024, nothing at baseline.
IND1 = [
    observation(area=HG, year=2024, kind="actual", value="40.0"),
    observation(area=REST, year=2024, kind="actual", value="55.0"),
]

D = Decimal


def load_example(client):
    for number, rows in ((4, IND4), (7, IND7), (9, IND9), (1, IND1)):
        response = client.put(obs_url(number), json=rows)
        assert response.status_code == 200, response.text


def dec(value):
    return None if value is None else D(value)


def focus(row, area):
    found = next(g for g in row["focus_areas"] if g["area"] == area)
    return {k: dec(v) if k in {"value", "baseline_value", "gap", "baseline_gap"} else v for k, v in found.items()}


def test_report_reproduces_the_hand_computed_example(client):
    load_example(client)
    response = client.get(f"{API}/rollups/indicators", params={"year": 2024})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["year"] == 2024 and report["baseline_year"] == 2021
    assert report["focus_areas"] == [HG, VP, MK]
    assert report["comparison_area"] == REST and report["municipality_area"] == ALL
    assert [r["number"] for r in report["indicators"]] == list(range(1, 20))
    assert [t["code"] for t in report["themes"]] == [f"T{n}" for n in range(1, 10)]
    rows = {r["number"]: r for r in report["indicators"]}

    # Indicator 4, higher is better, so gap = Resten − focus (positive: the focus area is worse).
    # 2021 (baseline rows; HG's actual 61.0 is not used): HG 80.0 − 60.0 = 20.0, VP 80.0 − 70.0 = 10.0,
    #                                                     MK 80.0 − 78.0 = 2.0
    # 2024 (actual rows; HG's target 90.0 is not used):   HG 81.0 − 66.0 = 15.0, VP 81.0 − 72.5 = 8.5,
    #                                                     MK 81.0 − 79.5 = 1.5
    # |15.0| < |20.0|, |8.5| < |10.0|, |1.5| < |2.0|: every gap narrowed.
    # Hele Gladsaxe 77.5 (2024) > 76.0 (2021), higher is better: improved.
    r4 = rows[4]
    assert r4["higher_is_better"] is True and r4["has_data"] is True and r4["theme"] == "T3"
    assert focus(r4, HG) == {
        "area": HG,
        "value": D("66.0"),
        "baseline_value": D("60.0"),
        "gap": D("15.0"),
        "baseline_gap": D("20.0"),
        "gap_narrowed": True,
    }
    assert (focus(r4, VP)["gap"], focus(r4, VP)["baseline_gap"], focus(r4, VP)["gap_narrowed"]) == (
        D("8.5"),
        D("10.0"),
        True,
    )
    assert (focus(r4, MK)["gap"], focus(r4, MK)["baseline_gap"], focus(r4, MK)["gap_narrowed"]) == (
        D("1.5"),
        D("2.0"),
        True,
    )
    assert r4["focus_areas"][0]["gap"] == "15.0"  # answered as exact decimal text
    assert r4["comparison"] == {"area": REST, "value": "81.0", "baseline_value": "80.0"}
    assert r4["municipality"] == {"area": ALL, "value": "77.5", "baseline_value": "76.0", "improved": True}
    assert r4["gaps_narrowed"] is True and r4["municipality_improved"] is True

    # Indicator 7, lower is better, so gap = focus − Resten; 2021 from the `actual` rows (no baseline rows).
    # 2021: HG 12.0 − 5.0 = 7.0, VP 9.0 − 5.0 = 4.0, MK 7.5 − 5.0 = 2.5
    # 2024: HG 10.0 − 5.5 = 4.5, VP 9.5 − 5.5 = 4.0, MK 6.0 − 5.5 = 0.5
    # VP: |4.0| is not < |4.0|: not narrowed, so the indicator's gaps did not all narrow.
    # Hele Gladsaxe 5.8 < 6.0, lower is better: improved.
    r7 = rows[7]
    assert [(g["area"], dec(g["gap"]), dec(g["baseline_gap"]), g["gap_narrowed"]) for g in r7["focus_areas"]] == [
        (HG, D("4.5"), D("7.0"), True),
        (VP, D("4.0"), D("4.0"), False),
        (MK, D("0.5"), D("2.5"), True),
    ]
    assert focus(r7, HG)["baseline_value"] == D("12.0")
    assert r7["gaps_narrowed"] is False and r7["municipality_improved"] is True

    # Indicator 9 Ensomhed, lower is better: the orientation flips, gap = focus − Resten.
    # 2021: HG 18.0 − 10.0 = 8.0, VP 16.0 − 10.0 = 6.0, MK 14.0 − 10.0 = 4.0
    # 2024: HG 15.5 − 10.5 = 5.0, VP 13.0 − 10.5 = 2.5, MK 12.5 − 10.5 = 2.0   all narrowed
    # (with higher-is-better arithmetic HG's gap would be 10.5 − 15.5 = −5.0: the sign shows the orientation)
    # Hele Gladsaxe 11.0 < 11.2, lower is better: improved.
    r9 = rows[9]
    assert [(g["area"], dec(g["gap"]), dec(g["baseline_gap"]), g["gap_narrowed"]) for g in r9["focus_areas"]] == [
        (HG, D("5.0"), D("8.0"), True),
        (VP, D("2.5"), D("6.0"), True),
        (MK, D("2.0"), D("4.0"), True),
    ]
    assert r9["municipality"]["improved"] is True
    assert r9["gaps_narrowed"] is True and r9["municipality_improved"] is True

    # Indicator 1: only HG and Resten in 2024. Gap 2024 = 55.0 − 40.0 = 15.0; everything else unknown.
    r1 = rows[1]
    assert r1["has_data"] is True
    assert focus(r1, HG) == {
        "area": HG,
        "value": D("40.0"),
        "baseline_value": None,
        "gap": D("15.0"),
        "baseline_gap": None,
        "gap_narrowed": None,
    }
    assert focus(r1, VP) == {
        "area": VP,
        "value": None,
        "baseline_value": None,
        "gap": None,
        "baseline_gap": None,
        "gap_narrowed": None,
    }
    assert r1["municipality"] == {"area": ALL, "value": None, "baseline_value": None, "improved": None}
    assert r1["gaps_narrowed"] is None and r1["municipality_improved"] is None

    # Indicator 2: no data at all.
    r2 = rows[2]
    assert r2["has_data"] is False and r2["gaps_narrowed"] is None and r2["municipality_improved"] is None
    assert all(g["value"] is None and g["gap"] is None for g in r2["focus_areas"])

    themes = {t["code"]: t for t in report["themes"]}
    # T3 = indicators 4, 5, 6, 7; with data: 4 (narrowed, improved) and 7 (VP not narrowed, improved).
    assert themes["T3"] == {
        "code": "T3",
        "name": "Tryghed",
        "indicators": [4, 5, 6, 7],
        "indicators_with_data": 2,
        "indicators_gaps_narrowed": 1,
        "indicators_municipality_improved": 2,
        "gaps_narrowed": False,
        "municipality_improved": True,
        "ambition_met": False,
    }
    # T4 = 8, 9, 10, 11; with data: 9 only, which passes both tests.
    assert themes["T4"]["indicators_with_data"] == 1
    assert (themes["T4"]["gaps_narrowed"], themes["T4"]["municipality_improved"], themes["T4"]["ambition_met"]) == (
        True,
        True,
        True,
    )
    # T1 = 1, 2; indicator 1 has data but not enough to tell.
    assert themes["T1"]["indicators_with_data"] == 1 and themes["T1"]["ambition_met"] is None
    # T6 has no indicator; T2 has no data.
    assert themes["T6"] == {
        "code": "T6",
        "name": "Socialt mix i fritiden",
        "indicators": [],
        "indicators_with_data": 0,
        "indicators_gaps_narrowed": 0,
        "indicators_municipality_improved": 0,
        "gaps_narrowed": None,
        "municipality_improved": None,
        "ambition_met": None,
    }
    assert themes["T2"]["indicators_with_data"] == 0 and themes["T2"]["ambition_met"] is None

    # Over the 8 themes with indicators: municipality improved in T3 and T4 (others unknown, none false);
    # gaps narrowed in T4 only, and T3 failed, so test 2 and the ambition are false.
    assert report["summary"] == {
        "themes_measurable": 8,
        "themes_without_indicators": ["T6"],
        "themes_municipality_improved": 2,
        "themes_gaps_narrowed": 1,
        "themes_ambition_met": 1,
        "municipality_improved_on_all_themes": None,
        "gaps_narrowed_in_all_themes": False,
        "ambition_met": False,
    }


def test_report_follows_the_indicators_direction(client, restore_indicators):
    load_example(client)
    response = client.patch(f"{API}/indicators/9", json={"higher_is_better": True})
    assert response.status_code == 200, response.text
    r9 = next(
        r
        for r in client.get(f"{API}/rollups/indicators", params={"year": 2024}).json()["indicators"]
        if r["number"] == 9
    )
    # Read as higher-is-better, gap = Resten − focus: 2021 HG 10.0 − 18.0 = −8.0, 2024 HG 10.5 − 15.5 = −5.0.
    # |−5.0| < |−8.0|: still narrowed. Hele 11.0 is below 11.2: now a worsening.
    assert (dec(r9["focus_areas"][0]["gap"]), dec(r9["focus_areas"][0]["baseline_gap"])) == (D("-5.0"), D("-8.0"))
    assert r9["focus_areas"][0]["gap_narrowed"] is True
    assert r9["municipality"]["improved"] is False and r9["municipality_improved"] is False


def test_report_with_another_baseline_year_and_without_data(client):
    load_example(client)
    # Nothing was measured in 2020: every baseline is unknown, no verdict, no error.
    report = client.get(f"{API}/rollups/indicators", params={"year": 2024, "baseline_year": 2020}).json()
    assert report["baseline_year"] == 2020
    r4 = next(r for r in report["indicators"] if r["number"] == 4)
    assert r4["has_data"] is True and r4["focus_areas"][0]["gap"] == "15.0"
    assert r4["focus_areas"][0]["baseline_gap"] is None and r4["gaps_narrowed"] is None
    assert report["summary"]["ambition_met"] is None

    # 2027 is not measured yet: the 2021 figures are there, every 2027 figure and verdict is null.
    later = client.get(f"{API}/rollups/indicators", params={"year": 2027}).json()
    assert len(later["indicators"]) == 19 and len(later["themes"]) == 9
    r4 = next(r for r in later["indicators"] if r["number"] == 4)
    assert r4["has_data"] is True and r4["focus_areas"][0]["baseline_gap"] == "20.0"
    assert all(
        g["value"] is None and g["gap"] is None and g["gap_narrowed"] is None
        for r in later["indicators"]
        for g in r["focus_areas"]
    )
    assert all(t["ambition_met"] is None for t in later["themes"])
    assert later["summary"]["themes_measurable"] == 8 and later["summary"]["ambition_met"] is None


def test_report_on_an_empty_registry(client):
    report = client.get(f"{API}/rollups/indicators", params={"year": 2030}).json()
    assert len(report["indicators"]) == 19 and len(report["themes"]) == 9
    assert not any(r["has_data"] for r in report["indicators"])
    assert all(t["indicators_with_data"] == 0 and t["ambition_met"] is None for t in report["themes"])
    assert report["summary"]["ambition_met"] is None
    csv_text = client.get(f"{API}/rollups/indicators", params={"year": 2030, "format": "csv"}).content
    assert len(csv_text.decode("utf-8-sig").splitlines()) == 1 + 19 * 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, ["query", "year"]),
        ({"year": 1999}, ["query", "year"]),
        ({"year": "2024x"}, ["query", "year"]),
        ({"year": 2024, "baseline_year": 2024}, ["query", "baseline_year"]),
        ({"year": 2024, "baseline_year": 2027}, ["query", "baseline_year"]),
        ({"year": 2024, "format": "pdf"}, ["query", "format"]),
    ],
)
def test_report_refusals(client, params, field):
    assert_problem(client.get(f"{API}/rollups/indicators", params=params), 422, field=field)


FIGURES = [
    "value",
    "baseline_value",
    "comparison_value",
    "comparison_baseline_value",
    "gap",
    "baseline_gap",
    "municipality_value",
    "municipality_baseline_value",
]
VERDICTS = ["gap_narrowed", "municipality_improved"]


def expected_table(report):
    """The JSON per-indicator figures, flattened as documented: one row per indicator × focus area."""
    out = []
    for r in report["indicators"]:
        for g in r["focus_areas"]:
            out.append(
                {
                    "indicator": r["number"],
                    "indicator_name": r["name"],
                    "theme": r["theme"],
                    "higher_is_better": r["higher_is_better"],
                    "area": g["area"],
                    "year": report["year"],
                    "baseline_year": report["baseline_year"],
                    "value": dec(g["value"]),
                    "baseline_value": dec(g["baseline_value"]),
                    "comparison_value": dec(r["comparison"]["value"]),
                    "comparison_baseline_value": dec(r["comparison"]["baseline_value"]),
                    "gap": dec(g["gap"]),
                    "baseline_gap": dec(g["baseline_gap"]),
                    "gap_narrowed": g["gap_narrowed"],
                    "municipality_value": dec(r["municipality"]["value"]),
                    "municipality_baseline_value": dec(r["municipality"]["baseline_value"]),
                    "municipality_improved": r["municipality"]["improved"],
                }
            )
    return out


def test_csv_and_xlsx_carry_the_same_figures_as_json(client):
    load_example(client)
    # a value with more than two decimals must survive the CSV exactly
    client.put(obs_url(16), json=[observation(area=HG, value="12.345"), observation(area=REST, value="20.1")])
    params = {"year": 2024}
    report = client.get(f"{API}/rollups/indicators", params=params).json()
    expected = expected_table(report)
    assert len(expected) == 19 * 3

    response = client.get(f"{API}/rollups/indicators", params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="indicator-report-2024.csv"'
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    csv_rows = list(reader)
    assert reader.fieldnames == list(expected[0].keys())
    parsed = []
    for row in csv_rows:
        parsed.append(
            {
                **row,
                "indicator": int(row["indicator"]),
                "year": int(row["year"]),
                "baseline_year": int(row["baseline_year"]),
                "higher_is_better": row["higher_is_better"] == "true",
                **{k: D(row[k]) if row[k] else None for k in FIGURES},
                **{k: {"true": True, "false": False, "": None}[row[k]] for k in VERDICTS},
            }
        )
    assert parsed == expected
    r16 = next(row for row in csv_rows if row["indicator"] == "16" and row["area"] == HG)
    assert r16["baseline_value"] == "12.345" and r16["baseline_gap"] == "7.755"  # 20.1 − 12.345, exactly

    response = client.get(f"{API}/rollups/indicators", params={**params, "format": "xlsx"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["content-disposition"] == 'attachment; filename="indicator-report-2024.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    headings, *data = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert headings == [REPORT_HEADINGS[c] for c in expected[0]]  # Danish headings in the spreadsheet
    header = list(expected[0].keys())
    parsed = []
    for values_ in data:
        row = dict(zip(header, [*values_, *[None] * (len(header) - len(values_))], strict=False))
        parsed.append(
            {
                **row,
                **{k: None if row[k] is None else D(str(row[k])) for k in FIGURES},
                **{k: row[k] for k in VERDICTS},
            }
        )
    assert parsed == expected
