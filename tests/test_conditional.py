"""Unchanged stays unchanged, and a client that holds the current version is told so (issue 13, item 15): a PATCH
that changes nothing writes nothing (same ETag and updated_at, no audit record, no new data version), and
If-None-Match on a GET answers 304 (RFC 9110: weak comparison, `*`)."""

import pytest
from sqlalchemy import text

from app.db import get_engine
from tests.factories import API, assert_problem, budget_line, create_intervention


def _version() -> int:
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT CAST(SUM(version) AS BIGINT) FROM data_version")).scalar_one()


def _state(client, url: str) -> tuple:
    got = client.get(url)
    return got.headers["etag"], got.json(), len(client.get(f"{url}/history").json()["items"]), _version()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "active"},
        {"name": "Fællesskabende aktiviteter i Mørkhøj", "department": "BKF", "track": "social"},
        {"themes": ["T4"], "areas": ["moerkhoej"], "indicators": [8]},
        {"start_date": "2019-01-01", "end_date": "2022-12-31", "parent_id": None, "contact_name": None},
        {"budget_lines": [budget_line(year=2021, amount="2500.5"), budget_line()]},  # the same set, in another order
        {"success_criteria": [{"description": "Flere deltager i lokalsamfundet", "indicator": 8}]},
        {"status": "active", "status_reason": "Ingen ændring"},  # no change of status: nothing to explain
    ],
    ids=["empty", "status", "fields", "codes", "dates", "lines", "criteria", "status-with-reason"],
)
def test_a_patch_that_changes_nothing_writes_nothing(client, body):
    created = create_intervention(
        client, budget_lines=[budget_line(), budget_line(year=2021, amount="2500.50")], status="active"
    )
    url = f"{API}/interventions/{created['id']}"
    etag, before, records, version = _state(client, url)
    response = client.patch(url, json=body)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == etag
    assert response.json() == before  # updated_at and the line ids included
    assert _state(client, url) == (etag, before, records, version)


def test_a_patch_that_changes_something_still_writes_only_what_changed(client):
    url = f"{API}/interventions/{create_intervention(client, status='active')['id']}"
    etag, before, records, version = _state(client, url)
    response = client.patch(url, json={"status": "active", "name": "Nyt navn", "themes": ["T4"]})
    assert response.status_code == 200
    assert response.headers["etag"] != etag and response.json()["updated_at"] != before["updated_at"]
    history = client.get(f"{url}/history").json()["items"]
    assert len(history) == records + 1
    assert history[0]["changes"] == {"name": {"before": before["name"], "after": "Nyt navn"}}
    assert _version() != version


def test_an_unchanged_patch_still_honours_if_match_and_permissions(client):
    url = f"{API}/interventions/{create_intervention(client)['id']}"
    assert_problem(client.patch(url, json={}, headers={"If-Match": 'W/"1-old"'}), 412)


def test_if_none_match_answers_304_while_the_intervention_is_unchanged(client):
    url = f"{API}/interventions/{create_intervention(client)['id']}"
    etag = client.get(url).headers["etag"]
    assert etag.startswith('W/"')
    for header in (etag, etag.removeprefix("W/"), f'"other", {etag}', "*"):
        response = client.get(url, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    client.patch(url, json={"name": "Andet navn"})
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["name"] == "Andet navn"
    assert changed.headers["etag"] != etag


def test_the_etag_follows_what_the_answer_shows_not_only_the_row(client):
    """A child's new budget line changes the parent's budget_total_with_descendants: a cached copy of the
    parent is stale, so If-None-Match must not answer 304 for it."""
    parent = create_intervention(client, kind="programme", budget_lines=[])
    url = f"{API}/interventions/{parent['id']}"
    etag = client.get(url).headers["etag"]
    child = create_intervention(client, parent_id=parent["id"], budget_lines=[budget_line(amount="700.00")])
    assert child["parent_id"] == parent["id"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["budget_total_with_descendants"] == "700.00"
    # If-Match with the old version is refused likewise: the client did not see the parent as it is.
    assert_problem(client.patch(url, json={"name": "Program"}, headers={"If-Match": etag}), 412)


def test_archived_interventions_answer_304_only_when_asked_for(client):
    url = f"{API}/interventions/{create_intervention(client)['id']}"
    etag = client.get(url).headers["etag"]
    client.delete(url)
    assert client.get(url, headers={"If-None-Match": "*"}).status_code == 404
    archived = client.get(url, params={"include_archived": "true"})
    again = client.get(url, params={"include_archived": "true"}, headers={"If-None-Match": archived.headers["etag"]})
    assert again.status_code == 304 and archived.headers["etag"] != etag
