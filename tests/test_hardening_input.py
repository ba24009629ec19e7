"""Issue 13 ("Hardening"), items 13 and 18, over HTTP.

Item 13: input that was accepted but should not be. A decimal string with an exponent or non-ASCII digits
("1e3", "١٢٣") is refused against the schema's own pattern; a text of only zero-width characters is empty; a
leading byte order mark and zero-width characters at the ends are trimmed; bidirectional override and isolate
controls are refused (U+202E makes "abc\u202egnp.exe" show as "abcexe.png"); a date is between 1900-01-01 and
2100-12-31; a material URL carries no user information (http://a@evil.example/ goes to evil.example). Each
refusal is a 422 problem naming the field, and writes nothing; the spreadsheet import goes through the same
types and refuses the same values.

Item 18: the OpenAPI document says which reference codes exist (an enum, or minimum/maximum for indicator
numbers), equal to what the reference endpoints answer; unknown codes are still refused as a rule violation that
names the field and the value; and where the schema says a field is nullable, null is accepted, while a field
the service refuses null for is not nullable in the schema.
"""

import json
import re
from typing import Any

import pytest

from app.models.codes import LAST_INDICATOR
from tests.factories import API, assert_problem, budget_line, create_intervention, intervention_payload

INTERVENTIONS = f"{API}/interventions"
IMPORTS = f"{API}/imports/interventions"


@pytest.fixture
def world(client):
    """An intervention with a criterion, material and an evaluation; a pool with an allocation."""
    a = create_intervention(client, external_id="A-1")
    url = f"{INTERVENTIONS}/{a['id']}"
    material = client.post(
        f"{url}/material",
        json={"title": "Programdokument", "url": "https://gladsaxe.dk/programdokument.pdf", "kind": "description"},
    )
    assert material.status_code == 201, material.text
    evaluation = client.post(f"{url}/evaluations", json={"kind": "final", "date": "2022-12-31"})
    assert evaluation.status_code == 201, evaluation.text
    pool = client.post(f"{API}/pools", json={"name": "Prøvehandlingspuljen 2021", "year": 2021, "amount": "100000"})
    assert pool.status_code == 201, pool.text
    trial = create_intervention(client, external_id="T-1", kind="trial_action", budget_lines=[], success_criteria=[])
    allocation = client.post(
        f"{API}/pools/{pool.json()['id']}/allocations", json={"intervention_id": trial["id"], "amount": "2500"}
    )
    assert allocation.status_code == 201, allocation.text
    return {
        "a": a,
        "url": url,
        "criterion": f"{url}/success-criteria/{a['success_criteria'][0]['id']}",
        "material": f"{url}/material/{material.json()['id']}",
        "evaluation": f"{url}/evaluations/{evaluation.json()['id']}",
        "pool": f"{API}/pools/{pool.json()['id']}",
        "pool_id": pool.json()["id"],
        "trial_id": trial["id"],
    }


def state(client) -> dict[str, Any]:
    """What a refused request must leave as it was: every intervention's detail, the pools and their ledger."""
    items = client.get(INTERVENTIONS, params={"include_archived": "true", "limit": 500}).json()["items"]
    pools = client.get(f"{API}/pools").json()["items"]
    return {
        "interventions": [client.get(f"{INTERVENTIONS}/{i['id']}").json() for i in items],
        "material": [client.get(f"{INTERVENTIONS}/{i['id']}/material").json() for i in items],
        "pools": pools,
        "allocations": [client.get(f"{API}/pools/{p['id']}/allocations").json() for p in pools],
    }


def refused(client, before, response, field: list, *, types=("/problems/validation",)) -> dict:
    body = assert_problem(response, 422, field=field)
    assert body["type"] in types, body
    assert state(client) == before, "a refused request changed the data"
    return body


# --- item 13: decimals ------------------------------------------------------------------------------------

BAD_DECIMAL_TEXTS = [
    "1e3",  # was stored as 1000.00
    "1E3",
    "2.5e2",
    "١٢٣",  # Arabic-Indic digits: was stored as 123.00
    "۱۲۳",  # Extended Arabic-Indic (Persian) digits
    "１２３",  # full-width digits
    "१२३",  # Devanagari digits
    "12.5٠",
    "+12",
    "0x10",
    "1_000",
    ".5",
    "5.",
]


def money_requests(world) -> list[tuple[str, str, Any, list]]:
    """(method, url, payload with AMOUNT in place of an amount, loc of the amount): every way money comes in."""
    return [
        ("POST", f"{world['url']}/budget-lines", budget_line(year=2021, amount="AMOUNT"), ["body", "amount"]),
        ("PUT", f"{world['url']}/budget-lines", [budget_line(year=2021, amount="AMOUNT")], ["body", 0, "amount"]),
        (
            "POST",
            INTERVENTIONS,
            intervention_payload(external_id="NEW", budget_lines=[budget_line(amount="AMOUNT")]),
            ["body", "budget_lines", 0, "amount"],
        ),
        ("POST", f"{API}/pools", {"name": "Pulje", "year": 2022, "amount": "AMOUNT"}, ["body", "amount"]),
        ("PATCH", world["pool"], {"amount": "AMOUNT"}, ["body", "amount"]),
        (
            "POST",
            f"{world['pool']}/allocations",
            {"intervention_id": world["trial_id"], "amount": "AMOUNT"},
            ["body", "amount"],
        ),
    ]


def _put(payload: Any, value: Any) -> Any:
    return json.loads(json.dumps(payload).replace('"AMOUNT"', json.dumps(value)))


@pytest.mark.parametrize("text", BAD_DECIMAL_TEXTS)
def test_an_amount_string_outside_the_schemas_pattern_is_refused(client, world, text):
    before = state(client)
    for method, url, payload, loc in money_requests(world):
        body = refused(client, before, client.request(method, url, json=_put(payload, text)), loc)
        assert "digits 0-9" in json.dumps(body, ensure_ascii=False), body


def test_the_schemas_money_pattern_and_the_service_agree(client, world):
    """Every decimal string of BAD_DECIMAL_TEXTS fails the documented pattern; good ones pass it and are stored."""
    spec = client.get("/openapi.json").json()
    string = spec["components"]["schemas"]["BudgetLineCreate"]["properties"]["amount"]["anyOf"][1]
    pattern = re.compile(string["pattern"].replace(r"\d", "[0-9]"))  # ECMAScript's \d is ASCII
    assert not any(pattern.search(text) for text in BAD_DECIMAL_TEXTS)
    for good, stored in ((" 1000 ", "1000.00"), ("12.5", "12.50"), ("0", "0.00"), ("10000000000.00", "10000000000.00")):
        assert pattern.search(good)
        response = client.post(f"{world['url']}/budget-lines", json=budget_line(year=2021, amount=good))
        assert response.status_code == 201, response.text
        assert response.json()["amount"] == stored
        client.delete(f"{world['url']}/budget-lines/{response.json()['id']}")


def test_an_amount_as_a_json_number_with_an_exponent_is_still_a_number(client, world):
    # 1e3 as a JSON number is the number 1000 (the schema's number branch allows it); only strings are patterned.
    response = client.post(
        f"{world['url']}/budget-lines",
        content=b'{"year": 2021, "category": "Transport", "funding_source": "LBF", "amount": 1e3}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == "1000.00"


@pytest.mark.parametrize("text", ["1e3", "١٢٣", "12.5e-1", "１２"])
def test_a_measured_value_string_outside_the_schemas_pattern_is_refused(client, world, text):
    before = state(client)
    for field in ("baseline", "target", "actual_value"):
        response = client.patch(world["criterion"], json={field: text})
        refused(client, before, response, ["body", field])
    response = client.post(
        f"{API}/indicators/8/observations", json={"area": "moerkhoej", "year": 2021, "kind": "baseline", "value": text}
    )
    refused(client, before, response, ["body", "value"])
    assert client.get(f"{API}/indicators/8/observations").json()["items"] == []


# --- item 13: texts ----------------------------------------------------------------------------------------

ZERO_WIDTH_ONLY = ["\u200b", "\u200b\u200b\u200b", "\ufeff", "\u200c\u200d", " \u2060 \u200b ", "\ufeff\u200b\t"]
BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def text_requests(world, value: str) -> list[tuple[str, str, Any, list]]:
    """Required texts of every kind of resource, with `value` in them."""
    return [
        ("POST", INTERVENTIONS, intervention_payload(external_id="NEW", name=value), ["body", "name"]),
        ("PATCH", world["url"], {"name": value}, ["body", "name"]),
        ("POST", f"{world['url']}/budget-lines", budget_line(year=2021, category=value), ["body", "category"]),
        ("PATCH", world["criterion"], {"description": value}, ["body", "description"]),
        ("PATCH", world["material"], {"title": value}, ["body", "title"]),
        ("POST", f"{API}/pools", {"name": value, "year": 2022, "amount": "1"}, ["body", "name"]),
    ]


@pytest.mark.parametrize("value", ZERO_WIDTH_ONLY, ids=lambda v: v.encode("unicode_escape").decode())
def test_a_text_of_only_zero_width_characters_is_empty(client, world, value):
    before = state(client)
    for method, url, payload, loc in text_requests(world, value):
        body = refused(client, before, client.request(method, url, json=payload), loc)
        assert "must not be empty" in json.dumps(body), body


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_bidirectional_controls_are_refused_naming_the_field(client, world, control):
    before = state(client)
    value = f"abc{control}gnp.exe"
    for method, url, payload, loc in text_requests(world, value):
        body = refused(client, before, client.request(method, url, json=payload), loc)
        assert f"U+{ord(control):04X}" in body["detail"], body
    # optional texts too
    for field in ("description", "target_group", "contact_name", "external_id"):
        refused(client, before, client.patch(world["url"], json={field: f"x{control}y"}), ["body", field])
    refused(client, before, client.patch(world["evaluation"], json={"findings": f"x{control}y"}), ["body", "findings"])


def test_a_leading_bom_and_zero_width_characters_at_the_ends_are_trimmed(client, world):
    created = create_intervention(
        client,
        external_id="\ufeffBOM-1\u200b",
        name="\ufeffFællesskab i Mørkhøj\u200b\u2060",
        description="\u200b Beskrivelse \ufeff",
        budget_lines=[budget_line(category="\ufeffLøn", note="\u200bnote")],
    )
    assert created["external_id"] == "BOM-1"
    assert created["name"] == "Fællesskab i Mørkhøj"
    assert created["description"] == "Beskrivelse"
    assert (created["budget_lines"][0]["category"], created["budget_lines"][0]["note"]) == ("Løn", "note")
    # found by its trimmed key, and the trimmed name is what the list shows
    found = client.get(INTERVENTIONS, params={"external_id": "BOM-1"}).json()["items"]
    assert [i["name"] for i in found] == ["Fællesskab i Mørkhøj"]


def test_invisible_characters_inside_a_text_and_direction_marks_stay(client, world):
    # A zero-width joiner inside a word or emoji, and the left-to-right / right-to-left marks, reorder nothing.
    name = "Fælles\u200dskab \u200fمرحبا\u200e 👩\u200d👩\u200d👧"
    assert create_intervention(client, external_id="KEEP-1", name=name)["name"] == name


def test_the_schemas_text_pattern_says_what_the_service_refuses(client):
    spec = client.get("/openapi.json").json()
    name = re.compile(spec["components"]["schemas"]["InterventionCreate"]["properties"]["name"]["pattern"])
    description = spec["components"]["schemas"]["InterventionCreate"]["properties"]["description"]["anyOf"][0]
    optional = re.compile(description["pattern"])
    for value in ZERO_WIDTH_ONLY:
        assert not name.search(value), value
    for control in BIDI_CONTROLS:
        assert not name.search(f"abc{control}gnp.exe") and not optional.search(f"abc{control}")
    assert name.search("\ufeffMørkhøj") and optional.search("")


# --- item 13: dates ----------------------------------------------------------------------------------------

BAD_DATES = ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"]


@pytest.mark.parametrize("day", BAD_DATES)
def test_a_date_outside_1900_to_2100_is_refused_naming_the_field(client, world, day):
    before = state(client)
    requests = [
        ("POST", INTERVENTIONS, intervention_payload(external_id="NEW", start_date=day, end_date=None), "start_date"),
        ("PATCH", world["url"], {"start_date": day}, "start_date"),
        ("PATCH", world["url"], {"end_date": day}, "end_date"),
        ("PATCH", world["criterion"], {"target_date": day}, "target_date"),
        ("PATCH", world["material"], {"date": day}, "date"),
        ("PATCH", world["evaluation"], {"date": day}, "date"),
        ("POST", f"{world['url']}/evaluations", {"kind": "final", "date": day}, "date"),
    ]
    for method, url, payload, field in requests:
        body = refused(client, before, client.request(method, url, json=payload), ["body", field])
        assert "1900-01-01" in body["detail"] and "2100-12-31" in body["detail"], body
    # and in query parameters
    for url, name, value in (
        (f"{world['pool']}/balance", "as_of", day),
        (f"{API}/evaluations/missing", "as_of", day),
        (f"{API}/audit", "since", f"{day}T00:00:00Z"),
    ):
        assert_problem(client.get(url, params={name: value}), 422, field=["query", name])


def test_the_bounds_themselves_are_accepted(client, world):
    patched = client.patch(world["url"], json={"start_date": "1900-01-01", "end_date": "2100-12-31"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["start_date"], patched.json()["end_date"]) == ("1900-01-01", "2100-12-31")


def test_the_schema_states_the_date_range(client):
    spec = client.get("/openapi.json").json()
    start = spec["components"]["schemas"]["InterventionCreate"]["properties"]["start_date"]["anyOf"][0]
    assert start["format"] == "date"
    pattern = re.compile(start["pattern"])
    assert pattern.search("1900-01-01") and pattern.search("2100-12-31") and pattern.search("2024-06-30")
    assert not any(pattern.search(day) for day in BAD_DATES)


# --- item 13: URLs -----------------------------------------------------------------------------------------

USER_INFO_URLS = [
    "http://a@evil.example/",
    "https://gladsaxe.dk@evil.example/programdokument.pdf",
    "https://user:password@gladsaxe.dk/x.pdf",
    "https://@gladsaxe.dk/",
    "HTTPS://gladsaxe.dk:443@evil.example",
]


@pytest.mark.parametrize("url", USER_INFO_URLS)
def test_a_material_url_with_user_information_is_refused(client, world, url):
    before = state(client)
    body = refused(
        client,
        before,
        client.post(f"{world['url']}/material", json={"title": "Notat", "url": url, "kind": "results"}),
        ["body", "url"],
    )
    assert "user" in body["detail"] or "pattern" in body["detail"], body
    refused(client, before, client.patch(world["material"], json={"url": url}), ["body", "url"])
    pattern = client.get("/openapi.json").json()["components"]["schemas"]["MaterialCreate"]["properties"]["url"]
    assert not re.search(pattern["pattern"], url)


@pytest.mark.parametrize(
    "url",
    [
        "https://gladsaxe.dk/a@b.pdf",
        "https://gladsaxe.dk/?mail=a@b.dk",
        "http://[::1]:8080/x",
        "https://gladsaxe.dk:8443",
    ],
)
def test_an_at_sign_after_the_host_and_an_ipv6_host_are_fine(client, world, url):
    response = client.post(f"{world['url']}/material", json={"title": "Notat", "url": url, "kind": "results"})
    assert response.status_code == 201, response.text
    assert response.json()["url"] == url


# --- item 13: the import goes through the same types ------------------------------------------------------


def _record(**overrides) -> dict[str, Any]:
    return {
        "external_id": "IMP-1",
        "name": "Importeret indsats",
        "kind": "project",
        "department": "SOB",
        "budget_lines": [{"year": 2021, "category": "Løn", "funding_source": "SOB-PULJE", "amount": "100"}],
        **overrides,
    }


def test_an_import_refuses_the_same_values_naming_row_and_column(client, world):
    before = state(client)
    records = [
        _record(external_id="IMP-1", name="abc\u202egnp.exe"),
        _record(external_id="IMP-2", name="\u200b\u200b"),
        _record(
            external_id="IMP-3",
            budget_lines=[{"year": 2021, "category": "Løn", "funding_source": "SOB-PULJE", "amount": "1e3"}],
        ),
        _record(external_id="IMP-4", start_date="0001-01-01"),
        _record(external_id="IMP-5", name="\ufeffTrimmet"),
    ]
    body = assert_problem(client.post(IMPORTS, json=records), 422)
    assert body["type"] == "/problems/import-rejected"
    assert {(e["row"], e["column"]) for e in body["errors"]} == {
        (1, "name"),
        (2, "name"),
        (3, "budget_lines.0.amount"),
        (4, "start_date"),
    }
    assert state(client) == before


def test_a_csv_import_refuses_an_exponent_and_arabic_digits(client, world):
    before = state(client)
    csv = (
        "external_id;name;kind;department;budget_year;budget_category;budget_funding_source;budget_amount\r\n"
        "CSV-1;Første;project;SOB;2021;Løn;SOB-PULJE;1e3\r\n"
        "CSV-2;Anden;project;SOB;2021;Løn;SOB-PULJE;١٢٣\r\n"
        "CSV-3;\ufeffTredje\u200b;project;SOB;2021;Løn;SOB-PULJE;12,50\r\n"
    )
    body = assert_problem(client.post(IMPORTS, content=csv.encode(), headers={"content-type": "text/csv"}), 422)
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(2, "budget_amount"), (3, "budget_amount")}
    assert state(client) == before
    good = csv.splitlines()[0] + "\r\n" + csv.splitlines()[3] + "\r\n"
    report = client.post(IMPORTS, content=good.encode(), headers={"content-type": "text/csv"})
    assert report.status_code == 200, report.text
    [item] = report.json()["items"]
    assert client.get(f"{INTERVENTIONS}/{item['id']}").json()["name"] == "Tredje"


# --- item 18: the codes the schema publishes ---------------------------------------------------------------


def _reference(client) -> dict[str, Any]:
    indicators = [i["number"] for i in client.get(f"{API}/indicators").json()["items"]]
    return {
        "department": sorted(d["code"] for d in client.get(f"{API}/departments").json()["items"]),
        "area": sorted(a["slug"] for a in client.get(f"{API}/areas").json()["items"]),
        "funding_source": sorted(f["code"] for f in client.get(f"{API}/funding-sources").json()["items"]),
        "theme": sorted(t["code"] for t in client.get(f"{API}/themes").json()["items"]),
        "indicator": (min(indicators), max(indicators), sorted(indicators)),
    }


# Body properties and query parameters that carry a code, by the reference table they name.
CODE_NAMES = {
    "department": "department",
    "area": "area",
    "areas": "area",
    "theme": "theme",
    "themes": "theme",
    "funding_source": "funding_source",
    "indicator": "indicator",
    "indicators": "indicator",
}


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _value_schema(spec: dict, schema: dict) -> dict:
    """The schema of one code: through a nullable anyOf and an array's items."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        [schema] = [s for s in schema["anyOf"] if s != {"type": "null"}]
    schema = _resolve(spec, schema)
    if schema.get("type") == "array":
        schema = _resolve(spec, schema["items"])
    return schema


def _request_code_schemas(spec: dict) -> list[tuple[str, str, dict]]:
    """(where, reference table, schema) of every code a request can send: query parameters and body properties."""
    found = []
    bodies = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] in CODE_NAMES:
                    found.append(
                        (
                            f"{method.upper()} {path} ?{parameter['name']}",
                            CODE_NAMES[parameter["name"]],
                            parameter["schema"],
                        )
                    )
            for content in operation.get("requestBody", {}).get("content", {}).values():
                bodies.update(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(content)))
    seen: set[str] = set()
    while bodies - seen:  # the request bodies and every schema they reach
        name = (bodies - seen).pop()
        seen.add(name)
        schema = spec["components"]["schemas"][name]
        bodies.update(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schema)))
        for prop, sub in schema.get("properties", {}).items():
            if prop in CODE_NAMES:
                found.append((f"{name}.{prop}", CODE_NAMES[prop], sub))
    return found


def test_every_code_a_request_can_send_is_published_as_the_reference_tables_say(client):
    spec = client.get("/openapi.json").json()
    reference = _reference(client)
    low, high, numbers = reference["indicator"]
    assert numbers == list(range(low, high + 1)), "indicator numbers are a contiguous range, so min/max is exact"
    found = _request_code_schemas(spec)
    assert {table for _, table, _ in found} == set(reference), found
    assert len(found) >= 30, found
    for where, table, schema in found:
        value = _value_schema(spec, schema)
        if table == "indicator":
            # the range is the framework's ceiling: admins add indicators (POST /indicators) above the seeded ones
            assert (value["type"], value.get("minimum"), value.get("maximum")) == ("integer", low, LAST_INDICATOR)
            assert high <= LAST_INDICATOR, (where, value)
        else:
            assert sorted(value.get("enum", [])) == reference[table], (where, value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("department", "XXX"), ("areas", ["atlantis"]), ("themes", ["T99"]), ("indicators", [20]), ("indicators", [0])],
)
def test_an_unknown_code_is_still_a_rule_violation_naming_field_and_value(client, world, field, value):
    before = state(client)
    payload = intervention_payload(external_id="NEW", **{field: value})
    loc = [field] if isinstance(value, str) else [field, 0]
    body = refused(client, before, client.post(INTERVENTIONS, json=payload), loc, types=("/problems/rule-violation",))
    shown = value if isinstance(value, str) else value[0]
    assert str(shown) in body["detail"], body
    # the same for a query filter
    name = {"areas": "area", "themes": "theme", "indicators": "indicator"}.get(field, field)
    body = assert_problem(client.get(INTERVENTIONS, params={name: shown}), 422)
    assert body["type"] == "/problems/rule-violation" and str(shown) in body["detail"], body


def test_every_unknown_code_is_reported_at_once_in_the_rollup_filters(client, world):
    params = [("department", "XXX"), ("area", "atlantis"), ("theme", "T99"), ("funding_source", "NOPE")]
    body = assert_problem(client.get(f"{API}/rollups/budget", params=params + [("by", "theme")]), 422)
    assert body["type"] == "/problems/rule-violation"
    assert {tuple(e["loc"][:2]) for e in body["errors"]} == {("query", name) for name, _ in params}


# --- item 18: nullable means null is accepted --------------------------------------------------------------


def _nullable(spec: dict, schema_name: str) -> dict[str, bool]:
    properties = spec["components"]["schemas"][schema_name]["properties"]
    return {name: {"type": "null"} in sub.get("anyOf", []) for name, sub in properties.items()}


UPDATES = [
    ("InterventionUpdate", "url"),
    ("SuccessCriterionUpdate", "criterion"),
    ("MaterialUpdate", "material"),
    ("EvaluationUpdate", "evaluation"),
    ("PoolUpdate", "pool"),
    ("IndicatorUpdate", None),
]


@pytest.mark.parametrize(("schema_name", "target"), UPDATES, ids=[u[0] for u in UPDATES])
def test_a_patch_accepts_null_exactly_where_the_schema_says_nullable(client, world, schema_name, target):
    spec = client.get("/openapi.json").json()
    url = world[target] if target else f"{API}/indicators/8"
    nullable = _nullable(spec, schema_name)
    assert not all(nullable.values()), "some field of an update may not be null"
    for name, allows_null in nullable.items():
        response = client.patch(url, json={name: None})
        if allows_null:
            assert response.status_code == 200, (name, response.text)
            assert response.json().get(name) in (None, []), (name, response.json())
        else:
            body = assert_problem(response, 422, field=["body", name])
            assert body["type"] == "/problems/rule-violation" and "may not be null" in body["detail"], body


def test_a_create_accepts_null_wherever_the_schema_says_nullable(client, world):
    spec = client.get("/openapi.json").json()
    creates = [
        ("InterventionCreate", INTERVENTIONS, intervention_payload(external_id=None)),
        ("BudgetLineCreate", f"{world['url']}/budget-lines", budget_line(year=2021, category="Transport")),
        ("SuccessCriterionCreate", f"{world['url']}/success-criteria", {"description": "Flere deltager"}),
        ("MaterialCreate", f"{world['url']}/material", {"title": "Notat", "url": "https://x.dk", "kind": "results"}),
        ("EvaluationCreate", f"{world['url']}/evaluations", {"kind": "midway", "date": "2021-06-30"}),
        ("PoolCreate", f"{API}/pools", {"name": "Pulje", "year": 2022, "amount": "10"}),
        ("ObservationCreate", f"{API}/indicators/8/observations", {"area": "moerkhoej", "year": 2021, "value": 1}),
    ]
    checked = 0
    for schema_name, url, base in creates:
        for name, allows_null in _nullable(spec, schema_name).items():
            if not allows_null:
                continue
            payload = {**base, name: None}
            if schema_name == "ObservationCreate":
                payload["kind"] = ["baseline", "actual", "target"][checked % 3]
                payload["year"] = 2021 + checked
            if schema_name == "BudgetLineCreate":
                payload["category"] = f"Transport {checked}"
            response = client.post(url, json=payload)
            assert response.status_code == 201, (schema_name, name, response.text)
            checked += 1
    assert checked >= 20


def test_a_new_allocation_may_start_only_in_the_states_the_schema_names(client, world):
    spec = client.get("/openapi.json").json()
    status = spec["components"]["schemas"]["AllocationCreate"]["properties"]["status"]
    assert sorted(status["enum"]) == ["granted", "requested"]
    before = state(client)
    url = f"{world['pool']}/allocations"
    for refused_status in ("released", "rejected", "changes_requested"):
        body = {"intervention_id": world["trial_id"], "amount": "10", "status": refused_status}
        refused(client, before, client.post(url, json=body), ["body", "status"], types=("/problems/rule-violation",))
    for accepted in status["enum"]:
        body = {"intervention_id": world["trial_id"], "amount": "10", "status": accepted, "reason": "Ok"}
        response = client.post(url, json=body)
        assert response.status_code == 201, response.text
