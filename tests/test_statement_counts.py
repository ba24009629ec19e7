"""The cold paths send a fixed number of SQL statements: a create whatever its number of lines, codes and
criteria; a page of the list whatever its size. And a create's answer, built from what it wrote rather than
read back, is the answer a read gives."""

import contextlib

from sqlalchemy import event

from app.db import get_engine
from tests.factories import API, budget_line, create_intervention, intervention_payload


@contextlib.contextmanager
def counted():
    box = [0]

    def count(*_args, **_kwargs):
        box[0] += 1

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        yield box
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)


def _big_payload(**overrides):
    lines = [
        budget_line(year=2019 + k % 4, category=f"Kategori {k // 4}", funding_source=["LBF", "SOB-PULJE"][k % 2])
        for k in range(30)
    ]
    # A revision of the first line and some spending: plan flags and totals of every kind.
    lines.append(budget_line(year=2019, category="Kategori 0", funding_source="LBF", type="revised", amount="5.50"))
    lines.append(budget_line(year=2020, category="Kategori 0", funding_source="LBF", type="actual", amount="7.25"))
    return intervention_payload(
        areas=["resten-af-gladsaxe", "moerkhoej", "hoeje-gladsaxe"],
        themes=["T9", "T1", "T4"],
        indicators=[12, 3, 8],
        budget_lines=lines,
        success_criteria=[{"description": f"Kriterium {k}", "indicator": 8, "baseline": "1.50"} for k in range(10)],
        **overrides,
    )


def test_create_sends_as_many_statements_for_thirty_lines_as_for_one(client):
    create_intervention(client)  # warm-up: the first request of a client opens connections
    with counted() as small:
        create_intervention(client, name="Lille")
    with counted() as big:
        response = client.post(f"{API}/interventions", json=_big_payload(name="Stor"))
    assert response.status_code == 201, response.text
    assert big[0] == small[0]


def test_the_answer_of_a_create_is_what_a_read_answers(client):
    parent = create_intervention(client, name="Program", kind="programme")
    for payload in (_big_payload(), _big_payload(name="Barn", parent_id=parent["id"], external_id="X-1")):
        created = client.post(f"{API}/interventions", json=payload)
        assert created.status_code == 201, created.text
        read = client.get(f"{API}/interventions/{created.json()['id']}")
        assert created.json() == read.json()
        assert created.content == read.content  # the very bytes the ETag is computed from
        assert created.headers["ETag"] == read.headers["ETag"]
        assert created.headers["content-type"] == "application/json"
        assert created.headers["Location"] == f"/api/v1/interventions/{created.json()['id']}"
    history = client.get(f"{API}/interventions/{parent['id']}/history").json()["items"]
    assert [r["action"] for r in history] == ["child_added", "create"]


def test_a_page_sends_as_many_statements_whatever_its_size(client):
    programme = create_intervention(client, name="Program", kind="programme")
    for k in range(11):
        create_intervention(client, name=f"Indsats {k}", parent_id=programme["id"] if k % 3 == 0 else None)
    fresh = {"Cache-Control": "no-cache"}
    client.get(f"{API}/interventions", params={"limit": 1}, headers=fresh)  # the token's check, done once
    counts = []
    for limit in (2, 12):
        with counted() as n:
            response = client.get(f"{API}/interventions", params={"limit": limit}, headers=fresh)
        assert response.status_code == 200
        assert len(response.json()["items"]) == limit
        counts.append(n[0])
    assert counts[0] == counts[1]


def test_the_answer_of_a_create_with_parties_is_what_a_read_answers(client):
    from tests.test_organisations import BOLIG, FORENING, SSF, _org, _parties

    for org in (BOLIG, FORENING, SSF):
        _org(client, **org)
    payload = _big_payload(**_parties())
    payload["budget_lines"][0]["funding_organisation"] = SSF["name"]
    created = client.post(f"{API}/interventions", json=payload)
    assert created.status_code == 201, created.text
    read = client.get(f"{API}/interventions/{created.json()['id']}")
    assert created.json() == read.json()
    assert created.headers["ETag"] == read.headers["ETag"]
    assert any(line["funding_organisation"] == SSF["name"] for line in created.json()["budget_lines"])


# --- the other lists: as many statements for a long list as for a short one -----------------------------------

FRESH = {"Cache-Control": "no-cache"}


def _statements(client, path: str, params: dict | None = None) -> tuple[int, list]:
    client.get(path, params=params)  # the token's check at this data version, done once
    with counted() as n:
        response = client.get(path, params=params, headers=FRESH)
    assert response.status_code == 200, response.text
    body = response.json()
    return n[0], body["items"] if isinstance(body, dict) and "items" in body else body


def assert_fixed(client, path: str, grow, params: dict | None = None, size=len) -> None:
    """The statements of GET `path` before and after `grow()` made its answer longer are as many."""
    small, before = _statements(client, path, params)
    grow()
    big, after = _statements(client, path, params)
    assert size(after) > size(before)
    assert big == small, f"{path}: {small} statements for {size(before)}, {big} for {size(after)}"


def _pool(client, **overrides) -> dict:
    from tests.test_pools import create_pool

    return create_pool(client, **overrides)


def _grants(client, pool_id: int, n: int, start: int = 0) -> None:
    from tests.test_pools import allocate, trial_action

    for k in range(start, start + n):
        action = trial_action(client, name=f"Prøvehandling {k}", themes=[f"T{1 + k % 9}"], areas=["moerkhoej"])
        allocate(client, pool_id, action["id"], "1000.00", status="granted" if k % 2 else "requested")


def test_the_list_of_pools_sends_as_many_statements_whatever_its_length(client):
    pool = _pool(client)
    _grants(client, pool["id"], 2)

    def grow():
        for year in (2022, 2023, 2024):
            other = _pool(client, name=f"Puljen {year}", year=year)
            _grants(client, other["id"], 2, start=year)

    assert_fixed(client, f"{API}/pools", grow)


def test_the_allocations_send_as_many_statements_whatever_their_number(client):
    pool = _pool(client)
    _grants(client, pool["id"], 1)
    assert_fixed(client, f"{API}/pools/{pool['id']}/allocations", lambda: _grants(client, pool["id"], 5, start=1))
    assert_fixed(client, f"{API}/allocations", lambda: _grants(client, pool["id"], 3, start=6))


def test_the_audit_log_sends_as_many_statements_whatever_its_length(client):
    create_intervention(client)
    assert_fixed(client, f"{API}/audit", lambda: [create_intervention(client, name=f"Indsats {k}") for k in range(5)])


def test_the_observations_send_as_many_statements_whatever_their_number(client):
    from tests.test_observations import observation

    url = f"{API}/indicators/4/observations"
    assert client.post(url, json=observation()).status_code == 201

    def grow():
        for year in (2024, 2027, 2030):
            for area in ("moerkhoej", "vaerebro-park"):
                assert client.post(url, json=observation(year=year, area=area, kind="actual")).status_code == 201

    assert_fixed(client, url, grow)


def test_the_evaluations_send_as_many_statements_whatever_their_number(client):
    from tests.test_evaluations import _evaluation, _material

    intervention = create_intervention(client, end_date="2020-12-31")
    material = _material(client, intervention["id"])
    _evaluation(client, intervention["id"], material_ids=[material["id"]])

    def grow():
        more = [_material(client, intervention["id"], title=f"Rapport {k}", kind="evaluation") for k in range(3)]
        for k, kind in enumerate(["midway", "final", "final"]):
            _evaluation(
                client, intervention["id"], kind=kind, date=f"202{k + 1}-06-01", material_ids=[m["id"] for m in more]
            )

    assert_fixed(client, f"{API}/interventions/{intervention['id']}/evaluations", grow)
    create_intervention(client, name="Afsluttet", end_date="2020-12-31")
    assert_fixed(
        client,
        f"{API}/evaluations/missing",
        lambda: [create_intervention(client, name=f"Afsluttet {k}", end_date="2020-12-31") for k in range(4)],
    )


def test_the_case_page_sends_as_many_statements_whatever_the_programme_holds(client):
    from tests.test_evaluations import _evaluation, _material

    programme = create_intervention(client, name="Program", kind="programme")
    create_intervention(client, name="Del 1", parent_id=programme["id"])
    _evaluation(client, programme["id"], material_ids=[_material(client, programme["id"])["id"]])

    def grow():
        for k in range(2, 6):
            part = create_intervention(
                client,
                name=f"Del {k}",
                parent_id=programme["id"],
                budget_lines=[budget_line(year=2019 + j % 4, category=f"Kategori {j}") for j in range(k)],
            )
            create_intervention(client, name=f"Del {k}.1", parent_id=part["id"])
        material = [_material(client, programme["id"], title=f"Dokument {k}") for k in range(3)]
        _evaluation(client, programme["id"], material_ids=[m["id"] for m in material])
        _evaluation(client, programme["id"], kind="final", date="2022-12-01")

    def size(case: dict) -> int:
        return len(str(case))

    assert_fixed(client, f"{API}/interventions/{programme['id']}/case", grow, size=size)


def test_the_page_the_api_writes_is_the_json_of_its_model(client):
    """The list's JSON is written from plain values (list_interventions_json): byte for byte what its model,
    InterventionPage, writes, for programmes and their sums, archived children, spending, odd text and nulls."""
    from app.db import open_session
    from app.models.filters import InterventionFilters
    from app.services.interventions import list_interventions, list_interventions_json

    programme = create_intervention(client, name='Program "Ø" \\ æ/å \u2028 \x7f', kind="programme")
    child = client.post(f"{API}/interventions", json=_big_payload(name="Barn\ttab\nny", parent_id=programme["id"]))
    assert child.status_code == 201, child.text
    archived = create_intervention(client, name="Arkiveret barn", parent_id=programme["id"])
    assert client.delete(f"{API}/interventions/{archived['id']}").status_code == 204
    create_intervention(
        client,
        name="Uden alt",
        description=None,
        track=None,
        areas=[],
        themes=[],
        indicators=[],
        start_date=None,
        end_date=None,
        budget_lines=[budget_line(amount="0.05"), budget_line(year=2021, amount="12345678.99")],
        success_criteria=[],
    )
    for sort, limit in (("id", 50), ("-name", 2), ("updated_at", 3)):
        with open_session() as session:
            filters = InterventionFilters()
            model = list_interventions(session, filters, sort=sort, limit=limit).model_dump_json().encode()
            written = list_interventions_json(session, filters, sort=sort, limit=limit)
            archived_too = InterventionFilters(include_archived=True)
            model_all = list_interventions(session, archived_too, sort=sort, limit=limit).model_dump_json().encode()
            written_all = list_interventions_json(session, archived_too, sort=sort, limit=limit)
        assert written == model
        assert written_all == model_all
        answer = client.get(f"{API}/interventions", params={"sort": sort, "limit": limit}, headers=FRESH)
        assert answer.content == model
