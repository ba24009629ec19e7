"""Signing in to the web interface with the OIDC identity provider (Microsoft Entra ID): the authorization-code
flow with PKCE (S256), through Authlib.

`begin` reads the provider's endpoints from the issuer's discovery document, makes a fresh state, nonce and PKCE
verifier, keeps them in an oidc_sign_in row (found again by the SHA-256 of a random id the browser holds in a
cookie) and gives the URL to send the browser to. `finish` consumes that row (once, within FLOW_LIFETIME), compares
the answer's state, exchanges the code for tokens with the verifier (and the client secret, when there is one),
checks the ID token's signature, issuer, audience, expiry and nonce, and maps its claims to a role and department
with the function the API uses for OIDC bearer tokens (auth.principal_from_claims).

Rows are bookkeeping like the web sessions: written through the session's connection, below the ORM, so that they
do not give the data a new version."""

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, insert
from sqlmodel import Session

from app.config import Settings, get_settings
from app.core.context import Principal
from app.errors import Forbidden, SignInFailed
from app.models.types import utcnow
from app.models.web_session import OidcSignIn
from app.services.auth import ALGORITHMS, principal_from_claims
from app.services.web_sessions import key_of

# Time to sign in at the provider (including a second factor) before the answer is no longer taken.
FLOW_LIFETIME = timedelta(minutes=10)
# The discovery document is read again after this many seconds; the keys also whenever a token names an unknown one.
METADATA_SECONDS = 3600
LEEWAY_SECONDS = 30  # clock skew allowed on exp/iat, as for the API's tokens
HTTP_TIMEOUT = 10.0

_metadata: dict[str, tuple[float, dict]] = {}
_key_sets: dict[str, dict] = {}


@dataclass(frozen=True)
class Started:
    flow_id: str  # for the cookie
    url: str  # the provider's authorization endpoint, with the request


@dataclass(frozen=True)
class Finished:
    principal: Principal
    next_path: str


# --- the provider's endpoints and keys ---------------------------------------------------------------------


def _get_json(url: str) -> dict:
    try:
        with httpx2.Client(timeout=HTTP_TIMEOUT) as http:
            response = http.get(url)
            response.raise_for_status()
            document = response.json()
    except (httpx2.HTTPError, ValueError) as exc:
        raise SignInFailed(f"{url} could not be read: {exc}", reason="unavailable", status=502) from None
    if not isinstance(document, dict):
        raise SignInFailed(f"{url} is not a JSON object", reason="unavailable", status=502)
    return document


def provider_metadata(settings: Settings) -> dict:
    """The issuer's discovery document (cached for METADATA_SECONDS); it must name the configured issuer."""
    issuer = settings.oidc_issuer or ""
    cached = _metadata.get(issuer)
    if cached and time.monotonic() - cached[0] < METADATA_SECONDS:
        return cached[1]
    document = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    endpoints = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if document.get("issuer") != issuer or not all(isinstance(document.get(e), str) for e in endpoints):
        raise SignInFailed(
            f"the discovery document of {issuer} names issuer {document.get('issuer')!r} or lacks an endpoint",
            reason="unavailable",
            status=502,
        )
    _metadata[issuer] = (time.monotonic(), document)
    return document


def _key_set(jwks_uri: str, *, refresh: bool) -> KeySet:
    if refresh or jwks_uri not in _key_sets:
        _key_sets[jwks_uri] = _get_json(jwks_uri)
    try:
        return KeySet.import_key_set(_key_sets[jwks_uri])
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SignInFailed(f"the provider's keys could not be read: {exc}", reason="unavailable", status=502) from None


def _client(settings: Settings, redirect_uri: str) -> OAuth2Client:
    """Authlib's OAuth 2 client: PKCE S256; a confidential client (client_secret_post) when there is a secret."""
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        token_endpoint_auth_method="client_secret_post" if settings.oidc_client_secret else "none",
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


# --- the flow ----------------------------------------------------------------------------------------------


def begin(session: Session, *, redirect_uri: str, next_path: str) -> Started:
    """A new sign-in: its row, the id for the browser's cookie, and the provider's URL to send the browser to."""
    settings = get_settings()
    endpoint = provider_metadata(settings)["authorization_endpoint"]
    flow_id, state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters of the RFC 7636 alphabet
    with _client(settings, redirect_uri) as client:
        url, _ = client.create_authorization_url(endpoint, state=state, nonce=nonce, code_verifier=verifier)
    table, now = OidcSignIn.__table__, utcnow()
    connection = session.connection()
    connection.execute(delete(table).where(table.c.created_at < now - FLOW_LIFETIME))
    connection.execute(
        insert(table).values(
            id=key_of(flow_id),
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            redirect_uri=redirect_uri,
            next_path=next_path,
            created_at=now,
        )
    )
    session.commit()
    return Started(flow_id=flow_id, url=url)


def _take(session: Session, flow_id: str | None):
    """The sign-in this browser started, removed so that its answer is taken once only."""
    row = None
    if flow_id and len(flow_id) <= 200:
        table = OidcSignIn.__table__
        row = (
            session.connection()
            .execute(delete(table).where(table.c.id == key_of(flow_id)).returning(*table.c))
            .one_or_none()
        )
        session.commit()
    if row is None or row.created_at < utcnow() - FLOW_LIFETIME:
        raise SignInFailed("no sign-in in progress in this browser, or it is too old", reason="expired", status=400)
    return row


def finish(session: Session, flow_id: str | None, answer: dict[str, str]) -> Finished:
    """The provider's answer (the callback's query parameters) turned into who signed in, or SignInFailed."""
    flow = _take(session, flow_id)
    if not secrets.compare_digest(str(answer.get("state", "")).encode(), flow.state.encode()):
        raise SignInFailed("the answer's state is not the one sent", reason="state", status=400)
    if answer.get("error") or not answer.get("code"):
        error = str(answer.get("error") or "no code")[:100]
        raise SignInFailed(f"the provider did not sign the person in: {error}", reason="denied")
    settings = get_settings()
    metadata = provider_metadata(settings)
    tokens = _exchange(settings, metadata, flow, answer["code"])
    claims = _verified_claims(settings, metadata, tokens, flow.nonce)
    try:
        principal = principal_from_claims(claims, settings)
    except Forbidden as exc:
        raise SignInFailed(exc.detail, reason="no_role", status=403) from None
    return Finished(principal=principal, next_path=flow.next_path)


def _exchange(settings: Settings, metadata: dict, flow, code: str) -> dict:
    """The code for tokens, at the token endpoint, with the PKCE verifier."""
    try:
        with _client(settings, flow.redirect_uri) as client:
            tokens = client.fetch_token(
                metadata["token_endpoint"], grant_type="authorization_code", code=code, code_verifier=flow.code_verifier
            )
    except OAuthError as exc:
        raise SignInFailed(f"the token endpoint refused the code: {exc.error}", reason="refused") from None
    except (httpx2.HTTPError, ValueError) as exc:
        raise SignInFailed(f"the token endpoint could not be used: {exc}", reason="unavailable", status=502) from None
    if not isinstance(tokens.get("id_token"), str):
        raise SignInFailed("the token endpoint gave no ID token", reason="id_token")
    return tokens


def _verified_claims(settings: Settings, metadata: dict, tokens: dict, nonce: str) -> dict:
    """The ID token's claims once its signature (the provider's keys, the registry's list of algorithms), issuer,
    audience (this client), expiry, nonce and, when present, at_hash and azp are checked."""
    try:
        try:
            token = jwt.decode(tokens["id_token"], _key_set(metadata["jwks_uri"], refresh=False), algorithms=ALGORITHMS)
        except InvalidKeyIdError:  # a key the provider rotated in since the keys were read
            token = jwt.decode(tokens["id_token"], _key_set(metadata["jwks_uri"], refresh=True), algorithms=ALGORITHMS)
        claims = CodeIDToken(
            token.claims,
            token.header,
            options={
                "iss": {"essential": True, "value": settings.oidc_issuer},
                "aud": {"essential": True, "value": settings.oidc_client_id},
            },
            params={"nonce": nonce, "client_id": settings.oidc_client_id, "access_token": tokens.get("access_token")},
        )
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        raise SignInFailed(f"the ID token is not valid: {exc}", reason="id_token") from None
    return dict(claims)
