"""One set of intervention filters: every endpoint that selects interventions (the list, the exports as JSON,
CSV, XLSX and IATI, the budget and coverage rollups) selects with each filter the interventions the list does.

Each intervention here has one budget line of its own power of two in kroner and exactly one theme, so the
rollups' totals name the interventions they counted: the budget total and the coverage rows' money add up to
the sum of exactly the selected interventions' amounts, and the coverage rows count each of them once."""

import csv
import io
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from app.models.interchange import COLUMN_HEADINGS
from app.services.iati import REPORTING_ORG_REF
from tests.factories import API, assert_problem, budget_line, create_intervention

# (key, overrides); the parent links are filled in by key.
TREE = [
    ("root", {"department": "SOB", "kind": "programme", "areas": ["moerkhoej"], "themes": ["T4"], "indicators": [8]}),
    ("child-a", {"parent": "root", "department": "BKF", "areas": ["moerkhoej", "hoeje-gladsaxe"], "themes": ["T1"]}),
    ("child-b", {"parent": "root", "department": "SSF", "kind": "trial_action", "status": "planned", "themes": ["T2"]}),
    ("grandchild", {"parent": "child-a", "department": "BKF", "track": "physical", "themes": ["T1"], "year": 2021}),
    ("loner", {"department": "BMF", "status": "idea", "areas": ["vaerebro-park"], "themes": ["T9"], "year": 2021}),
    ("lektie", {"department": "BKF", "name": "Lektiecafé på biblioteket", "themes": ["T3"], "indicators": [11]}),
    ("gone", {"parent": "root", "department": "BKF", "themes": ["T1"], "archived": True}),
]


@pytest.fixture
def tree(client) -> dict[str, dict]:
    """The interventions by key, each with `id`, `external_id` and `amount` (its power of two in kroner)."""
    made: dict[str, dict] = {}
    for n, (key, spec) in enumerate(TREE):
        spec = dict(spec)
        parent, year, archived = spec.pop("parent", None), spec.pop("year", 2020), spec.pop("archived", False)
        amount = Decimal(2**n)
        spec.setdefault("name", f"Indsats {key}")
        spec.setdefault("indicators", [])
        spec.setdefault("areas", [])
        body = create_intervention(
            client,
            external_id=f"FLT-{key}",
            parent_id=made[parent]["id"] if parent else None,
            budget_lines=[budget_line(year=year, amount=f"{amount:.2f}")],
            success_criteria=[],
            **spec,
        )
        if archived:
            assert client.delete(f"{API}/interventions/{body['id']}").status_code == 204
        made[key] = {"id": body["id"], "external_id": f"FLT-{key}", "amount": amount}
    return made


def listed(client, params: dict) -> list[dict]:
    response = client.get(f"{API}/interventions", params={**params, "limit": 500})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return response.json()["items"]


def exported_json(client, params: dict) -> set[str]:
    response = client.get(f"{API}/exports/interventions", params={**params, "format": "json"})
    assert response.status_code == 200, response.text
    return {r["external_id"] for r in response.json()}


def exported_csv(client, params: dict) -> set[str]:
    response = client.get(f"{API}/exports/interventions", params={**params, "format": "csv"})
    assert response.status_code == 200, response.text
    return {row["external_id"] for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}


def exported_xlsx(client, params: dict) -> set[str]:
    response = client.get(f"{API}/exports/interventions", params={**params, "format": "xlsx"})
    assert response.status_code == 200, response.text
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    column = rows[0].index(COLUMN_HEADINGS["external_id"])  # the Danish heading
    return {row[column] for row in rows[1:] if row[column] and not str(row[column]).startswith("I alt")}


def exported_iati(client, params: dict) -> set[str] | None:
    """The external ids of the IATI activities; None when the export answers 404 (no intervention matches)."""
    response = client.get(f"{API}/exports/iati", params=params)
    if response.status_code == 404:
        assert_problem(response, 404)
        return None
    assert response.status_code == 200, response.text
    root = ElementTree.fromstring(response.content)
    return {e.text.removeprefix(f"{REPORTING_ORG_REF}-") for e in root.iter("iati-identifier")}


def budget_total(client, params: dict) -> tuple[Decimal, int]:
    response = client.get(f"{API}/rollups/budget", params={**params, "by": "kind"})
    assert response.status_code == 200, response.text
    total = response.json()["total"]
    return Decimal(total["amount"]), total["interventions"]


def coverage_total(client, params: dict) -> tuple[Decimal, int]:
    response = client.get(f"{API}/rollups/coverage", params={**params, "by": "theme"})
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    return sum(Decimal(r["amount"]) for r in rows), sum(r["interventions"] for r in rows)


def money_of(tree: dict[str, dict], ids: set[int]) -> Decimal:
    return sum((t["amount"] for t in tree.values() if t["id"] in ids), Decimal(0))


def assert_same_selection(client, tree, params: dict) -> set[str]:
    """Every endpoint selects with `params` what the list selects. Returns the external ids selected."""
    items = listed(client, params)
    ids = {i["id"] for i in items}
    external_ids = {i["external_id"] for i in items}
    assert exported_json(client, params) == external_ids
    assert exported_csv(client, params) == external_ids
    assert exported_xlsx(client, params) == external_ids
    assert exported_iati(client, params) == (external_ids or None)
    assert budget_total(client, params) == (money_of(tree, ids), len(ids))
    assert coverage_total(client, params) == (money_of(tree, ids), len(ids))
    return external_ids


def keys(*names: str) -> set[str]:
    return {f"FLT-{n}" for n in names}


LIVE = ("root", "child-a", "child-b", "grandchild", "loner", "lektie")

CASES = [
    ({}, keys(*LIVE)),
    ({"department": "BKF"}, keys("child-a", "grandchild", "lektie")),
    ({"department": ["SSF", "BMF"]}, keys("child-b", "loner")),
    ({"area": "moerkhoej"}, keys("root", "child-a")),
    ({"area": ["vaerebro-park", "hoeje-gladsaxe"]}, keys("child-a", "loner")),
    ({"theme": "T1"}, keys("child-a", "grandchild")),
    ({"indicator": 11}, keys("lektie")),
    ({"kind": "trial_action"}, keys("child-b")),
    ({"status": ["planned", "idea"]}, keys("child-b", "loner")),
    ({"track": "physical"}, keys("grandchild")),
    ({"year": 2021}, keys("grandchild", "loner")),
    ({"external_id": "FLT-loner"}, keys("loner")),
    ({"q": "LEKTIECAF"}, keys("lektie")),
    ({"include_archived": "true"}, keys(*LIVE, "gone")),
    ({"include_archived": "true", "theme": "T1"}, keys("child-a", "grandchild", "gone")),
    ({"department": "BKF", "year": 2020}, keys("child-a", "lektie")),
    ({"external_id": "NO-SUCH"}, set()),
]


@pytest.mark.parametrize(("params", "expected"), CASES, ids=[repr(p) for p, _ in CASES])
def test_each_filter_selects_the_same_interventions_everywhere(client, tree, params, expected):
    assert assert_same_selection(client, tree, params) == expected


def test_parent_id_takes_the_direct_children_except_on_the_rollups(client, tree):
    """parent_id: the direct children on the list and the exports; on the rollups, as ever, the intervention and
    its whole subtree, which `subtree_of` selects on the list."""
    root = tree["root"]["id"]
    children = listed(client, {"parent_id": root})
    assert {i["external_id"] for i in children} == keys("child-a", "child-b")
    for export in (exported_json, exported_csv, exported_xlsx, exported_iati):
        assert export(client, {"parent_id": root}) == keys("child-a", "child-b")
    subtree = {i["id"] for i in listed(client, {"subtree_of": root})}
    assert subtree == {tree[k]["id"] for k in ("root", "child-a", "child-b", "grandchild")}
    for rollup in (budget_total, coverage_total):
        assert rollup(client, {"parent_id": root}) == (money_of(tree, subtree), 4)
        assert rollup(client, {"parent_id": root}) == rollup(client, {"subtree_of": root})


@pytest.mark.parametrize("key", ["root", "child-a", "grandchild"])
def test_subtree_of_selects_the_same_interventions_everywhere(client, tree, key):
    selected = assert_same_selection(client, tree, {"subtree_of": tree[key]["id"]})
    expected = {"root": keys("root", "child-a", "child-b", "grandchild"), "child-a": keys("child-a", "grandchild")}
    assert selected == expected.get(key, keys(key))


def test_subtree_of_with_archived_takes_the_archived_branch_too(client, tree):
    params = {"subtree_of": tree["root"]["id"], "include_archived": "true"}
    assert assert_same_selection(client, tree, params) == keys("root", "child-a", "child-b", "grandchild", "gone")


def test_iati_export_honours_external_id_and_parent_id(client, tree):
    assert exported_iati(client, {"external_id": "FLT-lektie"}) == keys("lektie")
    assert exported_iati(client, {"parent_id": tree["child-a"]["id"]}) == keys("grandchild")
    assert exported_iati(client, {"parent_id": tree["loner"]["id"]}) is None  # no children: 404, as for no match


@pytest.mark.parametrize(
    "url", [f"{API}/interventions", f"{API}/exports/interventions", f"{API}/exports/iati", f"{API}/rollups/budget"]
)
def test_an_unknown_code_or_subtree_is_a_422_naming_the_parameter_everywhere(client, tree, url):
    by = {"by": "kind"} if "rollups" in url else {}
    assert_problem(client.get(url, params={**by, "indicator": 99}), 422, field=["query", "indicator", 0])
    assert_problem(client.get(url, params={**by, "subtree_of": 2**31 - 1}), 422, field=["query", "subtree_of"])
    assert_problem(client.get(url, params={**by, "subtree_of": tree["gone"]["id"]}), 422, field=["query", "subtree_of"])
