"""The intervention list's read cache: a cached answer is used only while the data version it was built at
stands, so every kind of committed write shows at once, in this worker and in any other."""

import pytest
from sqlalchemy import text

from app.config import get_settings
from app.core import read_cache
from app.db import get_engine, open_session
from app.models.intervention import InterventionCreate
from app.services import interventions
from tests.conftest import make_token
from tests.factories import API, assert_problem, budget_line, create_intervention, intervention_payload

LIST = f"{API}/interventions"


def _version() -> int:
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT CAST(SUM(version) AS BIGINT) FROM data_version")).scalar_one()


def _names(client, **params) -> list[str]:
    response = client.get(LIST, params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_a_repeated_read_is_answered_from_memory_with_the_same_body(client):
    create_intervention(client)
    first = client.get(LIST)
    hits = read_cache.cache().hits
    second = client.get(LIST)
    assert read_cache.cache().hits == hits + 1
    assert second.content == first.content
    assert second.headers["content-type"] == "application/json"


def test_the_cached_answer_is_the_answer_without_the_cache(client, monkeypatch):
    for n in range(3):
        create_intervention(
            client,
            name=f"Indsats {n} i Værebro Park",
            themes=["T1", "T4"],
            budget_lines=[budget_line(year=2019 + n, amount="1234.56")],
        )
    params = {"limit": 2, "sort": "-name", "theme": "T4"}
    client.get(LIST, params=params)
    cached = client.get(LIST, params=params)
    monkeypatch.setattr(get_settings(), "read_cache_mb", 0)
    read_cache.reset()
    try:
        uncached = client.get(LIST, params=params)
        assert read_cache.cache().hits == 0
    finally:
        read_cache.reset()
    assert cached.json() == uncached.json()
    assert len(cached.json()["items"]) == 2 and cached.json()["next_cursor"]


def test_every_kind_of_write_shows_at_once(client):
    first = create_intervention(client, name="Lommepengejob")
    assert _names(client) == ["Lommepengejob"]  # cached now

    assert client.patch(f"{LIST}/{first['id']}", json={"name": "Lommepengejob for unge"}).status_code == 200
    assert _names(client) == ["Lommepengejob for unge"]

    put = client.put(f"{LIST}/{first['id']}/budget-lines", json=[budget_line(amount="5000.00")])
    assert put.status_code == 200, put.text
    assert client.get(LIST).json()["items"][0]["budget_total"] == "5000.00"

    added = client.post(f"{LIST}/{first['id']}/budget-lines", json=budget_line(year=2021, amount="250.50"))
    assert added.status_code == 201, added.text
    assert client.get(LIST).json()["items"][0]["budget_total"] == "5250.50"

    imported = client.post(
        f"{API}/imports/interventions",
        json=[{**intervention_payload(name="Mentorkorps", success_criteria=[]), "external_id": "BKF-MENTOR"}],
    )
    assert imported.status_code == 200, imported.text
    assert _names(client) == ["Lommepengejob for unge", "Mentorkorps"]

    assert client.delete(f"{LIST}/{first['id']}").status_code == 204
    assert _names(client) == ["Mentorkorps"]
    assert _names(client, include_archived="true") == ["Lommepengejob for unge", "Mentorkorps"]


def test_a_write_by_another_worker_shows_at_once(client):
    create_intervention(client, name="Rådgivningscenter i Værebro Park")
    assert _names(client) == ["Rådgivningscenter i Værebro Park"]
    # Another worker or container: its own session, nothing shared with this process but the database.
    with open_session() as session:
        interventions.create_intervention(session, InterventionCreate(**intervention_payload(name="Mentorkorps")))
    assert _names(client) == ["Rådgivningscenter i Værebro Park", "Mentorkorps"]


def test_the_version_changes_with_each_committed_write_only(client):
    before = _version()
    create_intervention(client)
    after_write = _version()
    assert after_write != before
    client.get(LIST)
    assert_problem(client.post(LIST, json=intervention_payload(department="XXX")), 422, field=["department"])
    assert_problem(client.post(LIST, json=intervention_payload(budget_lines=[budget_line(), budget_line()])), 422)
    assert _version() == after_write  # reads and refused writes leave it
    hits = read_cache.cache().hits
    client.get(LIST)
    assert read_cache.cache().hits == hits + 1


def test_a_revoked_token_is_refused_at_once(client, anonymous):
    reader = {"Authorization": f"Bearer {make_token('reader', name='læser')}"}
    assert anonymous.get(LIST, headers=reader).status_code == 200
    assert anonymous.get(LIST, headers=reader).status_code == 200  # checked once at this version
    token_id = next(t["id"] for t in client.get(f"{API}/tokens").json()["items"] if t["name"] == "læser")
    assert client.delete(f"{API}/tokens/{token_id}").status_code == 200
    assert_problem(anonymous.get(LIST, headers=reader), 401)


@pytest.mark.parametrize(
    "params", [{"limit": 1}, {"limit": 2}, {"sort": "-id"}, {"department": "SSF"}, {"q": "mørkhøj"}]
)
def test_each_question_has_its_own_answer(client, params):
    create_intervention(client, name="Styrket indsats i Mørkhøj", department="BKF")
    create_intervention(client, name="Mentorkorps", department="SSF")
    everything = _names(client)
    expected = {
        "limit": ["Styrket indsats i Mørkhøj"],
        "sort": ["Mentorkorps", "Styrket indsats i Mørkhøj"],
        "department": ["Mentorkorps"],
        "q": ["Styrket indsats i Mørkhøj"],
    }
    if params == {"limit": 2}:
        assert _names(client, **params) == everything
    else:
        assert _names(client, **params) == expected[next(iter(params))]


def test_the_cache_stays_within_its_bytes():
    cache = read_cache.ReadCache(max_bytes=100)
    cache.put("a", 1, b"x" * 60)
    cache.put("b", 1, b"y" * 30)
    assert cache.get("a", 1) == b"x" * 60  # "a" is now the most recently used
    cache.put("c", 1, b"z" * 30)  # over 100 bytes: the least recently used ("b") goes
    assert cache.get("b", 1) is None and cache.get("a", 1) and cache.get("c", 1)
    assert cache.get("a", 2) is None  # another version: not an answer
    cache.put("big", 1, b"w" * 101)  # larger than the whole cache: not kept
    assert cache.get("big", 1) is None


def test_rollups_are_cached_and_follow_every_write(client):
    created = create_intervention(client, themes=["T1", "T4"], budget_lines=[budget_line(amount="100.00")])
    rollup = f"{API}/rollups/budget?by=theme&by=year"
    first = client.get(rollup).json()
    assert [r["amount"] for r in first["rows"]] == ["50.00", "50.00"]
    hits = read_cache.cache().hits
    assert client.get(rollup).json() == first and read_cache.cache().hits == hits + 1
    put = client.put(f"{LIST}/{created['id']}/budget-lines", json=[budget_line(amount="100.01")])
    assert put.status_code == 200, put.text
    assert [r["amount"] for r in client.get(rollup).json()["rows"]] == ["50.01", "50.00"]
    coverage = client.get(f"{API}/rollups/coverage?by=theme").json()
    assert {r["theme"]: r["amount"] for r in coverage["rows"]}["T1"] == "50.01"


def test_no_cache_asks_for_an_answer_computed_now(client):
    create_intervention(client)
    for path in (LIST, f"{API}/rollups/budget?by=year", f"{API}/rollups/coverage"):
        cached = client.get(path)
        hits = read_cache.cache().hits
        fresh = client.get(path, headers={"Cache-Control": "no-cache"})
        assert read_cache.cache().hits == hits  # computed, not looked up
        assert fresh.json() == cached.json()
    assert read_cache.wants_fresh("max-age=0, No-Store") and not read_cache.wants_fresh("max-age=60")
