"""Bad input, over HTTP: every refused request answers 4xx application/problem+json naming the field, never a
500, and writes nothing (the list, every detail, its budget lines, criteria and updated_at stay as they were).

Bad values are written as raw JSON text and spliced into otherwise valid bodies, so that literals Python's
json module would never produce (NaN, Infinity, 1e400, a 5000-digit integer) reach the service as a client
could send them."""

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest

from tests.factories import (
    API,
    assert_problem,
    budget_line,
    create_intervention,
    intervention_payload,
)

INTERVENTIONS = f"{API}/interventions"
JSON = {"content-type": "application/json"}
RAW = "__RAW__"  # placeholder in a payload, replaced by a raw JSON literal before sending
HUGE = "99999999999999999999"  # 10**20: beyond every integer column on both databases
INT4_PAST = str(2**31)  # one past PostgreSQL's integer
DIGITS_5000 = "1" + "0" * 4999  # valid JSON, but past Python's int parsing limit (4300 digits)
UNPROCESSABLE = {"/problems/validation", "/problems/rule-violation"}


# --- helpers -----------------------------------------------------------------------------------------------


def snapshot(client) -> dict[str, Any]:
    """Everything a client can see: the list (archived too) and each intervention's detail."""
    page = client.get(INTERVENTIONS, params={"include_archived": "true", "limit": 500})
    assert page.status_code == 200, page.text
    details = {}
    for item in page.json()["items"]:
        detail = client.get(f"{INTERVENTIONS}/{item['id']}", params={"include_archived": "true"})
        assert detail.status_code == 200, detail.text
        details[item["id"]] = detail.json()
    return {"list": page.json(), "details": details}


def send(client, method: str, url: str, payload: Any = None, *, raw: str | None = None):
    """Send `payload` as JSON; with `raw`, the one RAW placeholder in it becomes that literal JSON text."""
    text = json.dumps(payload, ensure_ascii=False)
    if raw is not None:
        assert text.count(f'"{RAW}"') == 1, text
        text = text.replace(f'"{RAW}"', raw)
    return client.request(method, url, content=text.encode(), headers=JSON)


def locs(body: dict[str, Any]) -> list[list]:
    return [e["loc"] for e in body.get("errors") or []]


def assert_refused(client, before, response, status: int, *, field: list | None = None, types=None) -> dict:
    """problem+json with this status (and, given, an error at `field` and a `type` among `types`); no change."""
    body = assert_problem(response, status, field=field)
    if types is None:
        types = {422: UNPROCESSABLE, 400: None, 404: {"/problems/not-found"}, 409: {"/problems/conflict"}}.get(status)
    if types is not None:
        assert body["type"] in types, body
    assert snapshot(client) == before, "a refused request changed the data"
    return body


def assert_4xx_refused(client, before, response, *, field: list | None = None) -> dict:
    """Any 4xx problem+json (never a 500); a 422 must name `field`. Nothing written."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    return assert_refused(
        client, before, response, response.status_code, field=field if response.status_code == 422 else None
    )


def assert_mentions(body: dict[str, Any], field: list, code: Any) -> None:
    """The error at `field` (or the detail, loc texts aside) repeats the offending code."""
    msgs = [e["msg"] for e in body.get("errors") or [] if e["loc"][-len(field) :] == field]
    detail = body["detail"]
    for loc in locs(body):
        detail = detail.replace(".".join(str(p) for p in loc), "")
    assert any(str(code) in m for m in msgs) or str(code) in detail, (code, msgs, body["detail"])


def cursor_of(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.fixture
def world(client):
    """Intervention `a` (2019–2022, lines in 2019, 2020, 2022, one criterion) and `other`, and how they look."""
    a = create_intervention(
        client,
        external_id="A-1",
        budget_lines=[
            budget_line(year=2019),
            budget_line(year=2020),
            budget_line(year=2022, category="Aktiviteter", funding_source="FAGFORVALTNING", amount="2500.50"),
        ],
    )
    other = create_intervention(client, external_id="B-1", name="Anden indsats", areas=["vaerebro-park"])
    return SimpleNamespace(
        a=a,
        other=other,
        a_url=f"{INTERVENTIONS}/{a['id']}",
        other_url=f"{INTERVENTIONS}/{other['id']}",
        criterion_id=a["success_criteria"][0]["id"],
        before=snapshot(client),
    )


# --- budget lines, the four ways to send one ---------------------------------------------------------------

LINE_TARGETS = ["create", "patch", "add_line", "put_lines"]


def line_request(target: str, world, line: dict) -> tuple[str, str, Any, list]:
    """(method, url, payload, loc of `line`) for sending `line` next to a valid one the given way."""
    good = budget_line(year=2021, category="Aktiviteter")
    if target == "create":
        return (
            "POST",
            INTERVENTIONS,
            intervention_payload(external_id="NEW-1", budget_lines=[good, line]),
            ["budget_lines", 1],
        )
    if target == "patch":
        return "PATCH", world.a_url, {"name": "Nyt navn", "budget_lines": [good, line]}, ["budget_lines", 1]
    if target == "add_line":
        return "POST", f"{world.a_url}/budget-lines", line, ["body"]
    assert target == "put_lines"
    return "PUT", f"{world.a_url}/budget-lines", [good, line], ["body", 1]


BAD_LINE_VALUES = [
    # amount
    ("amount", "-1"),
    ("amount", '"-0.01"'),
    ("amount", '"1.001"'),
    ("amount", "0.125"),
    ("amount", "10000000000.01"),
    ("amount", '"10000000000.01"'),
    ("amount", "NaN"),
    ("amount", "Infinity"),
    ("amount", "-Infinity"),
    ("amount", '"NaN"'),
    ("amount", '"Infinity"'),
    ("amount", '"sNaN"'),
    ("amount", "1e400"),
    ("amount", '"1e400"'),
    ("amount", DIGITS_5000),
    ("amount", "true"),
    ("amount", "false"),
    ("amount", '""'),
    ("amount", '"   "'),
    ("amount", '"12,50"'),
    ("amount", '"12.50 kr"'),
    ("amount", '{"value": "12.50"}'),
    ("amount", '["12.50"]'),
    ("amount", "null"),
    # year
    ("year", "1999"),
    ("year", "2101"),
    ("year", '"abc"'),
    ("year", "2020.5"),
    ("year", '""'),
    ("year", "null"),
    ("year", DIGITS_5000),
    # category, funding source, note, unknown field
    ("category", '""'),
    ("category", '"   "'),
    ("category", json.dumps("x" * 201)),
    ("category", "12"),
    ("funding_source", '""'),
    ("funding_source", "null"),
    ("note", json.dumps("x" * 501)),
    ("amout", '"12.50"'),
    # type
    ("type", '"forbrug"'),
    ("type", '"Budget"'),
    ("type", '""'),
    ("type", "null"),
    ("type", "1"),
    ("type", "true"),
    ("type", '["actual"]'),
]


@pytest.mark.parametrize("target", LINE_TARGETS)
@pytest.mark.parametrize(("field", "raw"), BAD_LINE_VALUES, ids=lambda v: v[:40])
def test_a_bad_budget_line_value_is_refused_naming_it(client, world, target, field, raw):
    line = {**budget_line(category="Transport"), field: RAW}
    method, url, payload, loc = line_request(target, world, line)
    response = send(client, method, url, payload, raw=raw)
    if raw == DIGITS_5000 and response.status_code == 400:
        # Beyond the JSON parser: an explicit malformed-json answer that says why is as good as naming the field.
        assert_refused(client, world.before, response, 400, types={"/problems/malformed-json"})
    else:
        assert_refused(client, world.before, response, 422, field=[*loc, field])


@pytest.mark.parametrize("target", LINE_TARGETS)
def test_an_unknown_funding_source_is_refused_and_named(client, world, target):
    method, url, payload, loc = line_request(target, world, budget_line(category="Transport", funding_source="NOPE"))
    body = assert_refused(client, world.before, send(client, method, url, payload), 422, field=[*loc, "funding_source"])
    assert_mentions(body, [*loc, "funding_source"], "NOPE")


@pytest.mark.parametrize("target", LINE_TARGETS)
@pytest.mark.parametrize(
    ("raw", "stored"),
    [('"10000000000.00"', "10000000000.00"), ("10000000000", "10000000000.00"), ("0", "0.00"), ('"0.10"', "0.10")],
)
def test_the_ceiling_and_zero_are_accepted(client, world, target, raw, stored):
    # The control for the refusals above: the largest and the smallest amount are fine.
    method, url, payload, _ = line_request(target, world, budget_line(category="Transport", amount=RAW))
    response = send(client, method, url, payload, raw=raw)
    assert response.status_code in (200, 201), response.text
    amounts = [
        bl["amount"]
        for d in snapshot(client)["details"].values()
        for bl in d["budget_lines"]
        if bl["category"] == "Transport"
    ]
    assert amounts == [stored]


@pytest.mark.parametrize("target", LINE_TARGETS)
@pytest.mark.parametrize("year", [2018, 2023])
def test_a_budget_year_outside_the_period_is_refused(client, world, target, year):
    # `a` runs 2019-01-01 .. 2022-12-31.
    method, url, payload, loc = line_request(target, world, budget_line(category="Transport", year=year))
    body = assert_refused(client, world.before, send(client, method, url, payload), 422, field=[*loc, "year"])
    assert_mentions(body, [*loc, "year"], year)


@pytest.mark.parametrize("target", ["create", "patch", "put_lines"])
@pytest.mark.parametrize("category", ["Aktiviteter", "  Aktiviteter  "])
def test_duplicate_lines_in_one_request_are_refused(client, world, target, category):
    # The same (year, category, funding source) as the valid line sent with it; blanks around don't matter.
    method, url, payload, loc = line_request(target, world, budget_line(year=2021, category=category))
    assert_refused(client, world.before, send(client, method, url, payload), 422, field=loc)


def test_adding_a_line_that_exists_is_a_conflict(client, world):
    # `a` already has (2020, Løn, SOB-PULJE).
    response = client.post(f"{world.a_url}/budget-lines", json=budget_line(year=2020, amount="1.00"))
    assert_refused(client, world.before, response, 409)
    # the type is part of the key: "budget" is the default, and saying so is the same line
    response = client.post(f"{world.a_url}/budget-lines", json=budget_line(year=2020, amount="1.00", type="budget"))
    assert_refused(client, world.before, response, 409)


@pytest.mark.parametrize("target", ["create", "patch", "put_lines"])
@pytest.mark.parametrize("kind", ["revised", "actual"])
def test_duplicate_lines_of_the_same_type_in_one_request_are_refused(client, world, target, kind):
    good = budget_line(year=2021, category="Aktiviteter", type=kind)
    method, url, payload, loc = line_request(target, world, {**good, "amount": "2.00"})
    lines = payload["budget_lines"] if isinstance(payload, dict) else payload
    lines.insert(0, good)
    loc = [*loc[:-1], loc[-1] + 1]
    assert_refused(client, world.before, send(client, method, url, payload), 422, field=loc)


# --- narrowing the period under existing lines -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_date": "2020-01-01"}, ["start_date"]),  # a line in 2019
        ({"end_date": "2021-12-31"}, ["end_date"]),  # a line in 2022
        ({"start_date": "2020-01-01", "end_date": "2021-12-31"}, ["start_date"]),
        ({"start_date": "2020-01-01", "end_date": "2021-12-31"}, ["end_date"]),
        ({"name": "Nyt navn", "end_date": "2021-06-30"}, ["end_date"]),
    ],
)
def test_patch_narrowing_the_period_under_existing_lines_is_refused(client, world, change, field):
    assert_refused(client, world.before, client.patch(world.a_url, json=change), 422, field=field)


def test_patch_narrowing_the_period_with_new_lines_outside_it_is_refused(client, world):
    change = {"end_date": "2020-12-31", "budget_lines": [budget_line(year=2020), budget_line(year=2021)]}
    body = assert_refused(
        client, world.before, client.patch(world.a_url, json=change), 422, field=["budget_lines", 1, "year"]
    )
    assert ["body", "budget_lines", 0, "year"] not in locs(body), locs(body)


def test_put_of_lines_outside_the_period_names_each(client, world):
    lines = [budget_line(year=2018), budget_line(year=2020), budget_line(year=2023)]
    body = assert_refused(client, world.before, client.put(f"{world.a_url}/budget-lines", json=lines), 422)
    assert ["body", 0, "year"] in locs(body) and ["body", 2, "year"] in locs(body), locs(body)
    assert ["body", 1, "year"] not in locs(body)


# --- dates -------------------------------------------------------------------------------------------------


def _names_a_period_end(body: dict[str, Any]) -> bool:
    return any(loc and loc[-1] in ("start_date", "end_date") for loc in locs(body))


def test_create_with_start_after_end_is_refused_naming_a_date(client, world):
    payload = intervention_payload(start_date="2023-01-01", end_date="2022-12-31", budget_lines=[])
    body = assert_refused(client, world.before, client.post(INTERVENTIONS, json=payload), 422)
    assert _names_a_period_end(body), locs(body)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_date": "2023-01-01"}, ["start_date"]),  # after the existing end, 2022-12-31
        ({"end_date": "2018-12-31"}, ["end_date"]),  # before the existing start, 2019-01-01
        ({"start_date": "2022-06-01", "end_date": "2022-01-01"}, None),
    ],
)
def test_patch_putting_start_after_end_is_refused(client, world, change, field):
    body = assert_refused(client, world.before, client.patch(world.a_url, json=change), 422, field=field)
    assert _names_a_period_end(body), locs(body)


# --- intervention fields on create and on PATCH ------------------------------------------------------------

# (field, raw JSON, loc of the error below body, the code the message must repeat or None)
BAD_INTERVENTION_FIELDS = [
    ("name", '""', ["name"], None),
    ("name", '"   "', ["name"], None),
    ("name", '"\\t\\n "', ["name"], None),
    ("name", json.dumps("x" * 301), ["name"], None),
    ("name", "123", ["name"], None),
    ("name", '["navn"]', ["name"], None),
    ("kind", '"nope"', ["kind"], None),
    ("kind", '"Project"', ["kind"], None),
    ("status", '"nope"', ["status"], None),
    ("track", '"nope"', ["track"], None),
    ("department", '"XXX"', ["department"], "XXX"),
    ("department", '""', ["department"], None),
    ("department", "7", ["department"], None),
    ("areas", '["atlantis"]', ["areas", 0], "atlantis"),
    ("areas", '"moerkhoej"', ["areas"], None),
    ("areas", '["moerkhoej", "moerkhoej"]', ["areas"], None),
    ("themes", '["T99"]', ["themes", 0], "T99"),
    ("themes", '"T4"', ["themes"], None),
    ("themes", '{"T4": true}', ["themes"], None),
    ("indicators", "[20]", ["indicators", 0], 20),
    ("indicators", "[0]", ["indicators", 0], 0),
    ("indicators", '["abc"]', ["indicators", 0], None),
    ("indicators", "[8.5]", ["indicators", 0], None),
    ("indicators", "[true]", ["indicators", 0], None),
    ("indicators", "8", ["indicators"], None),
    ("start_date", '"2020-02-30"', ["start_date"], None),
    ("start_date", '"31-12-2020"', ["start_date"], None),
    ("end_date", '"2022-13-01"', ["end_date"], None),
    ("end_date", '"yesterday"', ["end_date"], None),
    ("contact_email", '"not-an-email"', ["contact_email"], None),
    ("contact_email", '"kari@"', ["contact_email"], None),
    ("contact_email", '"kari hansen@gladsaxe.dk"', ["contact_email"], None),
    ("contact_email", "42", ["contact_email"], None),
    ("external_id", json.dumps("x" * 101), ["external_id"], None),
    ("external_id", "17", ["external_id"], None),
    ("parent_id", "99999999", ["parent_id"], 99999999),
    ("parent_id", "0", ["parent_id"], None),
    ("parent_id", "-1", ["parent_id"], None),
    ("parent_id", '"abc"', ["parent_id"], None),
    ("parent_id", "1.5", ["parent_id"], None),
    ("parent_id", INT4_PAST, ["parent_id"], None),
    ("parent_id", HUGE, ["parent_id"], None),
    ("description", "123", ["description"], None),
    ("target_group", json.dumps("x" * 5001), ["target_group"], None),
    ("budget_lines", '{"year": 2020}', ["budget_lines"], None),
    ("budget_lines", '"2020: 1000"', ["budget_lines"], None),
    ("success_criteria", '"flere"', ["success_criteria"], None),
    ("amout", '"12.50"', ["amout"], None),
]


@pytest.mark.parametrize(("field", "raw", "loc", "code"), BAD_INTERVENTION_FIELDS, ids=lambda v: str(v)[:30])
def test_create_with_a_bad_field_is_refused_naming_it(client, world, field, raw, loc, code):
    payload = {**intervention_payload(external_id="NEW-1"), field: RAW}
    body = assert_refused(client, world.before, send(client, "POST", INTERVENTIONS, payload, raw=raw), 422, field=loc)
    if code is not None:
        assert_mentions(body, loc, code)


@pytest.mark.parametrize(("field", "raw", "loc", "code"), BAD_INTERVENTION_FIELDS, ids=lambda v: str(v)[:30])
def test_patch_with_a_bad_field_is_refused_naming_it(client, world, field, raw, loc, code):
    # A valid change rides along: it must not be written either.
    payload = {"status": "completed", field: RAW}
    body = assert_refused(client, world.before, send(client, "PATCH", world.a_url, payload, raw=raw), 422, field=loc)
    if code is not None:
        assert_mentions(body, loc, code)


@pytest.mark.parametrize("field", ["name", "kind", "department"])
def test_create_without_or_with_null_for_a_required_field_is_refused(client, world, field):
    payload = intervention_payload(external_id="NEW-1")
    del payload[field]
    assert_refused(client, world.before, client.post(INTERVENTIONS, json=payload), 422, field=[field])
    payload[field] = None
    assert_refused(client, world.before, client.post(INTERVENTIONS, json=payload), 422, field=[field])


@pytest.mark.parametrize(
    "field",
    ["name", "kind", "status", "department", "areas", "themes", "indicators", "budget_lines", "success_criteria"],
)
def test_patch_with_null_for_a_required_field_is_refused(client, world, field):
    response = client.patch(world.a_url, json={"description": "ændret", field: None})
    assert_refused(client, world.before, response, 422, field=[field])


def test_every_unknown_code_in_a_create_is_reported_at_once(client, world):
    payload = intervention_payload(
        department="XXX",
        areas=["moerkhoej", "atlantis"],
        themes=["T99"],
        indicators=[8, 20],
        budget_lines=[budget_line(funding_source="NOPE")],
        success_criteria=[{"description": "Noget", "indicator": 42}],
    )
    body = assert_refused(client, world.before, client.post(INTERVENTIONS, json=payload), 422)
    expected = {
        ("body", "department"): "XXX",
        ("body", "areas", 1): "atlantis",
        ("body", "themes", 0): "T99",
        ("body", "indicators", 1): 20,
        ("body", "budget_lines", 0, "funding_source"): "NOPE",
        ("body", "success_criteria", 0, "indicator"): 42,
    }
    for loc, code in expected.items():
        assert list(loc) in locs(body), (loc, locs(body))
        assert_mentions(body, list(loc), code)


def test_every_unknown_code_in_a_patch_is_reported_at_once(client, world):
    change = {
        "department": "XXX",
        "areas": ["atlantis"],
        "themes": ["T4", "T99"],
        "indicators": [20],
        "budget_lines": [budget_line(funding_source="NOPE")],
        "success_criteria": [{"description": "Noget", "indicator": 42}],
    }
    body = assert_refused(client, world.before, client.patch(world.a_url, json=change), 422)
    for loc, code in {
        ("body", "department"): "XXX",
        ("body", "areas", 0): "atlantis",
        ("body", "themes", 1): "T99",
        ("body", "indicators", 0): 20,
        ("body", "budget_lines", 0, "funding_source"): "NOPE",
        ("body", "success_criteria", 0, "indicator"): 42,
    }.items():
        assert list(loc) in locs(body), (loc, locs(body))
        assert_mentions(body, list(loc), code)


# --- external_id -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("external_id", ["A-1", "  A-1 "])
def test_a_duplicate_external_id_is_a_conflict_naming_it(client, world, external_id):
    response = client.post(INTERVENTIONS, json=intervention_payload(external_id=external_id))
    assert_refused(client, world.before, response, 409, field=["external_id"])
    response = client.patch(world.other_url, json={"name": "Omdøbt", "external_id": external_id})
    assert_refused(client, world.before, response, 409, field=["external_id"])


def test_the_external_id_of_an_archived_intervention_stays_taken(client, world):
    assert client.delete(world.other_url).status_code == 204
    before = snapshot(client)
    response = client.post(INTERVENTIONS, json=intervention_payload(external_id="B-1"))
    assert_refused(client, before, response, 409, field=["external_id"])


# --- parents -----------------------------------------------------------------------------------------------


def test_an_unknown_parent_is_refused(client, world):
    response = client.post(INTERVENTIONS, json=intervention_payload(parent_id=99999999))
    assert_refused(client, world.before, response, 422, field=["parent_id"])


def test_an_archived_parent_is_refused(client, world):
    assert client.delete(world.other_url).status_code == 204
    before = snapshot(client)
    response = client.post(INTERVENTIONS, json=intervention_payload(parent_id=world.other["id"]))
    assert_refused(client, before, response, 422, field=["parent_id"])
    response = client.patch(world.a_url, json={"parent_id": world.other["id"]})
    assert_refused(client, before, response, 422, field=["parent_id"])


def test_cycles_are_refused(client, world):
    a = world.a["id"]
    b = create_intervention(client, name="B", parent_id=a)["id"]
    c = create_intervention(client, name="C", parent_id=b)["id"]
    before = snapshot(client)
    for parent in (c, b, a):
        response = client.patch(f"{INTERVENTIONS}/{a}", json={"parent_id": parent})
        assert_refused(client, before, response, 422, field=["parent_id"])
    response = client.patch(f"{INTERVENTIONS}/{b}", json={"parent_id": c})
    assert_refused(client, before, response, 422, field=["parent_id"])


# --- success criteria, the five ways to send one -----------------------------------------------------------

CRITERION_TARGETS = ["create", "patch", "add_criterion", "put_criteria", "patch_criterion"]


def criterion_request(target: str, world, field: str) -> tuple[str, str, Any, list]:
    """(method, url, payload with RAW at `field`, loc of the criterion) for each way to send a criterion."""
    good = {"description": "Færre føler sig ensomme", "indicator": 9}
    bad = {"description": "Flere deltager", "indicator": 8, field: RAW}
    if target == "create":
        return (
            "POST",
            INTERVENTIONS,
            intervention_payload(external_id="NEW-1", success_criteria=[good, bad]),
            ["success_criteria", 1],
        )
    if target == "patch":
        return "PATCH", world.a_url, {"name": "Nyt navn", "success_criteria": [good, bad]}, ["success_criteria", 1]
    if target == "add_criterion":
        return "POST", f"{world.a_url}/success-criteria", bad, ["body"]
    if target == "put_criteria":
        return "PUT", f"{world.a_url}/success-criteria", [good, bad], ["body", 1]
    assert target == "patch_criterion"
    return "PATCH", f"{world.a_url}/success-criteria/{world.criterion_id}", {"unit": "pct.", field: RAW}, ["body"]


BAD_CRITERION_VALUES = [
    ("indicator", "42", 42),
    ("indicator", "20", 20),
    ("indicator", "0", 0),
    ("indicator", '"abc"', None),
    ("indicator", "8.5", None),
    ("indicator", "true", None),
    ("indicator", HUGE, None),
    ("description", '""', None),
    ("description", '"   "', None),
    ("description", "null", None),
    ("description", "12", None),
    ("baseline", '"abc"', None),
    ("baseline", "true", None),
    ("baseline", "NaN", None),
    ("baseline", '"12,5"', None),
    ("target", "Infinity", None),
    ("target", "1e400", None),
    ("target", '"1e400"', None),
    ("target_date", '"2020-02-30"', None),
    ("target_date", '"31-12-2020"', None),
    ("unit", json.dumps("x" * 51), None),
    ("amout", "1", None),
]


@pytest.mark.parametrize("target", CRITERION_TARGETS)
@pytest.mark.parametrize(("field", "raw", "code"), BAD_CRITERION_VALUES, ids=lambda v: str(v)[:30])
def test_a_bad_success_criterion_is_refused_naming_it(client, world, target, field, raw, code):
    method, url, payload, loc = criterion_request(target, world, field)
    body = assert_refused(client, world.before, send(client, method, url, payload, raw=raw), 422, field=[*loc, field])
    if code is not None:
        assert_mentions(body, [*loc, field], code)


# --- bodies that are not what they should be ---------------------------------------------------------------


def body_endpoints(world) -> dict[str, tuple[str, str, str]]:
    """name → (method, url, what the body should be)."""
    return {
        "create": ("POST", INTERVENTIONS, "object"),
        "patch": ("PATCH", world.a_url, "object"),
        "add_line": ("POST", f"{world.a_url}/budget-lines", "object"),
        "put_lines": ("PUT", f"{world.a_url}/budget-lines", "array"),
        "add_criterion": ("POST", f"{world.a_url}/success-criteria", "object"),
        "put_criteria": ("PUT", f"{world.a_url}/success-criteria", "array"),
        "patch_criterion": ("PATCH", f"{world.a_url}/success-criteria/{world.criterion_id}", "object"),
    }


BODY_ENDPOINTS = ["create", "patch", "add_line", "put_lines", "add_criterion", "put_criteria", "patch_criterion"]
MALFORMED = {
    "truncated": b'{"name": "Halv',
    "trailing-comma": b'{"name": "Komma",}',
    "trailing-comma-array": b'[{"year": 2020},]',
    "single-quotes": b"{'name': 'x'}",
    "unquoted-key": b"{name: 1}",
    "two-documents": b'{"a": 1} {"b": 2}',
    "not-utf8": '{"name": "Mørkhøj"}'.encode("latin-1"),
    "bare-word": b"hello",
}


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize("content", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_json_is_a_400(client, world, endpoint, content):
    method, url, _ = body_endpoints(world)[endpoint]
    response = client.request(method, url, content=content, headers=JSON)
    assert_refused(client, world.before, response, 400, types={"/problems/malformed-json"})


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"", JSON),
        (b"", {}),
        (b"null", JSON),
        (b'"tekst"', JSON),
        (b"42", JSON),
        ('{"name": "Mørkhøj"}'.encode(), {"content-type": "text/plain"}),
        (b"name=x&kind=project", {"content-type": "application/x-www-form-urlencoded"}),
        ('<indsats navn="Mørkhøj"/>'.encode(), {"content-type": "application/xml"}),
    ],
    ids=["empty", "empty-no-type", "null", "string", "number", "text-plain", "form", "xml"],
)
def test_a_missing_or_non_json_body_is_refused(client, world, endpoint, content, headers):
    method, url, _ = body_endpoints(world)[endpoint]
    response = client.request(method, url, content=content, headers=headers)
    assert response.status_code in (400, 415, 422), response.text
    assert_refused(client, world.before, response, response.status_code)


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
def test_the_wrong_container_is_refused(client, world, endpoint):
    method, url, shape = body_endpoints(world)[endpoint]
    # An array where an object belongs (the valid object wrapped), or an object where an array belongs.
    if shape == "object":
        content = json.dumps([intervention_payload() if endpoint == "create" else {"name": "x"}]).encode()
    else:
        content = json.dumps(budget_line(year=2021) if endpoint == "put_lines" else {"description": "x"}).encode()
    response = client.request(method, url, content=content, headers=JSON)
    assert_refused(client, world.before, response, 422, field=["body"])


# --- query parameters --------------------------------------------------------------------------------------

BAD_QUERIES = [
    # (params, status or None for "anything but a 5xx", query parameter named, code the message repeats)
    ({"limit": "0"}, 422, "limit", None),
    ({"limit": "501"}, 422, "limit", None),
    ({"limit": "-1"}, 422, "limit", None),
    ({"limit": "abc"}, 422, "limit", None),
    ({"limit": "1.5"}, 422, "limit", None),
    ({"limit": HUGE}, 422, "limit", None),
    ({"sort": "unknown"}, 422, "sort", None),
    ({"sort": "--id"}, 422, "sort", None),
    ({"sort": "archived_at"}, 422, "sort", None),
    ({"cursor": "garbage"}, 400, "cursor", None),
    ({"cursor": "!!!***"}, 400, "cursor", None),
    ({"cursor": cursor_of([])}, 400, "cursor", None),
    ({"cursor": cursor_of(None)}, 400, "cursor", None),
    ({"cursor": cursor_of({})}, 400, "cursor", None),
    ({"cursor": cursor_of({"s": "id", "v": 1, "id": "x"})}, 400, "cursor", None),
    ({"cursor": cursor_of({"s": "id", "v": 1, "id": True})}, 400, "cursor", None),
    ({"cursor": cursor_of({"s": "id", "v": 1, "id": int(INT4_PAST)})}, None, "cursor", None),
    ({"cursor": cursor_of({"s": "id", "v": 1, "id": int(HUGE)})}, None, "cursor", None),
    ({"cursor": cursor_of({"s": "name", "v": "x", "id": int(HUGE)}), "sort": "name"}, None, "cursor", None),
    ({"cursor": cursor_of({"s": "name", "v": 5, "id": 1}), "sort": "name"}, 400, "cursor", None),
    ({"cursor": cursor_of({"s": "created_at", "v": "igår", "id": 1}), "sort": "created_at"}, 400, "cursor", None),
    ({"cursor": cursor_of({"s": "created_at", "v": None, "id": 1}), "sort": "created_at"}, 400, "cursor", None),
    (
        {"cursor": cursor_of({"s": "created_at", "v": "2020-01-01T00:00:00", "id": 1}), "sort": "created_at"},
        400,
        "cursor",
        None,
    ),
    ({"cursor": "x" * 1001}, 422, "cursor", None),
    ({"department": "XXX"}, 422, "department", "XXX"),
    ({"theme": "T99"}, 422, "theme", "T99"),
    ({"area": "atlantis"}, 422, "area", "atlantis"),
    ({"indicator": "20"}, 422, "indicator", 20),
    ({"indicator": "0"}, 422, "indicator", 0),
    ({"indicator": "abc"}, 422, "indicator", None),
    ({"indicator": HUGE}, 422, "indicator", None),
    ({"kind": "nope"}, 422, "kind", None),
    ({"status": "nope"}, 422, "status", None),
    ({"track": "nope"}, 422, "track", None),
    ({"year": "abc"}, 422, "year", None),
    ({"year": INT4_PAST}, None, "year", None),
    ({"year": HUGE}, None, "year", None),
    ({"parent_id": "0"}, 422, "parent_id", None),
    ({"parent_id": "abc"}, 422, "parent_id", None),
    ({"parent_id": HUGE}, 422, "parent_id", None),
    ({"include_archived": "maybe"}, 422, "include_archived", None),
    ({"q": "x" * 201}, 422, "q", None),
]


def _query_id(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    parts = []
    for key, text in value.items():
        if key == "cursor":
            try:
                text = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            except ValueError:
                pass
        parts.append(f"{key}={text}"[:50])
    return "&".join(parts)


@pytest.mark.parametrize(("params", "status", "name", "code"), BAD_QUERIES, ids=_query_id)
def test_a_bad_query_parameter_is_refused_naming_it(client, world, params, status, name, code):
    response = client.get(INTERVENTIONS, params=params)
    if status is None:
        # An impossible number: an empty page would do, a 4xx naming it is better; a 500 is a bug.
        assert response.status_code < 500, response.text
        if response.status_code == 200:
            return
        status = response.status_code
    body = assert_refused(client, world.before, response, status)
    named = [loc for loc in locs(body) if loc[:2] == ["query", name]]
    assert named, f"no error at query.{name}: {locs(body)}"
    if code is not None:
        assert_mentions(body, named[0], code)


def test_a_cursor_from_another_sort_is_refused(client, world):
    page = client.get(INTERVENTIONS, params={"sort": "name", "limit": 1}).json()
    assert page["next_cursor"]
    for sort in ("id", "-name", "created_at"):
        response = client.get(INTERVENTIONS, params={"sort": sort, "cursor": page["next_cursor"]})
        body = assert_refused(client, world.before, response, 400)
        assert ["query", "cursor"] in locs(body)


def test_several_unknown_filter_codes_are_reported_at_once(client, world):
    params = [("department", "XXX"), ("department", "BKF"), ("theme", "T99"), ("area", "atlantis"), ("indicator", "20")]
    body = assert_refused(client, world.before, client.get(INTERVENTIONS, params=params), 422)
    for name, code in (("department", "XXX"), ("theme", "T99"), ("area", "atlantis"), ("indicator", 20)):
        named = [loc for loc in locs(body) if loc[:2] == ["query", name]]
        assert named, (name, locs(body))
        assert_mentions(body, named[0], code)
    assert not any(loc[:2] == ["query", "department"] and loc[-1] == 1 for loc in locs(body))


# --- ids in the path ---------------------------------------------------------------------------------------


def id_requests(world, iid: str) -> list[tuple[str, str, Any]]:
    url = f"{INTERVENTIONS}/{iid}"
    return [
        ("GET", url, None),
        ("PATCH", url, {"name": "Nyt navn"}),
        ("DELETE", url, None),
        ("GET", f"{url}/budget-lines", None),
        ("POST", f"{url}/budget-lines", budget_line(year=2021, category="Transport")),
        ("PUT", f"{url}/budget-lines", [budget_line(year=2021)]),
        ("GET", f"{url}/success-criteria", None),
        ("POST", f"{url}/success-criteria", {"description": "Noget"}),
        ("PUT", f"{url}/success-criteria", [{"description": "Noget"}]),
    ]


@pytest.mark.parametrize(
    ("iid", "status"),
    [("0", 422), ("-1", 422), ("abc", 422), ("1.5", 422), ("99999999", 404), (str(2**31), None), (HUGE, None)],
)
@pytest.mark.parametrize(
    "which",
    range(9),
    ids=lambda i: [
        "get",
        "patch",
        "delete",
        "get-lines",
        "add-line",
        "put-lines",
        "get-criteria",
        "add-criterion",
        "put-criteria",
    ][i],
)
def test_a_bad_or_unknown_intervention_id_is_a_4xx(client, world, iid, status, which):
    method, url, payload = id_requests(world, iid)[which]
    response = client.request(method, url, json=payload) if payload is not None else client.request(method, url)
    if status is None:
        assert_4xx_refused(client, world.before, response, field=["path", "intervention_id"])
    else:
        field = ["path", "intervention_id"] if status == 422 else None
        assert_refused(client, world.before, response, status, field=field)


@pytest.mark.parametrize(("sub_id", "status"), [("0", 422), ("abc", 422), ("99999999", 404), (HUGE, None)])
@pytest.mark.parametrize(
    ("method", "path", "param", "payload"),
    [
        ("DELETE", "budget-lines", "budget_line_id", None),
        ("PATCH", "success-criteria", "criterion_id", {"unit": "pct."}),
        ("DELETE", "success-criteria", "criterion_id", None),
    ],
)
def test_a_bad_or_unknown_sub_resource_id_is_a_4xx(client, world, sub_id, status, method, path, param, payload):
    url = f"{world.a_url}/{path}/{sub_id}"
    response = client.request(method, url, json=payload) if payload is not None else client.request(method, url)
    if status is None:
        assert_4xx_refused(client, world.before, response, field=["path", param])
    else:
        assert_refused(client, world.before, response, status, field=["path", param] if status == 422 else None)


# --- archived interventions and ids of someone else's rows -------------------------------------------------


@pytest.mark.parametrize(
    "which",
    range(9),
    ids=lambda i: [
        "get",
        "patch",
        "delete",
        "get-lines",
        "add-line",
        "put-lines",
        "get-criteria",
        "add-criterion",
        "put-criteria",
    ][i],
)
def test_an_archived_intervention_answers_404(client, world, which):
    assert client.delete(world.a_url).status_code == 204
    before = snapshot(client)
    method, url, payload = id_requests(world, str(world.a["id"]))[which]
    response = client.request(method, url, json=payload) if payload is not None else client.request(method, url)
    assert_refused(client, before, response, 404)


def test_archived_sub_resources_answer_404(client, world):
    line_id = world.a["budget_lines"][0]["id"]
    assert client.delete(world.a_url).status_code == 204
    before = snapshot(client)
    for method, url, payload in (
        ("DELETE", f"{world.a_url}/budget-lines/{line_id}", None),
        ("PATCH", f"{world.a_url}/success-criteria/{world.criterion_id}", {"unit": "pct."}),
        ("DELETE", f"{world.a_url}/success-criteria/{world.criterion_id}", None),
    ):
        response = client.request(method, url, json=payload) if payload is not None else client.request(method, url)
        assert_refused(client, before, response, 404)


def test_ids_of_another_interventions_rows_answer_404(client, world):
    other_line = world.other["budget_lines"][0]["id"]
    other_criterion = world.other["success_criteria"][0]["id"]
    for method, url, payload in (
        ("DELETE", f"{world.a_url}/budget-lines/{other_line}", None),
        ("PATCH", f"{world.a_url}/success-criteria/{other_criterion}", {"description": "Kapret"}),
        ("DELETE", f"{world.a_url}/success-criteria/{other_criterion}", None),
    ):
        response = client.request(method, url, json=payload) if payload is not None else client.request(method, url)
        assert_refused(client, world.before, response, 404)
