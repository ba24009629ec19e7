"""Budget and coverage rollups: exact, never double counted, and the same figures in JSON, CSV and XLSX."""

import csv
import io
import itertools
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook

from app.cli import main as registry
from app.models.rollup import ROLLUP_HEADINGS
from tests.factories import (
    API,
    add_morkhoj_test_lines,
    assert_problem,
    budget_line,
    create_intervention,
    kr,
    morkhoj_figures,
)

ALL_DIMENSIONS = [
    "theme",
    "effect_goal",
    "indicator",
    "department",
    "area",
    "year",
    "funding_source",
    "category",
    "track",
    "kind",
    "status",
]


def rollup(client, **params):
    response = client.get(f"{API}/rollups/budget", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def amounts(rows, key):
    return {row[key]: row["amount"] for row in rows}


def test_morkhoj_programme_by_year_and_category(client):
    registry(["demo"])
    programme = client.get(f"{API}/interventions", params={"external_id": "BKF-2019-MORKHOJ"}).json()["items"][0]
    by_year = rollup(client, by="year", parent_id=programme["id"])
    # The programme document's budget: parts 1 and 2 on the programme, part 3's 600,000 kr. on part 3; the
    # programme's subtree answers the document's figures as its plan (the demo has no revision and no spending).
    document = {2019: "477500.00", 2020: "930000.00", 2021: "630000.00", 2022: "472500.00"}
    assert {r["year"]: r["budget"] for r in by_year["rows"]} == document
    assert amounts(by_year["rows"], "year") == document
    figures = morkhoj_figures()
    assert {y: kr(a) for y, a in figures["plan"].items()} == document
    assert {r["year"]: r["revised"] for r in by_year["rows"]} == document
    assert {r["year"]: r["actual"] for r in by_year["rows"]} == dict.fromkeys(document, "0.00")
    assert all(row["difference"] == row["amount"] and row["share_spent"] == "0.0000" for row in by_year["rows"])
    assert by_year["total"] == {
        "amount": "2510000.00",
        "interventions": 2,  # the programme and part 3
        "budget": "2510000.00",
        "revised": "2510000.00",
        "actual": "0.00",
        "difference": "2510000.00",
        "share_spent": "0.0000",
    }
    # With a revision and spending (test data), the plan and the spending stand beside the original budget.
    add_morkhoj_test_lines(client, programme["id"])
    by_year = rollup(client, by="year", parent_id=programme["id"])
    figures = morkhoj_figures(with_test_lines=True)
    assert {r["year"]: r["budget"] for r in by_year["rows"]} == document
    assert amounts(by_year["rows"], "year") == {y: kr(a) for y, a in figures["plan"].items()}
    assert {r["year"]: r["actual"] for r in by_year["rows"]} == {y: kr(a) for y, a in figures["actual"].items()}
    for row in by_year["rows"]:
        plan, actual = figures["plan"][row["year"]], figures["actual"][row["year"]]
        assert row["difference"] == kr(plan - actual)
        assert row["share_spent"] == f"{(actual / plan).quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}"
    by_category = rollup(client, by="category", parent_id=programme["id"])
    assert {r["category"]: r["budget"] for r in by_category["rows"]} == {
        "Løn": "1725000.00",
        "Etableringsomkostninger": "20000.00",
        "Driftsudgifter, herunder telefon, uddannelse mv.": "75000.00",
        "Aktivitetsudgifter": "90000.00",
        "Forløb": "600000.00",
    }


def test_split_over_three_themes_adds_up_to_the_ore(client):
    create_intervention(client, themes=["T1", "T4", "T9"], budget_lines=[budget_line(amount="100.00")])
    result = rollup(client, by="theme")
    assert [(r["theme"], r["amount"], r["gross"]) for r in result["rows"]] == [
        ("T1", "33.34", "100.00"),
        ("T4", "33.33", "100.00"),
        ("T9", "33.33", "100.00"),
    ]
    assert result["total"]["amount"] == "100.00"
    # Effect goals take the sum of their themes' shares: T1 and T4 are E1, T9 is E3.
    goals = rollup(client, by="effect_goal")["rows"]
    assert [(r["effect_goal"], r["amount"], r["effect_goal_name"]) for r in goals] == [
        ("E1", "66.67", "Flere skal klare sig bedre"),
        ("E3", "33.33", "Vi skal gå fra udsatte boligområder til attraktive bydele"),
    ]


def test_interventions_without_themes_are_an_explicit_none_group(client):
    create_intervention(client, themes=["T2"], budget_lines=[budget_line(amount="10.00")])
    create_intervention(client, themes=[], budget_lines=[budget_line(amount="5.00")])
    rows = rollup(client, by="theme")["rows"]
    assert rows[-1] == {
        "theme": None,
        "theme_name": "(ingen)",
        "amount": "5.00",
        "gross": "5.00",
        "interventions": 1,
        "budget": "5.00",
        "revised": "5.00",
        "actual": "0.00",
        "difference": "5.00",
        "share_spent": "0.0000",
    }
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal("15.00")


def test_subtree_counts_each_line_once(client):
    programme = create_intervention(client, kind="programme", budget_lines=[budget_line(year=2019, amount="1.00")])
    child = create_intervention(client, parent_id=programme["id"], budget_lines=[budget_line(year=2019, amount="2.00")])
    create_intervention(client, parent_id=child["id"], budget_lines=[budget_line(year=2020, amount="4.00")])
    create_intervention(client, budget_lines=[budget_line(year=2019, amount="8.00")])  # outside the tree
    result = rollup(client, by="year", parent_id=programme["id"])
    assert amounts(result["rows"], "year") == {2019: "3.00", 2020: "4.00"}
    assert (result["total"]["amount"], result["total"]["interventions"]) == ("7.00", 3)
    assert rollup(client, by="year")["total"]["amount"] == "15.00"


def _random_registry(client, seed: int, count: int = 25) -> None:
    rng = random.Random(seed)
    themes = [f"T{n}" for n in range(1, 10)]
    areas = ["hoeje-gladsaxe", "vaerebro-park", "moerkhoej", "resten-af-gladsaxe"]
    for i in range(count):
        lines = [
            budget_line(
                year=year,
                category=rng.choice(["Løn", "Drift", "Aktiviteter"]) + f" {i}",
                funding_source=rng.choice(["SOB-BUDGET", "SOB-PULJE", "LBF"]),
                amount=f"{rng.randint(0, 10_000_000) / 100:.2f}",
            )
            for year in rng.sample(range(2019, 2025), rng.randint(0, 4))
        ]
        create_intervention(
            client,
            name=f"Indsats {i}",
            start_date=None,
            end_date=None,
            department=rng.choice(["BKF", "SSF", "BMF", "SOB"]),
            kind=rng.choice(["project", "trial_action"]),
            status=rng.choice(["active", "planned", "completed"]),
            track=rng.choice(["social", "physical"]),
            themes=sorted(rng.sample(themes, rng.randint(0, 3))),
            areas=sorted(rng.sample(areas, rng.randint(0, 2))),
            indicators=sorted(rng.sample(range(1, 20), rng.randint(0, 3))),
            budget_lines=lines,
            success_criteria=[],
        )


@pytest.mark.parametrize(
    "by",
    [
        *([d] for d in ALL_DIMENSIONS),
        ["theme", "year"],
        ["area", "theme"],
        ["effect_goal", "department", "year"],
        ["indicator", "area", "funding_source"],
    ],
)
def test_rows_always_add_up_to_the_plain_total(client, by):
    _random_registry(client, seed=len(by) * 31 + len(by[0]))
    all_lines = [
        line
        for item in client.get(f"{API}/interventions", params={"limit": 500}).json()["items"]
        for line in client.get(f"{API}/interventions/{item['id']}/budget-lines").json()["items"]
    ]
    plain = sum((Decimal(line["amount"]) for line in all_lines), Decimal(0))
    result = rollup(client, by=by)
    assert Decimal(result["total"]["amount"]) == plain
    assert sum((Decimal(r["amount"]) for r in result["rows"]), Decimal(0)) == plain
    for row in result["rows"]:
        assert Decimal(row["gross"]) >= Decimal(row["amount"]) >= 0
        assert set(row) == {
            *by,
            *(f"{d}_name" for d in by if d not in ("year", "category")),
            "amount",
            "gross",
            "interventions",
            "budget",
            "revised",
            "actual",
            "difference",
            "share_spent",
        }
    keys = [tuple(r[d] for d in by) for r in result["rows"]]
    assert len(keys) == len(set(keys))


def test_filters_narrow_the_lines(client):
    create_intervention(
        client,
        department="BKF",
        themes=["T1"],
        budget_lines=[budget_line(year=2019, amount="1.00"), budget_line(year=2021, amount="2.00")],
    )
    create_intervention(
        client,
        department="SSF",
        themes=["T2"],
        budget_lines=[budget_line(year=2020, amount="4.00", funding_source="LBF")],
    )
    assert rollup(client, by="year", year_from=2020)["total"]["amount"] == "6.00"
    assert rollup(client, by="year", year_to=2020)["total"]["amount"] == "5.00"
    assert rollup(client, by="department", department="SSF")["total"]["amount"] == "4.00"
    assert rollup(client, by="theme", theme="T1")["total"]["amount"] == "3.00"
    assert (
        rollup(client, by="funding_source", funding_source="LBF")["rows"][0]["funding_source_name"]
        == "Landsbyggefonden"
    )


def test_money_sums_exactly_on_this_database(client):
    create_intervention(
        client,
        start_date=None,
        end_date=None,
        themes=["T3", "T5", "T7"],
        budget_lines=[budget_line(year=2000 + i % 100, category=f"K{i}", amount="0.10") for i in range(1000)],
    )
    result = rollup(client, by="theme")
    assert result["total"]["amount"] == "100.00"
    assert sum(Decimal(r["amount"]) for r in result["rows"]) == Decimal("100.00")
    by_year = rollup(client, by="year")["rows"]
    assert len(by_year) == 100 and {r["amount"] for r in by_year} == {"1.00"}


@pytest.mark.parametrize(
    "params,field",
    [
        ({}, "by"),
        ({"by": "nope"}, "by"),
        ({"by": ["year", "year"]}, "by"),
        ({"by": "year", "theme": "T99"}, "theme"),
        ({"by": "year", "department": "XXX"}, "department"),
        ({"by": "year", "area": "atlantis"}, "area"),
        ({"by": "year", "funding_source": "NOPE"}, "funding_source"),
        ({"by": "year", "year_from": 2022, "year_to": 2020}, "year_to"),
        ({"by": "year", "year_from": 1999}, "year_from"),
        ({"by": "year", "parent_id": 999999}, "parent_id"),
        ({"by": "year", "format": "pdf"}, "format"),
    ],
)
def test_bad_rollup_parameters_are_refused(client, params, field):
    body = assert_problem(client.get(f"{API}/rollups/budget", params=params), 422)
    assert any(e["loc"][:2] == ["query", field] for e in body["errors"]), body["errors"]
    if "T99" in str(params):
        assert "T99" in body["detail"]


def test_coverage_lists_every_theme_and_indicator_and_finds_the_uncovered(client):
    create_intervention(
        client, status="active", themes=["T1"], indicators=[1, 2], budget_lines=[budget_line(amount="90.00")]
    )
    create_intervention(client, status="planned", themes=["T1", "T4"], indicators=[8], budget_lines=[])
    create_intervention(
        client, status="completed", themes=["T9"], indicators=[18], budget_lines=[budget_line(amount="10.00")]
    )
    themes = client.get(f"{API}/rollups/coverage", params={"by": "theme"}).json()
    assert [r["theme"] for r in themes["rows"]] == [f"T{n}" for n in range(1, 10)]
    assert themes["uncovered"] == ["T2", "T3", "T5", "T6", "T7", "T8", "T9"]  # T9 only has a completed one
    t1 = themes["rows"][0]
    assert (t1["interventions"], t1["active_or_planned"], t1["status_active"], t1["status_planned"]) == (2, 2, 1, 1)
    assert t1["amount"] == "90.00" and t1["covered"] is True
    t6 = themes["rows"][5]
    assert t6["theme_name"] == "Socialt mix i fritiden" and t6["interventions"] == 0 and t6["amount"] == "0.00"
    t9 = themes["rows"][8]
    assert t9["status_completed"] == 1 and t9["amount"] == "10.00" and t9["covered"] is False
    indicators = client.get(f"{API}/rollups/coverage", params={"by": "indicator"}).json()
    assert [r["indicator"] for r in indicators["rows"]] == list(range(1, 20))
    assert indicators["uncovered"] == [n for n in range(1, 20) if n not in (1, 2, 8)]
    assert indicators["rows"][0]["amount"] == "45.00"  # 90.00 split over indicators 1 and 2
    areas = client.get(f"{API}/rollups/coverage", params={"by": "area"}).json()
    assert [r["area"] for r in areas["rows"]] == [
        "hoeje-gladsaxe",
        "vaerebro-park",
        "moerkhoej",
        "resten-af-gladsaxe",
        "hele-gladsaxe",
    ]
    # the factory links every intervention to Mørkhøj
    assert areas["uncovered"] == ["hoeje-gladsaxe", "vaerebro-park", "resten-af-gladsaxe", "hele-gladsaxe"]


def _csv_rows(response):
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _xlsx_rows(response):
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    headings, *rows = list(sheet.iter_rows(values_only=True))
    codes = {heading: code for code, heading in ROLLUP_HEADINGS.items()}
    header = [codes[h] for h in headings]  # the Danish headings name the JSON's fields
    assert rows[-1][0] == "I alt"  # the total row
    return [dict(zip(header, row, strict=True)) for row in rows[:-1]]


def _same(json_value, sheet_value) -> bool:
    if json_value is None:
        return sheet_value in (None, "")
    if isinstance(json_value, bool):
        return str(sheet_value).lower() == str(json_value).lower()
    if isinstance(json_value, str) and json_value.lstrip("-").replace(".", "", 1).isdigit() and "." in json_value:
        # money has two decimals, share_spent four; a negative difference keeps its sign
        return Decimal(str(sheet_value)).quantize(Decimal(json_value)) == Decimal(json_value)
    return str(sheet_value) == str(json_value)


@pytest.mark.parametrize(
    "path,params",
    [
        ("budget", {"by": ["theme", "year"]}),
        ("budget", {"by": ["department", "funding_source", "category"]}),
        ("coverage", {"by": "theme"}),
        ("coverage", {"by": "indicator"}),
        ("coverage", {"by": "area"}),
    ],
)
def test_csv_and_xlsx_have_the_same_columns_and_figures_as_json(client, path, params):
    registry(["demo"])
    create_intervention(
        client, name="Særlig indsats i Værebro", themes=[], budget_lines=[budget_line(amount="1234.56")]
    )
    url = f"{API}/rollups/{path}"
    rows = client.get(url, params=params).json()["rows"]
    assert rows
    for sheet_rows in (
        _csv_rows(client.get(url, params={**params, "format": "csv"})),
        _xlsx_rows(client.get(url, params={**params, "format": "xlsx"})),
    ):
        assert len(sheet_rows) == len(rows)
        assert list(sheet_rows[0]) == list(rows[0]) or set(sheet_rows[0]) == set(rows[0])
        for json_row, sheet_row in zip(rows, sheet_rows, strict=True):
            for column, value in json_row.items():
                assert _same(value, sheet_row[column]), (column, value, sheet_row[column])


def test_every_pair_of_split_dimensions_is_exact(client):
    _random_registry(client, seed=7, count=12)
    total = rollup(client, by="year")["total"]["amount"]
    for pair in itertools.combinations(["theme", "effect_goal", "indicator", "area"], 2):
        rows = rollup(client, by=list(pair))["rows"]
        assert sum((Decimal(r["amount"]) for r in rows), Decimal(0)) == Decimal(total), pair


def test_subtree_with_pool_grants(client):
    programme = create_intervention(client, kind="programme", budget_lines=[budget_line(year=2020, amount="1.00")])
    child = create_intervention(client, parent_id=programme["id"], budget_lines=[], start_date=None, end_date=None)
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "10"}).json()
    client.post(
        f"{API}/pools/{pool['id']}/allocations",
        json={"intervention_id": child["id"], "amount": "2.50", "status": "granted", "reason": "Ok"},
    )
    result = rollup(client, by=["area", "year"], parent_id=programme["id"], include_pool_grants="true")
    assert (result["total"]["amount"], result["total"]["interventions"]) == ("3.50", 2)
    # granted pool money is plan money: in revised, not in the original budget
    assert (result["total"]["revised"], result["total"]["budget"]) == ("3.50", "1.00")
    assert {(r["year"], r["amount"]) for r in result["rows"]} == {(2020, "1.00"), (2026, "2.50")}
    coverage = client.get(
        f"{API}/rollups/coverage", params={"by": "theme", "parent_id": programme["id"], "include_pool_grants": "true"}
    )
    assert coverage.status_code == 200


COUNT_GROUPINGS = [
    ["year"],
    ["theme", "year"],
    ["effect_goal", "year"],
    ["theme", "area", "year"],
    ["theme"],
    ["department"],
    ["area", "effect_goal"],
    ["category", "year"],
    ["funding_source"],
]
COUNT_FILTERS = [{}, {"year_from": 2021}, {"funding_source": "LBF"}]


def _expected_counts(client, by: list[str], filters: dict) -> tuple[dict, int]:
    """Per group, the interventions with a plan line in it, counted by hand from the interventions' details."""
    goal_of = {t["code"]: t["effect_goal"] for t in client.get(f"{API}/themes").json()["items"]}
    counts: dict[tuple, int] = {}
    total = 0
    for item in client.get(f"{API}/interventions", params={"limit": 500}).json()["items"]:
        detail = client.get(f"{API}/interventions/{item['id']}").json()
        plan = [
            line
            for line in detail["budget_lines"]
            if line["in_plan"]
            and line["year"] >= filters.get("year_from", 0)
            and line["funding_source"] == filters.get("funding_source", line["funding_source"])
        ]
        if not plan:
            continue
        total += 1
        values = {
            "theme": detail["themes"] or [None],
            "area": detail["areas"] or [None],
            "effect_goal": sorted({goal_of[t] for t in detail["themes"]}) or [None],
            "department": [detail["department"]],
        }
        line_keys = {
            tuple(
                line[{"year": "year", "category": "category", "funding_source": "funding_source"}[d]]
                for d in by
                if d in ("year", "category", "funding_source")
            )
            for line in plan
        }
        for line_key in line_keys:
            for combo in itertools.product(*(values[d] for d in by if d not in ("year", "category", "funding_source"))):
                parts, line_part, combo_part = [], iter(line_key), iter(combo)
                for d in by:
                    parts.append(next(line_part) if d in ("year", "category", "funding_source") else next(combo_part))
                counts[tuple(parts)] = counts.get(tuple(parts), 0) + 1
    return counts, total


def test_intervention_counts_follow_every_change_of_the_plan(client):
    """Rollups count interventions by summing stored flags where they can (one flagged plan line per
    intervention and year, and per intervention); after adding, revising, deleting, replacing and importing
    lines the counts are those of a count by hand, with and without the filters that need COUNT(DISTINCT)."""
    lines = [
        budget_line(year=2020, category="Løn", amount="100.00"),
        budget_line(year=2020, category="Drift", amount="50.00", funding_source="LBF"),
        budget_line(year=2021, category="Løn", amount="70.00"),
        budget_line(year=2021, category="Løn", amount="65.00", type="revised"),
        budget_line(year=2022, category="Løn", amount="10.00", type="actual"),
    ]
    first = create_intervention(
        client, name="Mentorkorps", themes=["T1", "T5"], areas=["moerkhoej"], budget_lines=lines
    )
    second = create_intervention(
        client,
        name="Lommepengejob",
        department="SSF",
        themes=[],
        areas=[],
        budget_lines=[budget_line(year=2021, amount="30.00", funding_source="LBF")],
    )
    only_actual = create_intervention(
        client, name="Kun forbrug", themes=["T2"], budget_lines=[budget_line(year=2020, amount="5.00", type="actual")]
    )
    # A revision that takes an original line out of the plan, then its removal, puts it back.
    revision = client.post(
        f"{API}/interventions/{second['id']}/budget-lines",
        json=budget_line(year=2021, amount="35.00", funding_source="LBF", type="revised"),
    )
    assert revision.status_code == 201, revision.text
    added = client.post(
        f"{API}/interventions/{only_actual['id']}/budget-lines",
        json=budget_line(year=2021, amount="8.00", type="revised"),
    )
    assert added.status_code == 201, added.text
    original_2020 = next(
        line
        for line in client.get(f"{API}/interventions/{first['id']}").json()["budget_lines"]
        if line["year"] == 2020 and line["category"] == "Løn"
    )
    deleted = client.delete(f"{API}/interventions/{first['id']}/budget-lines/{original_2020['id']}")
    assert deleted.status_code == 204, deleted.text
    replaced = client.put(
        f"{API}/interventions/{second['id']}/budget-lines",
        json=[budget_line(year=2022, amount="1.00"), budget_line(year=2022, category="Drift", amount="2.00")],
    )
    assert replaced.status_code == 200, replaced.text
    imported = client.post(
        f"{API}/imports/interventions",
        json=[
            {
                "external_id": "IMP-1",
                "name": "Importeret",
                "kind": "project",
                "status": "active",
                "department": "BMF",
                "themes": ["T9"],
                "areas": ["vaerebro-park"],
                "budget_lines": [
                    budget_line(year=2021, amount="4.00"),
                    budget_line(year=2021, category="Drift", amount="3.00"),
                    budget_line(year=2022, amount="9.00", type="revised"),
                ],
            }
        ],
    )
    assert imported.status_code == 200, imported.text
    pool = client.post(f"{API}/pools", json={"name": "Prøvehandlinger 2022", "year": 2022, "amount": "1000.00"})
    assert pool.status_code == 201, pool.text
    granted = client.post(
        f"{API}/pools/{pool.json()['id']}/allocations",
        json={"intervention_id": only_actual["id"], "amount": "20.00", "status": "granted", "reason": "Ok"},
    )
    assert granted.status_code == 201, granted.text

    for filters in COUNT_FILTERS:
        for by in COUNT_GROUPINGS:
            answer = rollup(client, by=by, **filters)
            got = {tuple(row[d] for d in by): row["interventions"] for row in answer["rows"]}
            expected, total = _expected_counts(client, by, filters)
            assert {k: v for k, v in got.items() if v} == expected, (by, filters)
            assert answer["total"]["interventions"] == total, (by, filters)
    # A grant carries its own budget line (plan money): "Kun forbrug" counts in 2022 through it, with or without
    # include_pool_grants, and never twice.
    expected, total = _expected_counts(client, ["year"], {})
    with_grants = rollup(client, by="year", include_pool_grants="true")
    assert {r["year"]: r["interventions"] for r in with_grants["rows"]}[2022] == expected[(2022,)]
    assert with_grants["total"]["interventions"] == total


def test_the_rollup_the_api_writes_is_the_json_of_its_model(client):
    """The budget rollup's JSON is written from plain values (budget_rollup_json): byte for byte what its model,
    BudgetRollup, writes with exclude_unset, for every grouping and filter kind, with revisions, spending above
    the plan (a negative difference), a plan of nothing (share_spent null), the none groups and pool grants."""
    from app.db import open_session
    from app.models.filters import RollupFilters
    from app.models.rollup import Dimension
    from app.services.rollups import budget_rollup, budget_rollup_json

    _random_registry(client, seed=2030, count=12)
    spent = create_intervention(
        client,
        name="Brugt mere end planlagt",
        external_id="BRUGT-1",
        themes=["T2", "T5", "T9"],
        budget_lines=[
            budget_line(year=2020, amount="100.00"),
            budget_line(year=2020, type="revised", amount="33.34"),
            budget_line(year=2020, type="actual", amount="250.01"),
            budget_line(year=2021, type="actual", amount="0.07"),
        ],
    )
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "10"}).json()
    granted = client.post(
        f"{API}/pools/{pool['id']}/allocations",
        json={"intervention_id": spent["id"], "amount": "2.50", "status": "granted", "reason": "Ok"},
    )
    assert granted.status_code == 201, granted.text
    cases = [
        (["theme", "year"], {}),
        (["effect_goal", "department", "year"], {"year_from": 2021}),
        (["indicator", "area", "funding_source"], {"funding_source": ["LBF", "SOB-PULJE"]}),
        (["category", "track", "kind", "status"], {"include_pool_grants": True}),
        (["area", "theme"], {"include_pool_grants": True, "year_to": 2022}),
        (["year"], {"external_id": "BRUGT-1"}),
    ]
    for by, params in cases:
        with open_session() as session:
            filters = RollupFilters(**params)
            dims = [Dimension(d) for d in by]
            model = budget_rollup(session, filters, dims).model_dump_json(exclude_unset=True).encode()
            written = budget_rollup_json(session, filters, dims)
        assert written == model
        answer = client.get(f"{API}/rollups/budget", params={"by": by, **params}, headers={"Cache-Control": "no-cache"})
        assert answer.content == model
    # The last case holds the edges: spending beyond the plan, spending without a plan (and the grant's line).
    rows = rollup(client, by=["year"], external_id="BRUGT-1")["rows"]
    figures = {r["year"]: (r["revised"], r["difference"], r["share_spent"]) for r in rows}
    assert figures == {
        2020: ("33.34", "-216.67", "7.4988"),
        2021: ("0.00", "-0.07", None),
        2026: ("2.50", "2.50", "0.0000"),
    }
