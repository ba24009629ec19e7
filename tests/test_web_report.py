"""The report page (/rapport) through HTTP: the same verdicts as the API, in Danish, with a chart per theme."""

import re

import pytest
from fastapi.testclient import TestClient

from app.cli import main as registry
from tests.factories import API


@pytest.fixture
def web(admin_token) -> TestClient:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False) as test_client:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', test_client.get("/login").text).group(1)
        test_client.post("/login", data={"token": admin_token, "csrf_token": csrf, "next": "/"})
        yield test_client


def test_without_two_rounds_the_page_says_what_is_missing(web):
    response = web.get("/rapport")
    assert response.status_code == 200
    assert 'data-testid="no-rounds"' in response.text and "Årlig afrapportering til byrådet" in response.text


def test_the_demo_report_page_shows_every_theme_in_danish(web, client):
    registry(["demo"])
    report = client.get(f"{API}/reports/ambition").json()
    response = web.get("/rapport")
    assert response.status_code == 200
    html = response.text
    assert f"Samlet vurdering: {report['overall']['label']}" in html
    for theme in report["themes"]:
        assert f"{theme['code']} {theme['name']}: <span" in html
        assert f'id="graf-{theme["code"].lower()}"' in html or not theme["indicators"]
    assert html.count('<svg role="img"') == 9
    assert "overhalet kommunen" in html  # Høje Gladsaxe on 7 Kriminalitet
    assert "ikke som deres årsag" in html
    assert 'href="/rapport" aria-current="page"' in html
    # another pair of rounds; an unknown one is a Danish 404 page
    assert web.get("/rapport", params={"baseline": "register-2021", "latest": "bu-2024"}).status_code == 200
    missing = web.get("/rapport", params={"baseline": "bu-1999"})
    assert missing.status_code == 404 and "Siden findes ikke" in missing.text
