"""Budget line types: the original budget, revised budgets and actual spending. A revision replaces the original
line of its key in the current plan (never both counted); actual spending is reported beside, never added."""

import random
from decimal import Decimal

import pytest

from tests.factories import API, assert_problem, budget_line, create_intervention

IMPORT = f"{API}/imports/interventions"


def lines_of(client, intervention_id: int) -> dict:
    response = client.get(f"{API}/interventions/{intervention_id}/budget-lines")
    assert response.status_code == 200, response.text
    return response.json()


def plan_flags(client, intervention_id: int) -> dict[tuple, bool]:
    return {
        (line["year"], line["category"], line["type"]): line["in_plan"]
        for line in lines_of(client, intervention_id)["items"]
    }


def summary(client, intervention_id: int) -> dict:
    [item] = [
        i
        for i in client.get(f"{API}/interventions", params={"limit": 500}).json()["items"]
        if i["id"] == intervention_id
    ]
    return item


def test_a_revision_replaces_its_original_and_spending_is_reported_beside(client):
    made = create_intervention(
        client,
        budget_lines=[
            budget_line(year=2020, category="Løn", amount="1000.00"),
            budget_line(year=2020, category="Løn", amount="1200.00", type="revised"),
            budget_line(year=2020, category="Drift", amount="50.00"),
            budget_line(year=2020, category="Løn", amount="1100.00", type="actual"),
            budget_line(year=2021, category="Løn", amount="400.00", type="actual"),
            budget_line(year=2021, category="Nyt", amount="10.00", type="revised"),  # a revision may add a new key
        ],
    )
    for item in (made, summary(client, made["id"]), client.get(f"{API}/interventions/{made['id']}").json()):
        assert item["budget_total"] == "1260.00"  # 1200 (revised, not 1000 + 1200) + 50 + 10
        assert item["budget_total_with_descendants"] == "1260.00"
        assert item["budget_by_year"] == [{"year": 2020, "amount": "1250.00"}, {"year": 2021, "amount": "10.00"}]
        assert item["original_budget_total"] == "1050.00"
        assert item["actual_total"] == item["actual_total_with_descendants"] == "1500.00"
        assert item["actual_by_year"] == [{"year": 2020, "amount": "1100.00"}, {"year": 2021, "amount": "400.00"}]
    listed = lines_of(client, made["id"])
    assert (listed["total"], listed["original_total"], listed["actual_total"]) == ("1260.00", "1050.00", "1500.00")
    assert plan_flags(client, made["id"]) == {
        (2020, "Drift", "budget"): True,
        (2020, "Løn", "budget"): False,
        (2020, "Løn", "revised"): True,
        (2020, "Løn", "actual"): False,
        (2021, "Løn", "actual"): False,
        (2021, "Nyt", "revised"): True,
    }
    labels = {line["type"]: line["type_label"] for line in listed["items"]}
    assert labels == {"budget": "Oprindeligt budget", "revised": "Revideret budget", "actual": "Forbrug"}


def test_type_defaults_to_budget_and_is_part_of_the_key(client):
    made = create_intervention(client, budget_lines=[budget_line(year=2020)])
    assert [(line["type"], line["in_plan"]) for line in made["budget_lines"]] == [("budget", True)]
    url = f"{API}/interventions/{made['id']}/budget-lines"
    # the same key with another type is a line of its own; the same type again is a conflict
    for kind in ("revised", "actual"):
        added = client.post(url, json=budget_line(year=2020, amount="7.00", type=kind))
        assert added.status_code == 201, added.text
        assert added.json()["type"] == kind and added.json()["in_plan"] is (kind == "revised")
        assert_problem(client.post(url, json=budget_line(year=2020, amount="8.00", type=kind)), 409)
    assert_problem(client.post(url, json=budget_line(year=2020, amount="8.00")), 409)
    # in one request: the same key twice with one type is refused, with different types it is fine
    assert_problem(
        client.put(url, json=[budget_line(type="actual"), budget_line(type="actual")]), 422, field=["body", 1]
    )
    assert (
        client.put(url, json=[budget_line(), budget_line(type="revised"), budget_line(type="actual")]).status_code
        == 200
    )


def test_in_plan_follows_every_change_of_the_lines(client):
    made = create_intervention(client, budget_lines=[budget_line(year=2020, category="Løn", amount="100.00")])
    iid, url = made["id"], f"{API}/interventions/{made['id']}/budget-lines"
    original = (2020, "Løn", "budget")

    # adding a revision takes the original out of the plan
    revised = client.post(url, json=budget_line(year=2020, category="Løn", amount="150.00", type="revised")).json()
    assert plan_flags(client, iid) == {original: False, (2020, "Løn", "revised"): True}
    assert summary(client, iid)["budget_total"] == "150.00"
    # adding spending changes nothing in the plan
    client.post(url, json=budget_line(year=2020, category="Løn", amount="140.00", type="actual"))
    assert summary(client, iid)["budget_total"] == "150.00"
    # removing the revision puts the original back
    assert client.delete(f"{url}/{revised['id']}").status_code == 204
    assert plan_flags(client, iid)[original] is True
    assert summary(client, iid)["budget_total"] == "100.00"
    # PUT: the set decides
    put = client.put(
        url,
        json=[
            budget_line(year=2020, category="Løn", amount="100.00"),
            budget_line(year=2020, category="Løn", amount="90.00", type="revised"),
        ],
    )
    assert put.status_code == 200 and put.json()["total"] == "90.00" and put.json()["original_total"] == "100.00"
    assert plan_flags(client, iid) == {original: False, (2020, "Løn", "revised"): True}
    # PATCH with nested lines: the set decides too
    patched = client.patch(
        f"{API}/interventions/{iid}",
        json={
            "budget_lines": [
                budget_line(year=2020, category="Løn", amount="100.00"),
                budget_line(year=2020, category="Løn", amount="95.00", type="actual"),
            ]
        },
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["budget_total"] == "100.00" and patched.json()["actual_total"] == "95.00"
    assert plan_flags(client, iid) == {original: True, (2020, "Løn", "actual"): False}
    # deleting the original leaves the spending, and no plan
    [line] = [li for li in lines_of(client, iid)["items"] if li["type"] == "budget"]
    client.delete(f"{url}/{line['id']}")
    item = summary(client, iid)
    assert (item["budget_total"], item["budget_by_year"], item["actual_total"]) == ("0.00", [], "95.00")


def test_in_plan_is_set_by_imports_in_json_and_csv(client):
    record = {
        "external_id": "SOB-IMP-1",
        "name": "Importeret",
        "kind": "project",
        "department": "SOB",
        "budget_lines": [
            budget_line(year=2020, amount="100.00"),
            budget_line(year=2020, amount="80.00", type="revised"),
            budget_line(year=2020, amount="70.00", type="actual"),
        ],
    }
    report = client.post(IMPORT, json=[record]).json()
    iid = report["items"][0]["id"]
    assert plan_flags(client, iid) == {
        (2020, "Løn", "budget"): False,
        (2020, "Løn", "revised"): True,
        (2020, "Løn", "actual"): False,
    }
    # the update drops the revision: the original is the plan again
    record["budget_lines"] = record["budget_lines"][:1] + record["budget_lines"][2:]
    assert client.post(IMPORT, json=[record]).json()["updated"] == 1
    assert plan_flags(client, iid) == {(2020, "Løn", "budget"): True, (2020, "Løn", "actual"): False}
    text = (
        "external_id,name,kind,department,budget_year,budget_category,budget_funding_source,budget_amount,"
        "budget_type\n"
        "SOB-IMP-1,Importeret,project,SOB,2020,Løn,SOB-PULJE,100.00,\n"
        "SOB-IMP-1,Importeret,project,SOB,2020,Løn,SOB-PULJE,120.00,revised\n"
        "SOB-IMP-1,Importeret,project,SOB,2021,Løn,SOB-PULJE,5.00,actual\n"
    )
    response = client.post(IMPORT, content=text.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    assert plan_flags(client, iid) == {
        (2020, "Løn", "budget"): False,
        (2020, "Løn", "revised"): True,
        (2021, "Løn", "actual"): False,
    }
    item = summary(client, iid)
    assert (item["budget_total"], item["original_budget_total"], item["actual_total"]) == ("120.00", "100.00", "5.00")
    bad = text.replace(",actual\n", ",forbrug\n")
    body = assert_problem(client.post(IMPORT, content=bad.encode(), headers={"Content-Type": "text/csv"}), 422)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "budget_type")]


def test_a_programme_adds_up_its_parts_plan_and_spending(client):
    programme = create_intervention(client, kind="programme", budget_lines=[budget_line(year=2020, amount="10.00")])
    create_intervention(
        client,
        parent_id=programme["id"],
        budget_lines=[
            budget_line(year=2020, amount="5.00"),
            budget_line(year=2020, amount="6.00", type="revised"),
            budget_line(year=2021, amount="3.00", type="actual"),
        ],
    )
    item = summary(client, programme["id"])
    assert (item["budget_total"], item["budget_total_with_descendants"]) == ("10.00", "16.00")
    assert item["budget_by_year"] == [{"year": 2020, "amount": "16.00"}]
    assert (item["actual_total"], item["actual_total_with_descendants"]) == ("0.00", "3.00")
    assert item["actual_by_year"] == [{"year": 2021, "amount": "3.00"}]
    assert item["original_budget_total"] == "10.00"


# --- rollups -----------------------------------------------------------------------------------------------


def rollup(client, **params) -> dict:
    response = client.get(f"{API}/rollups/budget", params=params)
    assert response.status_code == 200, response.text
    return response.json()


MEASURES = ("amount", "budget", "revised", "actual")


def test_rollups_count_a_revision_once_and_spending_beside(client):
    create_intervention(
        client,
        themes=["T1", "T4", "T9"],
        budget_lines=[
            budget_line(year=2020, amount="100.00"),
            budget_line(year=2020, amount="130.00", type="revised"),
            budget_line(year=2020, amount="120.00", type="actual"),
        ],
    )
    create_intervention(client, themes=["T1"], budget_lines=[budget_line(year=2021, amount="7.00", type="actual")])
    result = rollup(client, by="theme")
    rows = {r["theme"]: r for r in result["rows"]}
    # the revised 130.00 replaces the 100.00, split over three themes to the øre; the spending beside it
    assert [(t, rows[t]["budget"], rows[t]["revised"], rows[t]["amount"], rows[t]["actual"]) for t in rows] == [
        ("T1", "33.34", "43.34", "43.34", "47.00"),
        ("T4", "33.33", "43.33", "43.33", "40.00"),
        ("T9", "33.33", "43.33", "43.33", "40.00"),
    ]
    assert (rows["T1"]["difference"], rows["T1"]["share_spent"]) == ("-3.66", "1.0844")
    assert (rows["T4"]["difference"], rows["T4"]["share_spent"]) == ("3.33", "0.9231")
    assert rows["T1"]["gross"] == "130.00"
    assert rows["T1"]["interventions"] == 1  # the spending-only intervention has no plan lines
    total = result["total"]
    assert {k: total[k] for k in (*MEASURES, "difference", "share_spent", "interventions")} == {
        "amount": "130.00",
        "budget": "100.00",
        "revised": "130.00",
        "actual": "127.00",
        "difference": "3.00",
        "share_spent": "0.9769",
        "interventions": 1,
    }
    # a group with spending and no plan: share_spent is null
    years = {r["year"]: r for r in rollup(client, by="year")["rows"]}
    assert (years[2021]["revised"], years[2021]["actual"], years[2021]["share_spent"]) == ("0.00", "7.00", None)
    assert years[2021]["difference"] == "-7.00" and years[2021]["interventions"] == 0


def _typed_registry(client, seed: int, count: int = 15) -> list[dict]:
    rng = random.Random(seed)
    themes = [f"T{n}" for n in range(1, 10)]
    areas = ["hoeje-gladsaxe", "vaerebro-park", "moerkhoej", "resten-af-gladsaxe"]
    lines_made = []
    for i in range(count):
        lines = []
        for year in rng.sample(range(2019, 2025), rng.randint(0, 3)):
            for category in rng.sample(["Løn", "Drift", "Aktiviteter"], rng.randint(1, 2)):
                for kind in ("budget", "revised", "actual"):
                    if rng.random() < (0.8 if kind == "budget" else 0.4):
                        lines.append(
                            budget_line(
                                year=year, category=category, type=kind, amount=f"{rng.randint(0, 5_000_000) / 100:.2f}"
                            )
                        )
        create_intervention(
            client,
            name=f"Indsats {i}",
            start_date=None,
            end_date=None,
            success_criteria=[],
            themes=sorted(rng.sample(themes, rng.randint(0, 3))),
            areas=sorted(rng.sample(areas, rng.randint(0, 2))),
            indicators=sorted(rng.sample(range(1, 20), rng.randint(0, 2))),
            budget_lines=lines,
        )
        lines_made += lines
    return lines_made


@pytest.mark.parametrize("by", [["theme"], ["effect_goal", "year"], ["area", "theme"], ["indicator", "category"]])
def test_every_measure_adds_up_to_the_total_over_split_groups(client, by):
    lines = _typed_registry(client, seed=len(by) * 7 + len(by[0]))
    result = rollup(client, by=by)
    total = result["total"]
    for measure in MEASURES:
        assert sum((Decimal(r[measure]) for r in result["rows"]), Decimal(0)) == Decimal(total[measure]), measure
    assert total["amount"] == total["revised"]
    assert Decimal(total["budget"]) == sum((Decimal(b["amount"]) for b in lines if b["type"] == "budget"), Decimal(0))
    assert Decimal(total["actual"]) == sum((Decimal(b["amount"]) for b in lines if b["type"] == "actual"), Decimal(0))
    for row in result["rows"]:
        assert Decimal(row["difference"]) == Decimal(row["revised"]) - Decimal(row["actual"])
        assert Decimal(row["gross"]) >= Decimal(row["amount"])


def test_the_plan_total_matches_the_interventions_own_totals(client):
    _typed_registry(client, seed=11)
    items = client.get(f"{API}/interventions", params={"limit": 500}).json()["items"]
    total = rollup(client, by="year")["total"]
    for field, measure in (
        ("budget_total", "revised"),
        ("original_budget_total", "budget"),
        ("actual_total", "actual"),
    ):
        assert sum((Decimal(i[field]) for i in items), Decimal(0)) == Decimal(total[measure]), field


def test_rollup_csv_carries_the_new_columns(client):
    create_intervention(client, budget_lines=[budget_line(amount="10.00"), budget_line(amount="4.00", type="actual")])
    text = client.get(f"{API}/rollups/budget", params={"by": "year", "format": "csv"}).content.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header == "year,amount,gross,interventions,budget,revised,actual,difference,share_spent"
    assert row == "2020,10.00,10.00,1,10.00,10.00,4.00,6.00,0.4000"
