"""A small OpenID Connect provider for the tests, standing in for Microsoft Entra ID: discovery, JWKS (an RSA key
made when it starts), /authorize (a page with one button per test user, or a refusal) and /token (the PKCE
code_verifier checked against the S256 code_challenge, the client secret when it has one, an RS256 ID token with
the nonce). Served by uvicorn on a free port of a loopback address, in a thread of the test process.

`tamper` overrides claims of the ID tokens it issues next (wrong nonce, audience, issuer ...); `refusals` lists
why it refused a request, for the tests to assert on."""

import base64
import hashlib
import html
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "c0ffee00-registry-web"
CLIENT_SECRET = "test-secret-" + secrets.token_urlsafe(16)
ROLE_MAP = {
    "Registry.Admin": "admin",
    "Registry.Editor.BKF": "editor:BKF",
    "Registry.Reader": "reader",
    # a group (object id) granting the pool manager role
    "6a1c0e2b-puljeforvaltere": "pool_manager",
}
USERS = {
    "bente": {
        "sub": "0f3c-bente",
        "preferred_username": "bente@gladsaxe.dk",
        "name": "Bente Hansen",
        "roles": ["Registry.Editor.BKF"],
    },
    "palle": {
        "sub": "7a21-palle",
        "preferred_username": "palle@gladsaxe.dk",
        "name": "Palle Jensen",
        "groups": ["6a1c0e2b-puljeforvaltere", "some-other-group"],
    },
    "ulla": {"sub": "99e0-ulla", "preferred_username": "ulla@gladsaxe.dk", "name": "Ulla Uden Rolle", "roles": []},
}


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class IdentityProvider:
    def __init__(self, host: str = "127.0.0.1"):
        self.host, self.port = host, _free_port(host)
        self.issuer = f"http://{host}:{self.port}/tenant/v2.0"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.client_secret: str | None = CLIENT_SECRET  # None: a public client (PKCE only)
        self.redirect_uris: set[str] = set()
        self.tamper: dict = {}
        self.signing_key = None  # another key to sign with (under the published key's kid)
        self.refusals: list[str] = []
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}/tenant{path}"

    def reset(self) -> None:
        self.redirect_uris.clear()
        self.client_secret = CLIENT_SECRET
        self.tamper, self.refusals, self.codes, self.token_requests = {}, [], {}, []
        self.signing_key = None

    # --- endpoints ---------------------------------------------------------------------------------------------

    def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.url("/oauth2/v2.0/authorize"),
                "token_endpoint": self.url("/oauth2/v2.0/token"),
                "jwks_uri": self.url("/discovery/v2.0/keys"),
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "scopes_supported": ["openid", "profile", "email"],
            }
        )

    def keys(self, request: Request) -> Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    def _authorization_problem(self, params) -> str | None:
        if params.get("response_type") != "code":
            return "response_type is not code"
        if "openid" not in params.get("scope", "").split():
            return "scope lacks openid"
        if not params.get("state") or not params.get("nonce"):
            return "state or nonce missing"
        if params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) != 43:
            return "no S256 code_challenge"
        return None

    def _refuse(self, why: str, status: int = 400) -> Response:
        self.refusals.append(why)
        return HTMLResponse(f"<!doctype html><title>Fejl</title><p>{html.escape(why)}</p>", status_code=status)

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params) if request.method == "GET" else dict(await request.form())
        if params.get("client_id") != CLIENT_ID:
            return self._refuse("unknown client_id")
        if params.get("redirect_uri") not in self.redirect_uris:  # never redirect to an unregistered address
            return self._refuse(f"redirect_uri {params.get('redirect_uri')!r} is not registered")
        back = params["redirect_uri"]
        problem = self._authorization_problem(params)
        if problem:
            self.refusals.append(problem)
            return RedirectResponse(
                f"{back}?{urlencode({'error': 'invalid_request', 'state': params.get('state', '')})}"
            )
        if request.method == "GET":
            return self._login_page(params)
        if params.get("user") not in USERS:
            return RedirectResponse(f"{back}?{urlencode({'error': 'access_denied', 'state': params['state']})}", 302)
        code = secrets.token_urlsafe(32)
        self.codes[code] = {**params, "issued": time.time()}
        return RedirectResponse(f"{back}?{urlencode({'code': code, 'state': params['state']})}", 302)

    def _login_page(self, params: dict) -> Response:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
            if k != "user"
        )
        buttons = "".join(
            f'<button name="user" value="{name}">{html.escape(user["name"])}</button> ' for name, user in USERS.items()
        )
        return HTMLResponse(
            '<!doctype html><html lang="da"><title>Test-IdP</title><main><h1>Test-IdP: vælg en bruger</h1>'
            f'<form method="post">{hidden}{buttons}<button name="user" value="">Annullér</button></form></main></html>'
        )

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        self.token_requests.append(form)
        grant = self.codes.pop(form.get("code", ""), None)  # a code is used once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return self._token_error("invalid_grant", "unknown or used code")
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != self.client_secret:
            return self._token_error("invalid_client", "client authentication failed", 401)
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._token_error("invalid_grant", "redirect_uri differs from the authorization request's")
        verifier = form.get("code_verifier", "")
        if not verifier or not secrets.compare_digest(s256(verifier), grant["code_challenge"]):
            return self._token_error("invalid_grant", "PKCE code_verifier does not match the code_challenge")
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "nbf": now, "exp": now + 3600}
        claims.update(USERS[grant["user"]], nonce=grant["nonce"], tid="tenant")
        claims.update(self.tamper)
        claims = {k: v for k, v in claims.items() if v is not None}  # tamper with None: the claim is left out
        id_token = jwt.encode(claims, self.signing_key or self.key, algorithm="RS256", headers={"kid": self.kid})
        access_token = secrets.token_urlsafe(32)
        return JSONResponse(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": access_token, "id_token": id_token},
            headers={"Cache-Control": "no-store"},
        )

    def _token_error(self, error: str, description: str, status: int = 400) -> Response:
        self.refusals.append(description)
        return JSONResponse({"error": error, "error_description": description}, status_code=status)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/tenant/v2.0/.well-known/openid-configuration", self.discovery),
                Route("/tenant/discovery/v2.0/keys", self.keys),
                Route("/tenant/oauth2/v2.0/authorize", self.authorize, methods=["GET", "POST"]),
                Route("/tenant/oauth2/v2.0/token", self.token, methods=["POST"]),
            ]
        )

    @contextmanager
    def running(self) -> Iterator["IdentityProvider"]:
        config = uvicorn.Config(
            self.app(), host=self.host, port=self.port, log_level="warning", access_log=False, log_config=None
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test identity provider did not start")
            time.sleep(0.05)
        try:
            yield self
        finally:
            server.should_exit = True
            thread.join(10)


def configure(monkeypatch, provider: IdentityProvider, *, secret: bool = True) -> None:
    """The registry's settings for web sign-in with this provider."""
    from app.config import get_settings

    settings = get_settings()
    monkeypatch.setattr(settings, "oidc_issuer", provider.issuer)
    monkeypatch.setattr(settings, "oidc_audience", "api://socialbalance-registry")
    monkeypatch.setattr(settings, "oidc_client_id", CLIENT_ID)
    monkeypatch.setattr(settings, "oidc_client_secret", CLIENT_SECRET if secret else None)
    monkeypatch.setattr(settings, "oidc_redirect_uri", None)
    monkeypatch.setattr(settings, "oidc_role_map", ROLE_MAP)
    provider.client_secret = CLIENT_SECRET if secret else None
