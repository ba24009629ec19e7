"""GET /api/v1/interventions: filters, search, archiving, sorting, keyset pages and the budget totals of a list item.

Every expected answer is computed from the payloads the test created, never from hard-coded id lists."""

import unicodedata
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from app.db import get_engine
from app.models.intervention import Intervention
from tests.factories import (
    API,
    assert_problem,
    budget_line,
    create_intervention,
    intervention_payload,
)

SORTS = ["id", "-id", "name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"]


# --- helpers -----------------------------------------------------------------------------------------------


def list_all(client, params: list[tuple[str, Any]] | dict | None = None) -> list[dict[str, Any]]:
    """Every item the list answers for these parameters, following next_cursor to the end."""
    params = list(params.items()) if isinstance(params, dict) else list(params or [])
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        page_params = [*params, ("limit", 500)] + ([("cursor", cursor)] if cursor else [])
        response = client.get(f"{API}/interventions", params=page_params)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("next_cursor never became null")


def list_ids(client, params=None) -> list[int]:
    return [item["id"] for item in list_all(client, params)]


def minimal(name: str, **overrides: Any) -> dict[str, Any]:
    """The smallest valid intervention: cheap to create in bulk."""
    return {"name": name, "kind": "project", "department": "BKF", **overrides}


def create_minimal(client, name: str, **overrides: Any) -> dict[str, Any]:
    response = client.post(f"{API}/interventions", json=minimal(name, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def sort_key(sort: str, item: dict[str, Any]):
    key = sort.lstrip("-")
    if key == "id":
        return (item["id"],)
    if key == "name":
        return (item["name"], item["id"])
    return (ts(item[key]), item["id"])


def expected_order(sort: str, items: list[dict[str, Any]]) -> list[int]:
    return [i["id"] for i in sorted(items, key=lambda i: sort_key(sort, i), reverse=sort.startswith("-"))]


def walk(client, sort: str, limit: int, params=None) -> tuple[list[list[int]], list[dict[str, Any]]]:
    """Pages of ids (and all items) from following next_cursor with a small limit."""
    pages: list[list[int]] = []
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        query = [*(params or []), ("sort", sort), ("limit", limit)] + ([("cursor", cursor)] if cursor else [])
        response = client.get(f"{API}/interventions", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        pages.append([i["id"] for i in body["items"]])
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages, items
        assert body["items"], "an empty page must not carry a next_cursor"
    raise AssertionError("next_cursor never became null")


# --- filters -----------------------------------------------------------------------------------------------


def _filter_dataset() -> list[dict[str, Any]]:
    """Payloads varied in every filtered field. `parent` names another entry's `key`."""
    line = budget_line
    return [
        {
            "key": "prog",
            "name": "Styrket indsats for social balance i Mørkhøj",
            "kind": "programme",
            "status": "completed",
            "track": "social",
            "department": "SOB",
            "areas": ["moerkhoej"],
            "themes": ["T4", "T6"],
            "indicators": [8, 9],
            "external_id": "SOB-2019-MORKHOJ",
            "start_date": "2019-01-01",
            "end_date": "2022-12-31",
            "budget_lines": [line(year=2019, amount="477500.00"), line(year=2022, amount="472500.00")],
        },
        {
            "key": "child1",
            "parent": "prog",
            "name": "Indsats 1: Lektiehjælp",
            "kind": "project",
            "status": "active",
            "track": "social",
            "department": "BKF",
            "areas": ["moerkhoej"],
            "themes": ["T2"],
            "indicators": [3],
            "external_id": "BKF-LEKTIE",
            "start_date": "2019-01-01",
            "end_date": "2021-12-31",
            "budget_lines": [line(year=2020, amount="100.00"), line(year=2021, amount="200.00")],
        },
        {
            "key": "child2",
            "parent": "prog",
            "name": "Indsats 2: Fritidsjob",
            "kind": "trial_action",
            "status": "anchored",
            "track": "organisational",
            "department": "SSF",
            "areas": ["moerkhoej", "hele-gladsaxe"],
            "themes": ["T1"],
            "indicators": [1, 2],
            "start_date": "2020-01-01",
            "end_date": "2020-12-31",
            "budget_lines": [line(year=2020, category="Aktiviteter", amount="50.00")],
        },
        {
            "key": "grandchild",
            "parent": "child1",
            "name": "Lektiecafé på biblioteket",
            "kind": "project",
            "status": "idea",
            "track": None,
            "department": "BKF",
            "areas": ["moerkhoej"],
            "themes": ["T2", "T4"],
            "indicators": [8],
            "start_date": "2021-01-01",
            "end_date": "2021-12-31",
            "budget_lines": [line(year=2021, amount="10.00")],
        },
        {
            "key": "vaerebro",
            "name": "Helhedsplan for Værebro Park",
            "kind": "core_operation",
            "status": "planned",
            "track": "physical",
            "department": "BMF",
            "areas": ["vaerebro-park"],
            "themes": ["T7", "T9"],
            "indicators": [14, 19],
            "external_id": "BMF-VAEREBRO",
            "start_date": "2018-01-01",
            "end_date": "2030-12-31",
            "budget_lines": [line(year=2018, amount="1.00"), line(year=2030, amount="2.00")],
        },
        {
            "key": "hoeje",
            "name": "Job og uddannelse i Høje Gladsaxe",
            "kind": "project",
            "status": "stopped",
            "track": "social",
            "department": "SSF",
            "areas": ["hoeje-gladsaxe", "vaerebro-park"],
            "themes": ["T1", "T3"],
            "indicators": [1, 5],
            "start_date": "2019-06-01",
            "end_date": "2020-05-31",
            "budget_lines": [line(year=2019, amount="3.00"), line(year=2020, funding_source="LBF", amount="4.00")],
        },
        {
            "key": "nolines",
            "name": "Idé uden budget",
            "kind": "trial_action",
            "status": "idea",
            "track": "organisational",
            "department": "SOB",
            "areas": ["resten-af-gladsaxe"],
            "themes": [],
            "indicators": [],
            "budget_lines": [],
            "success_criteria": [],
            "start_date": None,
            "end_date": None,
        },
        {
            "key": "active2022",
            "name": "Tryghedsvandring",
            "kind": "project",
            "status": "active",
            "track": "physical",
            "department": "BKF",
            "areas": ["hoeje-gladsaxe"],
            "themes": ["T4", "T8"],
            "indicators": [9, 17],
            "start_date": "2022-01-01",
            "end_date": "2023-12-31",
            "budget_lines": [line(year=2022, amount="5.00"), line(year=2023, amount="6.00")],
        },
    ]


@pytest.fixture
def dataset(client) -> dict[str, dict[str, Any]]:
    created: dict[str, dict[str, Any]] = {}
    for entry in _filter_dataset():
        entry = dict(entry)
        key = entry.pop("key")
        parent = entry.pop("parent", None)
        if parent is not None:
            entry["parent_id"] = created[parent]["id"]
        body = create_intervention(client, **entry)
        payload = intervention_payload(**entry)
        payload["id"] = body["id"]
        payload.setdefault("parent_id", None)
        payload.setdefault("external_id", None)
        created[key] = payload
    return created


def matches(record: dict[str, Any], params: list[tuple[str, str]]) -> bool:
    """The contract, in Python: a value list per filter is OR, different filters are AND."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name, value in params:
        groups[name].append(str(value))
    for name, values in groups.items():
        if name in ("department", "kind", "status", "track"):
            ok = str(record[name]) in values
        elif name in ("area", "theme"):
            ok = bool(set(record[name + "s"]) & set(values))
        elif name == "indicator":
            ok = bool({str(n) for n in record["indicators"]} & set(values))
        elif name == "year":
            ok = bool({str(line["year"]) for line in record["budget_lines"]} & set(values))
        elif name == "parent_id":
            ok = record["parent_id"] is not None and str(record["parent_id"]) in values
        elif name == "external_id":
            ok = record["external_id"] in values
        elif name == "q":
            needle = unicodedata.normalize("NFC", values[0]).casefold()
            ok = any(
                needle in unicodedata.normalize("NFC", record.get(f) or "").casefold() for f in ("name", "description")
            )
        else:
            raise AssertionError(name)
        if not ok:
            return False
    return True


FILTER_CASES = [
    [("department", "BKF")],
    [("department", "BKF"), ("department", "SOB")],
    [("area", "moerkhoej")],
    [("area", "vaerebro-park"), ("area", "hoeje-gladsaxe")],
    [("area", "resten-af-gladsaxe")],
    [("theme", "T1")],
    [("theme", "T1"), ("theme", "T4")],
    [("theme", "T6")],
    [("indicator", "8")],
    [("indicator", "1"), ("indicator", "8")],
    [("kind", "programme")],
    [("kind", "project"), ("kind", "trial_action")],
    [("status", "active")],
    [("status", "completed"), ("status", "anchored"), ("status", "stopped")],
    [("track", "physical")],
    [("track", "social"), ("track", "organisational")],
    [("parent_id", "@prog")],
    [("parent_id", "@child1")],
    [("year", "2019")],
    [("year", "2019"), ("year", "2030")],
    [("year", "2021")],
    [("external_id", "BMF-VAEREBRO")],
    [("q", "lektie")],
    [("q", "indsats")],
    # different filters: AND
    [("department", "BKF"), ("theme", "T4")],
    [("theme", "T1"), ("theme", "T4"), ("year", "2020")],
    [("theme", "T1"), ("theme", "T4"), ("status", "active"), ("status", "idea")],
    [("area", "moerkhoej"), ("kind", "project"), ("track", "social")],
    [("parent_id", "@prog"), ("year", "2020"), ("department", "SSF")],
    [("department", "SOB"), ("department", "BMF"), ("year", "2018"), ("year", "2019")],
    [("indicator", "9"), ("area", "hoeje-gladsaxe"), ("q", "tryghed")],
    [("q", "mørkhøj"), ("kind", "programme"), ("external_id", "SOB-2019-MORKHOJ")],
]


@pytest.mark.parametrize("case", FILTER_CASES, ids=lambda c: "&".join(f"{k}={v}" for k, v in c))
def test_filter_answers_exactly_the_matching_interventions(client, dataset, case):
    params = [(k, str(dataset[v[1:]]["id"]) if isinstance(v, str) and v.startswith("@") else v) for k, v in case]
    records = list(dataset.values())
    expected = sorted(r["id"] for r in records if matches(r, params))
    # Each case is meant to select something, and not everything: otherwise it proves nothing.
    assert expected and len(expected) < len(records), (case, expected)
    assert list_ids(client, params) == expected


def test_no_filters_lists_everything_by_id(client, dataset):
    assert list_ids(client) == sorted(r["id"] for r in dataset.values())


def test_filters_that_match_nothing_answer_an_empty_page(client, dataset):
    for params in (
        [("department", "BMF"), ("kind", "project")],
        [("year", "2005")],
        [("external_id", "NOPE")],
        [("parent_id", str(dataset["nolines"]["id"]))],
        [("q", "ingen sådan tekst")],
    ):
        body = client.get(f"{API}/interventions", params=params).json()
        assert body == {"items": [], "next_cursor": None}, params


def test_parent_id_lists_direct_children_only(client, dataset):
    prog, child1 = dataset["prog"], dataset["child1"]
    assert list_ids(client, {"parent_id": prog["id"]}) == sorted([child1["id"], dataset["child2"]["id"]])
    assert dataset["grandchild"]["id"] not in list_ids(client, {"parent_id": prog["id"]})
    assert list_ids(client, {"parent_id": child1["id"]}) == [dataset["grandchild"]["id"]]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"department": "XYZ"}, ["department"]),
        ({"area": "nowhere"}, ["area"]),
        ({"theme": "T99"}, ["theme"]),
        ({"indicator": "99"}, ["indicator"]),
        ({"kind": "campaign"}, ["kind"]),
        ({"status": "done"}, ["status"]),
        ({"track": "digital"}, ["track"]),
        ({"year": "twenty"}, ["year"]),
        ({"parent_id": "0"}, ["parent_id"]),
        ({"sort": "budget"}, ["sort"]),
        ({"limit": "0"}, ["limit"]),
        ({"limit": "501"}, ["limit"]),
    ],
)
def test_bad_filter_values_are_a_problem_naming_the_parameter(client, params, field):
    response = client.get(f"{API}/interventions", params=params)
    assert 400 <= response.status_code < 500, response.text
    body = assert_problem(response, response.status_code)
    locs = [e["loc"] for e in body.get("errors") or []]
    assert any(field[0] in loc for loc in locs), locs


# --- q -----------------------------------------------------------------------------------------------------

SEARCH_DATA = [
    ("Styrket indsats for social balance i Mørkhøj", "Programmet med tre indsatser."),
    ("Fritidsjob", "Unge fra MØRKHØJ får et fritidsjob."),
    ("Lektiecafé i VÆREBRO PARK", None),
    ("Sommerskole", "Ferieaktiviteter for børn i værebro park."),
    ("Åben hal om aftenen", "Idrætshallen holder åbent."),
    ("Den åbne skole", "ÅRLIG evaluering."),
    ("Udveksling med Århus", "Besøg hos en anden kommune."),
    ("Rabat på 50% af kontingentet", "Halv pris."),
    ("Tilskud på 50 kr. pr. barn", "Fast beløb, 100% betalt af puljen."),
    ("Pulje_2020 til små projekter", None),
    ("Pulje 2020 til store projekter", None),
    ("Sti\\vej og belysning", "Tryghed."),
    ("Ingen særlige tegn", "Bare tekst."),
]


@pytest.fixture
def search_data(client) -> list[dict[str, Any]]:
    records = []
    for name, description in SEARCH_DATA:
        body = create_intervention(client, name=name, description=description)
        records.append({"id": body["id"], "name": name, "description": description})
    # Found nowhere but in target_group, which q does not search.
    body = create_intervention(
        client,
        name="Forældrenetværk",
        description="Netværk for forældre.",
        target_group="Forældre i Mørkhøj og Værebro",
    )
    records.append({"id": body["id"], "name": "Forældrenetværk", "description": "Netværk for forældre."})
    return records


def expected_search(records, q: str) -> list[int]:
    return sorted(r["id"] for r in records if matches(r, [("q", q)]))


@pytest.mark.parametrize(
    "queries",
    [
        ["mørkhøj", "MØRKHØJ", "Mørkhøj", "mØrKhØj"],
        ["VÆREBRO", "værebro", "Værebro", "VÆREBRO PARK"],
        ["Å", "å"],
        ["åben", "ÅBEN", "Åben"],
        ["århus", "ÅRHUS", "Århus"],
        ["lektiecafé", "LEKTIECAFÉ"],
    ],
    ids=lambda qs: qs[0],
)
def test_q_ignores_case_including_aeoeaa(client, search_data, queries):
    expected = expected_search(search_data, queries[0])
    assert expected and len(expected) < len(search_data), expected
    for q in queries:
        assert expected_search(search_data, q) == expected  # the Python model agrees with itself
        assert list_ids(client, {"q": q}) == expected, q


def test_q_does_not_search_target_group(client, search_data):
    forældre = next(r["id"] for r in search_data if r["name"] == "Forældrenetværk")
    assert forældre not in list_ids(client, {"q": "Mørkhøj"})
    assert forældre in list_ids(client, {"q": "forældre"})


def test_q_in_decomposed_unicode_finds_composed_text(client, search_data):
    for composed in ("Århus", "århus", "Å", "å", "ÅBEN", "lektiecafé"):
        decomposed = unicodedata.normalize("NFD", composed)
        assert decomposed != composed
        expected = expected_search(search_data, composed)
        assert expected
        assert list_ids(client, {"q": decomposed}) == expected, ascii(decomposed)


def test_name_sent_decomposed_is_found_by_composed_q(client):
    body = create_intervention(client, name=unicodedata.normalize("NFD", "Åben café i Århus"), description=None)
    assert body["name"] == "Åben café i Århus"  # stored NFC
    for q in ("Århus", "ÅBEN CAFÉ", unicodedata.normalize("NFD", "CAFÉ")):
        assert list_ids(client, {"q": q}) == [body["id"]], ascii(q)


@pytest.mark.parametrize("q", ["50%", "%", "_", "e_2", "0%", "\\", "\\v", "%%", "_%_"])
def test_q_matches_like_wildcards_literally(client, search_data, q):
    expected = expected_search(search_data, q)
    assert len(expected) < len(search_data)
    assert list_ids(client, {"q": q}) == expected, q


def test_q_percent_finds_only_names_with_a_percent_sign(client, search_data):
    by_name = {r["name"]: r["id"] for r in search_data}
    assert list_ids(client, {"q": "50%"}) == [by_name["Rabat på 50% af kontingentet"]]
    assert list_ids(client, {"q": "%"}) == sorted(
        [by_name["Rabat på 50% af kontingentet"], by_name["Tilskud på 50 kr. pr. barn"]]
    )
    assert list_ids(client, {"q": "e_2"}) == [by_name["Pulje_2020 til små projekter"]]


def test_aeoeaa_round_trip_byte_for_byte(client):
    texts = {
        "name": "Æblehaven: ØSTERGÅRD og Værebro Ås — Mørkhøj",
        "description": "Børn, unge og ældre mødes i Høje Gladsaxe; åbent hus på Ærø-vej. ÆØÅ æøå",
        "purpose": "Formål: større tryghed — «ingen» skæve øjne",
        "target_group": "Målgruppe: Familier i Værebro Park og Mørkhøj (ÆØÅ)",
        "contact_name": "Søren Åge Ærbø",
    }
    lines = [
        budget_line(year=2020, category="Løn og særlige ydelser", note="Ærindet: øvrige udgifter på Åbyvej"),
        budget_line(year=2021, category="ÆØÅ-aktiviteter", funding_source="BOLIGORG", note=None),
    ]
    created = create_intervention(client, **texts, budget_lines=lines)
    fetched = client.get(f"{API}/interventions/{created['id']}").json()
    listed = next(i for i in list_all(client) if i["id"] == created["id"])
    budget = client.get(f"{API}/interventions/{created['id']}/budget-lines").json()
    for body in (created, fetched, listed):
        for field, value in texts.items():
            assert body[field] == value
            assert body[field].encode("utf-8") == value.encode("utf-8")
    for body in (created["budget_lines"], fetched["budget_lines"], budget["items"]):
        got = sorted((line["category"], line["note"]) for line in body)
        want = sorted((line["category"], line["note"]) for line in lines)
        assert got == want
        assert [c.encode("utf-8") for c, _ in got] == [c.encode("utf-8") for c, _ in want]


# --- archiving ---------------------------------------------------------------------------------------------


def test_delete_archives_hides_and_include_archived_shows(client):
    keep = create_intervention(client, name="Bliver")
    gone = create_intervention(client, name="Arkiveres", external_id="ARK-1")
    response = client.delete(f"{API}/interventions/{gone['id']}")
    assert response.status_code == 204
    assert response.content == b""

    assert list_ids(client) == [keep["id"]]
    assert_problem(client.get(f"{API}/interventions/{gone['id']}"), 404)
    assert list_ids(client, {"external_id": "ARK-1"}) == []

    listed = list_all(client, {"include_archived": "true"})
    assert [i["id"] for i in listed] == [keep["id"], gone["id"]]
    by_id = {i["id"]: i for i in listed}
    assert by_id[keep["id"]]["archived_at"] is None
    assert by_id[gone["id"]]["archived_at"] is not None
    assert ts(by_id[gone["id"]]["archived_at"]) >= ts(gone["created_at"])
    assert list_ids(client, {"include_archived": "true", "external_id": "ARK-1"}) == [gone["id"]]

    fetched = client.get(f"{API}/interventions/{gone['id']}", params={"include_archived": "true"})
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["id"] == gone["id"] and fetched.json()["name"] == "Arkiveres"
    assert fetched.json()["archived_at"] == by_id[gone["id"]]["archived_at"]
    assert fetched.json()["budget_lines"] == gone["budget_lines"]

    # Not hard-deleted: the row and its lines are still in the database.
    with get_engine().connect() as conn:
        row = conn.execute(Intervention.__table__.select().where(Intervention.__table__.c.id == gone["id"])).one()
    assert row.archived_at is not None and row.name == "Arkiveres"


def test_archived_is_left_out_of_every_filter_unless_asked(client):
    prog = create_intervention(client, kind="programme", name="Program")
    child = create_intervention(client, parent_id=prog["id"], name="Barn")
    archived_child = create_intervention(client, parent_id=prog["id"], name="Arkiveret barn")
    assert client.delete(f"{API}/interventions/{archived_child['id']}").status_code == 204
    for params in ({"parent_id": prog["id"]}, {"year": 2020}, {"q": "barn"}, {"theme": "T4"}, {"kind": "project"}):
        assert child["id"] in list_ids(client, params)
        assert archived_child["id"] not in list_ids(client, params)
        assert archived_child["id"] in list_ids(client, {**params, "include_archived": "true"})
    assert list_ids(client, {"parent_id": prog["id"], "include_archived": "true"}) == [
        child["id"],
        archived_child["id"],
    ]


# --- sorting -----------------------------------------------------------------------------------------------

SORT_NAMES = ["Delta", "Bravo", "Echo", "Bravo", "Alfa", "Charlie", "Delta"]


@pytest.fixture
def sortable(client) -> list[int]:
    ids = [create_minimal(client, name)["id"] for name in SORT_NAMES]
    # Change some so that updated_at no longer follows id.
    for i in (ids[4], ids[0], ids[2]):
        response = client.patch(f"{API}/interventions/{i}", json={"status": "active"})
        assert response.status_code == 200, response.text
    return ids


@pytest.mark.parametrize("sort", SORTS)
def test_sort_orders_by_the_field_then_id(client, sortable, sort):
    items = list_all(client, {"sort": sort})
    assert sorted(i["id"] for i in items) == sorted(sortable)
    assert [i["id"] for i in items] == expected_order(sort, items)


def test_sort_by_name_with_expected_order_from_payloads(client, sortable):
    by_name = sorted(zip(SORT_NAMES, sortable, strict=False))
    assert list_ids(client, {"sort": "name"}) == [i for _, i in by_name]
    assert list_ids(client, {"sort": "-name"}) == [i for _, i in reversed(by_name)]
    updated_order = list_ids(client, {"sort": "updated_at"})
    assert updated_order[-3:] == [sortable[4], sortable[0], sortable[2]]


def _set_timestamps(ids: list[int], field: str, values: list[datetime]) -> None:
    with get_engine().begin() as conn:
        for i, value in zip(ids, values, strict=False):
            conn.execute(update(Intervention).where(Intervention.id == i).values({field: value}))


@pytest.mark.parametrize("field", ["created_at", "updated_at"])
def test_timestamp_sorts_break_ties_by_id_and_ignore_insertion_order(client, field):
    ids = [create_minimal(client, f"Indsats {n}")["id"] for n in range(7)]
    base = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
    # Scrambled against id, with ties (two rows share one instant, three another); one on a whole second.
    offsets = [
        timedelta(seconds=5, microseconds=250),
        timedelta(seconds=1),
        timedelta(seconds=5, microseconds=250),
        timedelta(0),
        timedelta(seconds=3, microseconds=7),
        timedelta(seconds=1),
        timedelta(seconds=1),
    ]
    values = [base + o for o in offsets]
    _set_timestamps(ids, field, values)
    expected = [i for _, i in sorted(zip(values, ids, strict=False))]
    assert list_ids(client, {"sort": field}) == expected
    assert list_ids(client, {"sort": f"-{field}"}) == expected[::-1]
    for sort in (field, f"-{field}"):
        pages, _ = walk(client, sort, 2)
        assert [i for p in pages for i in p] == (expected if sort == field else expected[::-1]), sort


# --- keyset pagination -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", SORTS)
def test_walking_next_cursor_visits_every_row_once(client, sortable, sort):
    full = list_ids(client, {"sort": sort})
    pages, items = walk(client, sort, 2)
    walked = [i for p in pages for i in p]
    assert walked == full
    assert len(walked) == len(set(walked)) == len(sortable)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [i["id"] for i in items] == expected_order(sort, items)


@pytest.mark.parametrize("sort", SORTS)
def test_a_limit_equal_to_the_rows_left_ends_with_a_null_cursor(client, sortable, sort):
    body = client.get(f"{API}/interventions", params={"sort": sort, "limit": len(sortable)}).json()
    assert len(body["items"]) == len(sortable) and body["next_cursor"] is None
    body = client.get(f"{API}/interventions", params={"sort": sort, "limit": len(sortable) - 1}).json()
    assert len(body["items"]) == len(sortable) - 1 and body["next_cursor"] is not None


@pytest.mark.parametrize("sort", SORTS)
def test_rows_inserted_between_pages_never_make_a_page_skip_or_repeat(client, sortable, sort):
    originals = set(sortable)
    seen: list[int] = []
    items: list[dict[str, Any]] = []
    cursor = None
    page_number = 0
    # Names that sort before, among and after the original ones, on both databases.
    inserts = ["Aaa først", "Zulu sidst", "Bravo", "Delta", "0 allerførst", "Ærø efter alt", "Charlie"]
    while True:
        query = {"sort": sort, "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get(f"{API}/interventions", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(i["id"] for i in body["items"])
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        page_number += 1
        assert page_number < 50
        # Between pages: insert two rows (one sorting first, one last), and after page 1 also archive the row
        # the cursor points at.
        for _ in range(2):
            if inserts:
                create_minimal(client, inserts.pop(0))
        if page_number == 1:
            assert client.delete(f"{API}/interventions/{body['items'][-1]['id']}").status_code == 204
    assert len(seen) == len(set(seen)), f"a row came twice: {seen}"
    assert originals <= set(seen), f"rows skipped: {originals - set(seen)}"
    # The pages together are still in order.
    assert [i["id"] for i in items] == expected_order(sort, items)


def test_cursor_must_come_from_the_same_sort_and_be_valid(client, sortable):
    cursor = client.get(f"{API}/interventions", params={"sort": "name", "limit": 2}).json()["next_cursor"]
    assert cursor
    assert_problem(client.get(f"{API}/interventions", params={"sort": "-name", "limit": 2, "cursor": cursor}), 400)
    assert_problem(client.get(f"{API}/interventions", params={"cursor": "not-a-cursor"}), 400)
    assert_problem(client.get(f"{API}/interventions", params={"sort": "created_at", "cursor": "e30"}), 400)


def test_limit_defaults_to_50_and_500_is_allowed(client):
    ids = [create_minimal(client, f"Indsats {n:03d}")["id"] for n in range(501)]
    body = client.get(f"{API}/interventions").json()
    assert [i["id"] for i in body["items"]] == ids[:50]
    assert body["next_cursor"] is not None
    second = client.get(f"{API}/interventions", params={"cursor": body["next_cursor"]}).json()
    assert [i["id"] for i in second["items"]] == ids[50:100]

    big = client.get(f"{API}/interventions", params={"limit": 500})
    assert big.status_code == 200, big.text
    assert [i["id"] for i in big.json()["items"]] == ids[:500]
    rest = client.get(f"{API}/interventions", params={"limit": 500, "cursor": big.json()["next_cursor"]}).json()
    assert rest == {"items": rest["items"], "next_cursor": None} and [i["id"] for i in rest["items"]] == ids[500:]
    assert_problem(client.get(f"{API}/interventions", params={"limit": 501}), 422, field=["limit"])


# --- budget totals on list items ---------------------------------------------------------------------------


def _sum(lines) -> Decimal:
    return sum((Decimal(str(line["amount"])) for line in lines), Decimal("0"))


def _by_year(*line_sets) -> list[dict[str, str]]:
    years: dict[int, Decimal] = defaultdict(Decimal)
    for lines in line_sets:
        for line in lines:
            years[line["year"]] += Decimal(str(line["amount"]))
    return [{"year": y, "amount": f"{years[y]:.2f}"} for y in sorted(years)]


def test_programme_list_item_carries_subtree_totals(client):
    period = {"start_date": "2019-01-01", "end_date": "2022-12-31"}
    prog_lines = [budget_line(year=2019, amount="477500.00"), budget_line(year=2022, amount="0.05")]
    c1_lines = [
        budget_line(year=2019, amount="250.50"),
        budget_line(year=2020, amount="100.25"),
        budget_line(year=2020, category="Aktiviteter", funding_source="LBF", amount="0.30"),
    ]
    c2_lines = [budget_line(year=2020, amount="0.10"), budget_line(year=2021, amount="99.90")]
    g_lines = [budget_line(year=2021, amount="5.00"), budget_line(year=2022, amount="0.01")]
    c3_lines = [budget_line(year=2020, amount="7777.77"), budget_line(year=2019, amount="1.00")]
    prog = create_intervention(client, kind="programme", name="Program", budget_lines=prog_lines, **period)
    c1 = create_intervention(client, parent_id=prog["id"], name="Barn 1", budget_lines=c1_lines, **period)
    c2 = create_intervention(client, parent_id=prog["id"], name="Barn 2", budget_lines=c2_lines, **period)
    g = create_intervention(client, parent_id=c1["id"], name="Barnebarn", budget_lines=g_lines, **period)
    c3 = create_intervention(client, parent_id=prog["id"], name="Barn 3", budget_lines=c3_lines, **period)
    other = create_intervention(client, name="Andet", budget_lines=[budget_line(amount="123.45")])

    def items():
        return {i["id"]: i for i in list_all(client)}

    listed = items()
    p = listed[prog["id"]]
    assert p["budget_total"] == f"{_sum(prog_lines):.2f}"
    assert p["budget_total_with_descendants"] == f"{_sum(prog_lines + c1_lines + c2_lines + g_lines + c3_lines):.2f}"
    assert p["budget_by_year"] == _by_year(prog_lines, c1_lines, c2_lines, g_lines, c3_lines)
    assert p["children"] == [c1["id"], c2["id"], c3["id"]]

    assert client.delete(f"{API}/interventions/{c3['id']}").status_code == 204
    listed = items()
    p = listed[prog["id"]]
    assert p["budget_total"] == "477500.05"
    assert p["budget_total_with_descendants"] == f"{_sum(prog_lines + c1_lines + c2_lines + g_lines):.2f}"
    assert p["budget_by_year"] == _by_year(prog_lines, c1_lines, c2_lines, g_lines)
    assert p["children"] == [c1["id"], c2["id"]]

    first = listed[c1["id"]]
    assert first["budget_total"] == f"{_sum(c1_lines):.2f}"
    assert first["budget_total_with_descendants"] == f"{_sum(c1_lines + g_lines):.2f}"
    assert first["budget_by_year"] == _by_year(c1_lines, g_lines)
    assert first["children"] == [g["id"]]
    second = listed[c2["id"]]
    assert second["budget_total"] == second["budget_total_with_descendants"] == f"{_sum(c2_lines):.2f}"
    assert second["children"] == []
    assert listed[other["id"]]["budget_total_with_descendants"] == "123.45"
    assert listed[other["id"]]["budget_by_year"] == [{"year": 2020, "amount": "123.45"}]

    # The single read agrees with the list.
    single = client.get(f"{API}/interventions/{prog['id']}").json()
    for field in ("budget_total", "budget_total_with_descendants", "budget_by_year", "children"):
        assert single[field] == p[field], field
    # The archived child, read with include_archived, still has its own total.
    archived = next(i for i in list_all(client, {"include_archived": "true"}) if i["id"] == c3["id"])
    assert archived["budget_total"] == f"{_sum(c3_lines):.2f}"


def test_intervention_without_lines_has_zero_totals(client):
    body = create_intervention(client, budget_lines=[])
    item = list_all(client)[0]
    assert item["id"] == body["id"]
    assert item["budget_total"] == item["budget_total_with_descendants"] == "0.00"
    assert item["budget_by_year"] == [] and item["children"] == []


# --- money exactness ---------------------------------------------------------------------------------------


def test_a_thousand_lines_of_ten_oere_sum_to_exactly_100_kroner(client):
    # Half sent as decimal strings, half as JSON numbers (0.1 is inexact as a binary float).
    lines = [budget_line(category=f"Kategori {n:04d}", amount="0.10" if n % 2 else 0.1) for n in range(1000)]
    body = create_intervention(client, budget_lines=lines)
    assert body["budget_total"] == "100.00"
    item = list_all(client)[0]
    assert item["budget_total"] == item["budget_total_with_descendants"] == "100.00"
    assert item["budget_by_year"] == [{"year": 2020, "amount": "100.00"}]
    budget = client.get(f"{API}/interventions/{body['id']}/budget-lines").json()
    assert budget["total"] == "100.00"
    assert len(budget["items"]) == 1000 and {line["amount"] for line in budget["items"]} == {"0.10"}


def test_small_and_large_amounts_sum_exactly(client):
    amounts = ["0.01", "0.02", "1234567.89", "9999999999.99", "0.10", "0.20", "0.70", "3.33", "3.33", "3.34"]
    lines = [budget_line(category=f"Post {n}", amount=a) for n, a in enumerate(amounts)]
    expected = sum((Decimal(a) for a in amounts), Decimal("0"))
    parent = create_intervention(client, kind="programme", budget_lines=lines, name="Stor")
    child_amounts = ["9999999999.99", "0.01"]
    child = create_intervention(
        client,
        parent_id=parent["id"],
        name="Også stor",
        budget_lines=[budget_line(year=2021, category=f"Post {n}", amount=a) for n, a in enumerate(child_amounts)],
    )
    child_total = sum((Decimal(a) for a in child_amounts), Decimal("0"))

    assert parent["budget_total"] == f"{expected:.2f}"
    listed = {i["id"]: i for i in list_all(client)}
    assert listed[parent["id"]]["budget_total"] == f"{expected:.2f}"
    assert listed[parent["id"]]["budget_total_with_descendants"] == f"{expected + child_total:.2f}"
    assert listed[parent["id"]]["budget_by_year"] == [
        {"year": 2020, "amount": f"{expected:.2f}"},
        {"year": 2021, "amount": f"{child_total:.2f}"},
    ]
    assert listed[child["id"]]["budget_total"] == "10000000000.00"
    budget = client.get(f"{API}/interventions/{parent['id']}/budget-lines").json()
    assert budget["total"] == f"{expected:.2f}" == "10001234578.91"
    assert sorted(line["amount"] for line in budget["items"]) == sorted(f"{Decimal(a):.2f}" for a in amounts)


def test_amounts_up_to_the_line_maximum_sum_exactly_when_the_total_stays_below_it(client):
    amounts = ["0.01", "0.02", "1234567.89", "8999999999.99", "0.10", "0.20", "0.70", "3.33", "3.33", "3.34"]
    lines = [budget_line(category=f"Post {n}", amount=a) for n, a in enumerate(amounts)]
    expected = sum((Decimal(a) for a in amounts), Decimal("0"))
    body = create_intervention(client, budget_lines=lines)
    assert body["budget_total"] == f"{expected:.2f}" == "9001234578.91"
    item = list_all(client)[0]
    assert item["budget_total"] == item["budget_total_with_descendants"] == f"{expected:.2f}"
    assert client.get(f"{API}/interventions/{body['id']}/budget-lines").json()["total"] == f"{expected:.2f}"
