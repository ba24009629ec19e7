"""Access control: every write endpoint tried with every role and with another department's objects; tokens;
OIDC JWTs; reads without a token."""

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from app.config import get_settings
from tests.conftest import make_token
from tests.factories import API, assert_problem, budget_line, create_intervention

ROLES = {
    "admin": ("admin", None),
    "editor_bkf": ("editor", "BKF"),
    "editor_ssf": ("editor", "SSF"),
    "editor_sob": ("editor", "SOB"),
    "pool_manager": ("pool_manager", None),
    "reader": ("reader", None),
}
INTERVENTION = {"admin", "editor_bkf"}  # the fixture intervention belongs to BKF
POOL = {"admin", "pool_manager"}
OBSERVATIONS = {"admin", "editor_sob"}
ADMIN = {"admin"}
EDITORS = {"admin", "editor_bkf", "editor_ssf", "editor_sob"}  # organisations are shared by the departments


def _world(client: TestClient) -> dict:
    """A BKF intervention with a line and a criterion, a pool with a request, a token to revoke."""
    intervention = create_intervention(client, department="BKF")
    pool = client.post(f"{API}/pools", json={"name": "Puljen 2026", "year": 2026, "amount": "1000"}).json()
    allocation = client.post(
        f"{API}/pools/{pool['id']}/allocations", json={"intervention_id": intervention["id"], "amount": "100"}
    ).json()
    granted = client.post(
        f"{API}/pools/{pool['id']}/allocations",
        json={"intervention_id": intervention["id"], "amount": "200", "status": "granted", "reason": "Bevilget"},
    ).json()
    token = client.post(f"{API}/tokens", json={"name": "til-tilbagekaldelse", "role": "reader"}).json()
    material = client.post(
        f"{API}/interventions/{intervention['id']}/material",
        json={"title": "Programdokument", "url": "https://example.dk/p.pdf", "kind": "description"},
    )
    evaluation = client.post(
        f"{API}/interventions/{intervention['id']}/evaluations", json={"kind": "midway", "date": "2020-12-15"}
    )
    organisation = client.post(f"{API}/organisations", json={"name": "Matrix-forening", "kind": "association"})
    survey = {"code": "matrix-2021", "name": "Matrix-runde 2021", "kind": "survey", "year": 2021}
    assert client.post(f"{API}/rounds", json=survey).status_code == 201
    return {
        "org": organisation.json()["id"],
        "i": intervention["id"],
        "line": intervention["budget_lines"][0]["id"],
        "crit": intervention["success_criteria"][0]["id"],
        "pool": pool["id"],
        "alloc": allocation["id"],
        "granted": granted["id"],
        "token": token["id"],
        "mat": material.json()["id"],
        "eval": evaluation.json()["id"],
    }


def _import_record(department: str) -> list[dict]:
    return [
        {
            "external_id": f"{department}-IMPORT-1",
            "name": "Importeret indsats",
            "kind": "project",
            "department": department,
        }
    ]


# (method, path template, body, who may) for every write operation of the API.
WRITES = [
    ("POST", "/interventions", {"name": "Ny", "kind": "project", "department": "BKF"}, INTERVENTION),
    ("PATCH", "/interventions/{i}", {"status": "completed"}, INTERVENTION),
    ("DELETE", "/interventions/{i}", None, INTERVENTION),
    ("POST", "/interventions/{i}/budget-lines", budget_line(year=2021, category="Drift"), INTERVENTION),
    ("PUT", "/interventions/{i}/budget-lines", [budget_line(year=2021)], INTERVENTION),
    ("DELETE", "/interventions/{i}/budget-lines/{line}", None, INTERVENTION),
    ("POST", "/interventions/{i}/success-criteria", {"description": "Nyt kriterium"}, INTERVENTION),
    ("PUT", "/interventions/{i}/success-criteria", [{"description": "Kun dette"}], INTERVENTION),
    ("PATCH", "/interventions/{i}/success-criteria/{crit}", {"unit": "pct."}, INTERVENTION),
    ("DELETE", "/interventions/{i}/success-criteria/{crit}", None, INTERVENTION),
    (
        "POST",
        "/indicators/4/observations",
        {"area": "moerkhoej", "year": 2024, "kind": "actual", "value": "61.5"},
        OBSERVATIONS,
    ),
    (
        "PUT",
        "/indicators/4/observations",
        [{"area": "moerkhoej", "year": 2021, "kind": "baseline", "value": 60}],
        OBSERVATIONS,
    ),
    ("PATCH", "/indicators/4", {"likely_source": "survey"}, ADMIN),
    ("POST", "/indicators", {"theme": "T6", "name": "Fritid på tværs", "higher_is_better": True}, ADMIN),
    (
        "POST",
        "/rounds",
        {"code": "matrix-2024", "name": "Matrix-runde 2024", "kind": "survey", "year": 2024},
        OBSERVATIONS,
    ),
    ("PATCH", "/rounds/matrix-2021", {"collected": "efterår 2021"}, OBSERVATIONS),
    (
        "POST",
        "/imports/observations",
        [{"round": "matrix-2021", "indicator": 4, "area": "moerkhoej", "value": "60"}],
        OBSERVATIONS,
    ),
    ("POST", "/pools", {"name": "Ny pulje", "year": 2027, "amount": "500"}, POOL),
    ("PATCH", "/pools/{pool}", {"notes": "Noter"}, POOL),
    # An editor applies for its own department's interventions (the fixture's is BKF's); the decisions are the
    # pool manager's.
    ("POST", "/pools/{pool}/allocations", {"intervention_id": "{i}", "amount": "50"}, POOL | {"editor_bkf"}),
    ("PATCH", "/pools/{pool}/allocations/{alloc}", {"status": "granted", "reason": "Ok"}, POOL),
    (
        "POST",
        "/pools/{pool}/allocations/{granted}/anchoring",
        {"funding_source": "FAGFORVALTNING", "from_year": 2027, "reason": "Virker"},
        POOL,
    ),
    ("POST", "/imports/interventions", _import_record("BKF"), INTERVENTION),
    ("POST", "/interventions/{i}/evaluations", {"kind": "final", "date": "2022-12-10"}, INTERVENTION),
    ("PATCH", "/interventions/{i}/evaluations/{eval}", {"decision": "anchor"}, INTERVENTION),
    ("DELETE", "/interventions/{i}/evaluations/{eval}", None, INTERVENTION),
    (
        "POST",
        "/interventions/{i}/material",
        {"title": "Notat", "url": "https://example.dk/n", "kind": "results"},
        INTERVENTION,
    ),
    ("PATCH", "/interventions/{i}/material/{mat}", {"title": "Nyt navn"}, INTERVENTION),
    ("DELETE", "/interventions/{i}/material/{mat}", None, INTERVENTION),
    ("POST", "/organisations", {"name": "Ny forening", "kind": "association"}, EDITORS),
    ("PATCH", "/organisations/{org}", {"cvr": "12345678"}, EDITORS),
    ("DELETE", "/organisations/{org}", None, ADMIN),
    ("POST", "/imports/organisations", [{"name": "Importeret forening", "kind": "association"}], EDITORS),
    ("PUT", "/interventions/{i}/organisations", [{"organisation": "Matrix-forening", "role": "partner"}], INTERVENTION),
    ("PUT", "/interventions/{i}/people", [{"role": "contact", "name": "Åse"}], INTERVENTION),
    ("PUT", "/interventions/{i}/reach", [{"year": 2020, "unit": "families", "planned": 70}], INTERVENTION),
    (
        "PUT",
        "/interventions/{i}/in-kind",
        [{"year": 2020, "organisation": "Matrix-forening", "hours": 3}],
        INTERVENTION,
    ),
    ("POST", "/tokens", {"name": "ny-token", "role": "reader"}, ADMIN),
    ("DELETE", "/tokens/{token}", None, ADMIN),
]


def test_the_matrix_covers_every_write_endpoint(client):
    spec = client.get("/openapi.json").json()
    documented = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in spec["paths"].items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    }
    placeholders = {
        "{i}": "{intervention_id}",
        "{line}": "{budget_line_id}",
        "{crit}": "{criterion_id}",
        "{pool}": "{pool_id}",
        "{alloc}": "{allocation_id}",
        "{granted}": "{allocation_id}",
        "{token}": "{token_id}",
        "/4": "/{number}",
        "/matrix-2021": "/{code}",
        "{eval}": "{evaluation_id}",
        "{mat}": "{material_id}",
        "{org}": "{organisation_id}",
    }
    covered = set()
    for method, path, _body, _who in WRITES:
        for short, long in placeholders.items():
            path = path.replace(short, long)
        covered.add((method, path))
    assert covered == documented


def _fill(value, world):
    text = json.dumps(value)
    for key, number in world.items():
        text = text.replace(f'"{{{key}}}"', str(number)).replace(f"{{{key}}}", str(number))
    return json.loads(text)


@pytest.mark.parametrize("role", [*ROLES, "no token"])
@pytest.mark.parametrize("method,path,body,allowed", WRITES, ids=[f"{m} {p}" for m, p, _b, _a in WRITES])
def test_every_write_with_every_role(client, anonymous, role, method, path, body, allowed):
    world = _world(client)
    url = API + _fill(path, world)
    payload = _fill(body, world) if body is not None else None
    if role == "no token":
        response = anonymous.request(method, url, json=payload)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
        return
    kind, department = ROLES[role]
    token = make_token(kind, department, name=f"matrix-{role}")
    response = client.request(method, url, json=payload, headers={"Authorization": f"Bearer {token}"})
    if role in allowed:
        assert response.status_code < 300, response.text
    else:
        assert_problem(response, 403)


def test_an_editor_cannot_touch_another_departments_intervention(client):
    bkf = create_intervention(client, department="BKF")
    programme = create_intervention(client, department="SSF", kind="programme")
    ssf = {"Authorization": f"Bearer {make_token('editor', 'SSF')}"}
    url = f"{API}/interventions/{bkf['id']}"
    assert_problem(client.patch(url, json={"name": "Overtaget"}, headers=ssf), 403)
    assert_problem(client.patch(url, json={"parent_id": programme["id"]}, headers=ssf), 403)
    assert_problem(client.delete(url, headers=ssf), 403)
    assert_problem(
        client.post(f"{API}/interventions", json={"name": "X", "kind": "project", "department": "BKF"}, headers=ssf),
        403,
    )
    assert client.get(url).json()["name"] == bkf["name"]


def test_an_editor_cannot_move_an_intervention_to_another_department(client):
    bkf = create_intervention(client, department="BKF")
    own = {"Authorization": f"Bearer {make_token('editor', 'BKF')}"}
    assert_problem(client.patch(f"{API}/interventions/{bkf['id']}", json={"department": "SSF"}, headers=own), 403)
    assert client.patch(f"{API}/interventions/{bkf['id']}", json={"department": "SSF"}).json()["department"] == "SSF"


def test_an_editor_imports_only_their_own_department(client):
    ssf = {"Authorization": f"Bearer {make_token('editor', 'SSF')}"}
    body = assert_problem(client.post(f"{API}/imports/interventions", json=_import_record("BKF"), headers=ssf), 403)
    assert body["errors"][0]["row"] == 1
    assert client.post(f"{API}/imports/interventions", json=_import_record("SSF"), headers=ssf).status_code == 200


def test_reads_need_a_token_unless_public_read(client, anonymous, monkeypatch):
    create_intervention(client)
    for path in ("/interventions", "/framework", "/rollups/budget?by=year", "/pools"):
        assert_problem(anonymous.get(API + path), 401)
    reader = {"Authorization": f"Bearer {make_token('reader')}"}
    assert client.get(f"{API}/interventions", headers=reader).status_code == 200
    monkeypatch.setattr(get_settings(), "public_read", True)
    assert anonymous.get(f"{API}/interventions").status_code == 200
    assert_problem(
        anonymous.post(f"{API}/interventions", json={"name": "X", "kind": "project", "department": "BKF"}), 401
    )
    assert anonymous.get("/health").status_code == 200


def test_tokens_are_listed_without_secrets_and_can_be_revoked(client, anonymous):
    created = client.post(f"{API}/tokens", json={"name": "SSF script", "role": "editor", "department": "SSF"})
    assert created.status_code == 201 and created.json()["token"].startswith("sbr_")
    token = created.json()["token"]
    listed = client.get(f"{API}/tokens").json()["items"]
    assert token not in json.dumps(listed) and any(t["name"] == "SSF script" for t in listed)
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous.get(f"{API}/interventions", headers=headers).status_code == 200
    assert client.delete(f"{API}/tokens/{created.json()['id']}").json()["revoked_at"] is not None
    assert_problem(anonymous.get(f"{API}/interventions", headers=headers), 401)
    assert_problem(client.post(f"{API}/tokens", json={"name": "SSF script", "role": "reader"}), 409)
    assert_problem(client.post(f"{API}/tokens", json={"name": "x", "role": "editor"}), 422, field=["department"])
    for bad in ("Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", "sbr_x"):
        assert_problem(anonymous.get(f"{API}/interventions", headers={"Authorization": bad}), 401)


def test_the_cli_prints_the_token_as_its_last_line(client, capsys, anonymous):
    from app.cli import main as registry

    assert registry(["token", "create", "--role", "reader", "--name", "cli-læser"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert anonymous.get(f"{API}/framework", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert registry(["token", "list"]) == 0 and "cli-læser" in capsys.readouterr().out
    assert registry(["token", "revoke", "cli-læser"]) == 0
    assert_problem(anonymous.get(f"{API}/framework", headers={"Authorization": f"Bearer {token}"}), 401)


# --- OIDC ----------------------------------------------------------------------------------------------------

ISSUER = "https://login.microsoftonline.com/gladsaxe-tenant/v2.0"
AUDIENCE = "api://socialbalance-registry"


@pytest.fixture
def oidc(monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public.update(kid="test-key", use="sig", alg="RS256")
    settings = get_settings()
    monkeypatch.setattr(settings, "oidc_issuer", ISSUER)
    monkeypatch.setattr(settings, "oidc_audience", AUDIENCE)
    monkeypatch.setattr(settings, "oidc_jwks", json.dumps({"keys": [public]}))
    monkeypatch.setattr(
        settings,
        "oidc_role_map",
        {"Registry.Admin": "admin", "Registry.Editor.SSF": "editor:SSF", "Registry.Reader": "reader"},
    )

    def issue(claims_override=None, *, signing_key=key, algorithm="RS256", headers=None):
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "0f3c-user",
            "preferred_username": "bente@gladsaxe.dk",
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "roles": ["Registry.Editor.SSF"],
        }
        claims.update(claims_override or {})
        return jwt.encode(claims, signing_key, algorithm=algorithm, headers={"kid": "test-key", **(headers or {})})

    return issue


def test_oidc_token_maps_claims_to_role_and_department(anonymous, client, oidc):
    bkf = create_intervention(client, department="BKF")
    headers = {"Authorization": f"Bearer {oidc()}"}
    created = anonymous.post(
        f"{API}/interventions", json={"name": "Fra Entra", "kind": "project", "department": "SSF"}, headers=headers
    )
    assert created.status_code == 201, created.text
    assert_problem(anonymous.patch(f"{API}/interventions/{bkf['id']}", json={"name": "x"}, headers=headers), 403)
    history = client.get(f"{API}/interventions/{created.json()['id']}/history").json()["items"]
    assert history[0]["actor"] == "oidc:bente@gladsaxe.dk"


@pytest.mark.parametrize(
    "case", ["expired", "wrong audience", "wrong issuer", "alg none", "other key", "no role", "hs256 with public key"]
)
def test_bad_oidc_tokens_are_refused(anonymous, oidc, case):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = {
        "expired": lambda: oidc({"exp": int(time.time()) - 3600}),
        "wrong audience": lambda: oidc({"aud": "api://someone-else"}),
        "wrong issuer": lambda: oidc({"iss": "https://evil.example/"}),
        "alg none": lambda: jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 600, "roles": ["Registry.Admin"]},
            None,
            algorithm="none",
        ),
        "other key": lambda: oidc(signing_key=other),
        "no role": lambda: oidc({"roles": ["Something.Else"]}),
        "hs256 with public key": lambda: jwt.encode(
            {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 600, "roles": ["Registry.Admin"]},
            "not-the-key-but-long-enough-for-hs256-32b",
            algorithm="HS256",
            headers={"kid": "test-key"},
        ),
    }[case]()
    response = anonymous.get(f"{API}/interventions", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 403 if case == "no role" else 401)
