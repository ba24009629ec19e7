"""The Byråd's ambition computed through the API: derived and measured municipality figures, gaps that close by
overtaking, theme verdicts only on complete data, targets, and the framework that can change."""

from decimal import Decimal

import pytest

from tests.ambition_helpers import (
    ALL,
    HG,
    MK,
    POPULATION,
    RESPONDENTS,
    REST,
    VP,
    fill,
    indicator,
    make_round,
    put_figures,
    report,
    theme,
    two_rounds,
    weighted,
)
from tests.factories import API, assert_problem

# Høje Gladsaxe behind the others; everybody better in 2024, the areas more so.
BASE = {HG: "60.0", VP: "62.0", MK: "64.0", REST: "80.0"}
LATEST = {HG: "70.0", VP: "71.0", MK: "72.0", REST: "81.0"}


def test_derived_municipality_is_the_population_weighted_mean(client):
    two_rounds(client)
    fill(client, 3, BASE, LATEST)
    row = indicator(report(client), 3)
    muni = row["municipality"]
    assert muni["baseline"]["source"] == "derived" and muni["baseline"]["weight_basis"] == "population"
    assert muni["baseline"]["weights_round"] == "bu-2021"
    assert Decimal(muni["baseline"]["value"]) == weighted(BASE, POPULATION)
    assert Decimal(muni["latest"]["value"]) == weighted(LATEST, POPULATION)
    assert muni["improved"] is True and row["verdict"] == "met" and row["verdict_label"] == "Opfyldt"
    # the three together are weighted the same way
    together = row["gaps"][-1]
    assert together["area"] == "tre-omraader"
    three = {a: BASE[a] for a in (HG, VP, MK)}
    assert Decimal(together["baseline_gap"]) == weighted(BASE, POPULATION) - weighted(three, POPULATION)
    # the series for the chart: municipality and the three areas per round
    assert [p["round"] for p in row["series"]] == ["bu-2021", "bu-2024"]
    assert row["series"][1]["areas"][HG] == "70.0"


def test_respondents_weigh_when_population_is_not_given(client):
    make_round(client, "bu-2021", 2021, population=None)
    make_round(client, "bu-2024", 2024, population=None)
    fill(client, 3, BASE, LATEST)
    muni = indicator(report(client), 3)["municipality"]
    assert muni["baseline"]["weight_basis"] == "respondents"
    assert Decimal(muni["baseline"]["value"]) == weighted(BASE, RESPONDENTS)


def test_a_measured_municipality_figure_wins(client):
    two_rounds(client)
    fill(client, 3, {**BASE, ALL: "77.7"}, LATEST)
    muni = indicator(report(client), 3)["municipality"]
    assert muni["baseline"] == {
        "value": "77.7",
        "source": "measured",
        "weight_basis": None,
        "weights_round": None,
        "note": None,
    }
    assert muni["latest"]["source"] == "derived"


def test_overtaking_the_municipality_closes_the_gap(client):
    two_rounds(client)
    # Høje Gladsaxe: 2 points worse than the municipality in 2021, 2.5 points better in 2024 (measured whole).
    fill(
        client,
        3,
        {HG: "68.0", VP: "60.0", MK: "61.0", REST: "71.0", ALL: "70.0"},
        {HG: "73.5", VP: "66.0", MK: "66.0", REST: "71.5", ALL: "71.0"},
    )
    row = indicator(report(client), 3)
    hg = row["gaps"][0]
    assert hg["area"] == HG and Decimal(hg["baseline_gap"]) == 2 and Decimal(hg["latest_gap"]) == Decimal("-2.5")
    assert hg["status"] == "overtaken" and hg["closed"] is True and "overhalet" in hg["label"]
    assert row["verdict"] == "met"
    assert any("overhalet" in r for r in theme(report(client), "T2")["reasons"])


def test_direction_turns_improvement_and_gaps(client):
    two_rounds(client)
    # 9 Ensomhed: lower is better. The areas fell, the municipality too: improved, gaps narrowed.
    fill(client, 9, {HG: "20", VP: "18", MK: "17", REST: "10"}, {HG: "15", VP: "14", MK: "13", REST: "9"})
    row = indicator(report(client), 9)
    assert row["higher_is_better"] is False and row["municipality"]["improved"] is True
    assert [g["status"] for g in row["gaps"]] == ["narrowed"] * 4
    # A worse municipality is not met, whatever the gaps do.
    fill(client, 3, BASE, {HG: "65", VP: "65", MK: "65", REST: "70"})
    row = indicator(report(client), 3)
    assert row["municipality"]["improved"] is False and row["verdict"] == "not_met"


def test_one_indicator_of_four_gives_insufficient_data(client):
    two_rounds(client)
    fill(client, 9, {HG: "20", VP: "18", MK: "17", REST: "10"}, {HG: "15", VP: "14", MK: "13", REST: "9"})
    rep = report(client)
    t4 = theme(rep, "T4")
    assert indicator(rep, 9)["verdict"] == "met"
    assert t4["verdict"] == "insufficient_data" and t4["verdict_label"] == "Utilstrækkelige data"
    assert t4["indicators"] == [8, 9, 10, 11] and t4["missing_indicators"] == [8, 10, 11]
    assert "3 af temaets 4" in t4["reasons"][0]
    assert rep["overall"]["verdict"] == "not_answerable"
    assert rep["overall"]["themes_insufficient"] == 9  # T6 has no indicator; the rest have no complete data
    assert indicator(rep, 8)["missing"][0] == "Høje Gladsaxe 2021"


def test_a_theme_is_met_only_when_every_indicator_is(client):
    two_rounds(client)
    for number in (1, 2):
        fill(client, number, BASE, LATEST)
    assert theme(report(client), "T1")["verdict"] == "met"
    fill(client, 2, BASE, {HG: "59.0", VP: "71.0", MK: "72.0", REST: "81.0"})  # Høje Gladsaxe fell behind more
    rep = report(client)
    t1 = theme(rep, "T1")
    assert t1["verdict"] == "not_met" and t1["gaps_closed"] is False and t1["municipality_improved"] is True
    assert indicator(rep, 2)["gaps"][0]["status"] == "not_narrowed"
    assert rep["overall"]["verdict"] == "not_met" and "T1 Selvforsørgelse" in rep["overall"]["reasons"][0]


def test_targets_met_and_missed(client):
    two_rounds(client)
    fill(client, 3, BASE, LATEST)
    muni_2024 = weighted(LATEST, POPULATION)
    put_figures(client, 3, None, 2030, {ALL: str(muni_2024 - 1), HG: "75.0"}, kind="target")
    put_figures(client, 9, None, 2030, {VP: "10"}, kind="target")
    rep = report(client)
    targets = {t["area"]: t for t in indicator(rep, 3)["targets"]}
    assert targets[ALL]["met"] is True and Decimal(targets[ALL]["latest"]) == muni_2024
    assert targets[HG]["met"] is False and targets[HG]["latest"] == "70.0" and targets[HG]["year"] == 2030
    assert indicator(rep, 9)["targets"][0]["met"] is None  # no figure in the latest round
    assert rep["overall"]["targets_met"] == 1 and rep["overall"]["targets_missed"] == 1


def test_rounds_are_chosen_and_checked(client):
    assert_problem(client.get(f"{API}/reports/ambition"), 422, field=["query", "baseline"])
    two_rounds(client)
    make_round(client, "bu-2027", 2027)
    make_round(client, "register-2024", 2024, kind="register")
    rep = report(client)
    assert (rep["baseline"]["code"], rep["latest"]["code"]) == ("bu-2021", "bu-2027")
    rep = report(client, baseline="bu-2021", latest="bu-2024")
    assert rep["latest"]["year"] == 2024 and rep["ambition"].startswith("Hele Gladsaxe kommune")
    assert_problem(client.get(f"{API}/reports/ambition", params={"baseline": "bu-2027", "latest": "bu-2021"}), 422)
    assert_problem(client.get(f"{API}/reports/ambition", params={"baseline": "bu-1999"}), 404)
    assert_problem(
        client.post(f"{API}/rounds", json={"code": "bu-2021", "name": "x", "kind": "survey", "year": 2021}), 409
    )
    listed = client.get(f"{API}/rounds").json()["items"]
    assert [r["code"] for r in listed] == ["bu-2021", "bu-2024", "register-2024", "bu-2027"]


def test_observation_round_must_exist_and_match_the_year(client):
    two_rounds(client)
    body = {"area": HG, "year": 2024, "kind": "actual", "value": "1", "round": "bu-2021"}
    assert_problem(client.post(f"{API}/indicators/3/observations", json=body), 422, field=["body", "year"])
    body["round"] = "nope"
    assert_problem(client.post(f"{API}/indicators/3/observations", json=body), 422, field=["body", "round"])
    body["round"] = "bu-2024"
    created = client.post(f"{API}/indicators/3/observations", json=body)
    assert created.status_code == 201 and created.json()["round"] == "bu-2024"
    assert client.get(f"{API}/indicators/3/observations").json()["items"][0]["round"] == "bu-2024"
    assert client.get(f"{API}/rounds/bu-2024").json()["observations"] == 1


def test_t6_gets_an_indicator_and_nine_themes_are_measurable(client):
    assert report_summary(client)["themes_measurable"] == 8
    response = client.post(
        f"{API}/indicators",
        json={
            "theme": "T6",
            "name": "Fritidsaktiviteter på tværs af områder",
            "higher_is_better": True,
            "unit": "pct.",
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["number"] == 20 and created["theme"] == "T6" and created["effect_goal"] == "E2"
    assert created["unit"] == "pct." and created["active"] is True
    assert report_summary(client)["themes_measurable"] == 9
    assert client.get(f"{API}/themes").json()["items"][5]["indicators"] == [20]
    two_rounds(client)
    rep = report(client)
    assert theme(rep, "T6")["indicators"] == [20]
    assert rep["framework"]["version"] == 2 and 20 in rep["framework"]["indicators"]
    audit = client.get(f"{API}/audit", params={"resource": "indicator"}).json()["items"]
    assert audit[0]["action"] == "create" and audit[0]["changes"]["theme"]["after"] == "T6"


def report_summary(client):
    return client.get(f"{API}/rollups/indicators", params={"year": 2024}).json()["summary"]


@pytest.fixture
def restore_directions(client):
    """The indicator table is not wiped between tests (conftest resets only units, retirement and new ones)."""
    before = client.get(f"{API}/indicators").json()["items"]
    yield
    for ind in before:
        client.patch(f"{API}/indicators/{ind['number']}", json={"higher_is_better": ind["higher_is_better"]})


def test_retire_and_edit_an_indicator(client, restore_directions):
    two_rounds(client)
    assert_problem(client.post(f"{API}/indicators", json={"theme": "T99", "name": "x", "higher_is_better": True}), 422)
    response = client.patch(f"{API}/indicators/11", json={"active": False, "unit": "dage"})
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False and response.json()["retired_at"]
    rep = report(client)
    assert theme(rep, "T4")["indicators"] == [8, 9, 10] and 11 not in [i["number"] for i in rep["indicators"]]
    assert rep["framework"]["retired"] == [11] and rep["framework"]["version"] == 2
    # kept for history: still listed, its observations still readable
    listed = {i["number"]: i for i in client.get(f"{API}/indicators").json()["items"]}
    assert listed[11]["active"] is False and listed[11]["unit"] == "dage"
    assert 11 not in [
        r["number"] for r in client.get(f"{API}/rollups/indicators", params={"year": 2024}).json()["indicators"]
    ]
    client.patch(f"{API}/indicators/9", json={"higher_is_better": True})
    assert indicator(report(client), 9)["higher_is_better"] is True
    client.patch(f"{API}/indicators/11", json={"active": True})
    assert report(client)["framework"]["version"] == 4
    changes = client.get(f"{API}/audit", params={"resource": "indicator", "resource_id": "11"}).json()["items"]
    assert changes[1]["changes"] == {
        "active": {"before": True, "after": False},
        "unit": {"before": None, "after": "dage"},
    }
    assert_problem(client.patch(f"{API}/indicators/11", json={"active": None}), 422, field=["body", "active"])


def test_money_per_theme_between_the_rounds_beside_the_results(client):
    from tests.factories import budget_line, create_intervention

    two_rounds(client)
    create_intervention(
        client,
        themes=["T2"],
        indicators=[3],
        start_date="2019-01-01",
        end_date="2025-12-31",
        budget_lines=[
            budget_line(year=2020, amount="1000.00"),  # before the baseline year: not counted
            budget_line(year=2021, amount="2000.00"),
            budget_line(year=2024, amount="3000.00"),
            budget_line(year=2024, amount="2500.50", type="actual"),
            budget_line(year=2025, amount="9000.00"),  # after the latest round: not counted
        ],
        success_criteria=[],
    )
    rep = report(client)
    money = theme(rep, "T2")["money"]
    assert money == {"year_from": 2021, "year_to": 2024, "plan": "5000.00", "actual": "2500.50", "interventions": 1}
    assert theme(rep, "T1")["money"]["plan"] == "0.00"
    assert "ikke som deres årsag" in rep["money_note"]
