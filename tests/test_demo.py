"""The demo data a newcomer sees: the Mørkhøj programme with its exact budget, and the example interventions."""

import json
from decimal import Decimal
from importlib import resources

from app.cli import main as registry
from tests.factories import API, kr, morkhoj_figures


def _demo(name: str) -> list[dict]:
    return json.loads(resources.files("app.demo").joinpath(name).read_text(encoding="utf-8"))


def test_demo_loads_the_morkhoj_programme_with_its_exact_budget(client, capsys):
    assert registry(["demo"]) == 0
    found = client.get(f"{API}/interventions", params={"q": "Mørkhøj", "kind": "programme"}).json()["items"]
    assert [p["external_id"] for p in found] == ["BKF-2019-MORKHOJ"]
    programme = found[0]
    # The programme document's figures (002, "Økonomi - Fra social balance-puljen") are the original budget.
    assert programme["original_budget_total"] == "2510000.00"
    # The current plan (with the demo's revision) and the actual spending, as the demo file has them.
    figures = morkhoj_figures()
    assert programme["budget_by_year"] == [{"year": y, "amount": kr(a)} for y, a in figures["plan"].items()]
    assert programme["budget_total_with_descendants"] == kr(sum(figures["plan"].values()))
    assert programme["actual_by_year"] == [{"year": y, "amount": kr(a)} for y, a in figures["actual"].items()]
    assert programme["actual_total"] == kr(sum(figures["actual"].values()))
    assert list(figures["actual"]) == [2019, 2020, 2021, 2022]
    children = [client.get(f"{API}/interventions/{cid}").json() for cid in programme["children"]]
    assert [c["name"] for c in children] == [
        "Indsats 1: Fællesskabende aktiviteter i Mørkhøj",
        "Indsats 2: Bedre fritidsmuligheder",
        "Indsats 3: Det gode forældresamarbejde",
    ]
    lines = client.get(f"{API}/interventions/{programme['id']}/budget-lines").json()
    assert lines["original_total"] == "2510000.00"
    assert lines["total"] == kr(sum(figures["plan"].values()))
    assert lines["actual_total"] == kr(sum(figures["actual"].values()))
    assert all(line["funding_source"] == "SOB-PULJE" for line in lines["items"])
    assert {line["type"] for line in lines["items"]} == {"budget", "revised", "actual"}
    by_category: dict[str, Decimal] = {}
    for line in (line for line in lines["items"] if line["type"] == "budget"):
        by_category[line["category"]] = by_category.get(line["category"], Decimal(0)) + Decimal(line["amount"])
    assert by_category["Løn"] == Decimal("1725000") and by_category["Forløb"] == Decimal("600000")


def test_demo_loads_every_example_and_is_safe_to_rerun(client, capsys):
    registry(["demo"])
    registry(["demo"])
    assert "0 interventions created" in capsys.readouterr().out
    items = client.get(f"{API}/interventions", params={"limit": 500}).json()["items"]
    expected = {i["name"] for i in _demo("example_interventions.json")}
    assert expected <= {i["name"] for i in items}
    assert len(items) == len(expected) + 4  # the programme and its three parts
    horses = next(i for i in items if i["name"] == "Hestefold i Høje Gladsaxe Park")
    assert horses["kind"] == "trial_action" and horses["themes"] == ["T6", "T9"]
