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
        assert created.headers["ETag"] == read.headers["ETag"]
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
