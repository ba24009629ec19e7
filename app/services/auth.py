"""Authentication (API tokens and OIDC JWTs) and the permission rules.

API tokens are random strings shown once; the database keeps only their SHA-256. OIDC tokens (as Microsoft
Entra ID issues them) are verified against the configured issuer, audience and JWKS with an explicit list of
algorithms, so `alg: none` and HMAC tricks are refused; their claims map to a role (and department) through
`OIDC_ROLE_MAP`."""

import hashlib
import json
import secrets
from functools import lru_cache

import jwt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.config import Settings, get_settings
from app.core import read_cache
from app.core.context import Principal, current
from app.core.direct import Statement
from app.db import begin_write
from app.errors import Conflict, Forbidden, LastAdminToken, NotFound, Unauthorized
from app.models.auth import (
    ApiToken,
    Role,
    TokenCreate,
    TokenCreated,
    TokenList,
    TokenPublic,
)
from app.models.types import public_of, utcnow
from app.services import audit
from app.services.reference import CodeChecker

TOKEN_PREFIX = "sbr_"
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
# When claims map to several roles, the strongest wins.
ROLE_ORDER = [Role.admin, Role.pool_manager, Role.editor, Role.reader]


ANONYMOUS = Principal(actor="anonymous", role="anonymous", source="anonymous")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- tokens ------------------------------------------------------------------------------------------------


def _public(row: ApiToken) -> TokenPublic:
    return public_of(TokenPublic, row, department=row.department_code)


def create_token(session: Session, data: TokenCreate) -> TokenCreated:
    begin_write(session)
    checker = CodeChecker(session)
    if data.role is Role.editor and not data.department:
        checker.fail(["body", "department"], "an editor is bound to one department: give its code")
    if data.role is not Role.editor and data.department:
        checker.fail(["body", "department"], "only an editor is bound to a department")
    checker.check("department", data.department, ["body", "department"])
    checker.raise_if_any()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=data.name,
        token_hash=hash_token(token),
        role=data.role.value,
        department_code=data.department,
        created_at=utcnow(),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            f"a token named {data.name!r} exists already", errors=[{"loc": ["body", "name"], "msg": "already used"}]
        ) from None
    audit.record(
        session,
        "create",
        "token",
        row.id,
        {"name": {"after": row.name}, "role": {"after": row.role}, "department": {"after": row.department_code}},
    )
    session.commit()
    return TokenCreated(**_public(row).model_dump(), token=token)


def list_tokens(session: Session) -> TokenList:
    rows = session.execute(select(ApiToken).order_by(col(ApiToken.id))).scalars()
    return TokenList(items=[_public(r) for r in rows])


def revoke_token(session: Session, token_id: int | None = None, name: str | None = None) -> TokenPublic:
    begin_write(session)
    stmt = select(ApiToken).where(col(ApiToken.id) == token_id if token_id is not None else col(ApiToken.name) == name)
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"token {token_id if token_id is not None else name!r} not found")
    if row.revoked_at is None and row.role == Role.admin:
        _keep_an_admin(session, row)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(session, "revoke", "token", row.id, {"revoked_at": {"before": None, "after": row.revoked_at}})
    session.commit()
    return _public(row)


def _keep_an_admin(session: Session, row: ApiToken) -> None:
    """Revoking the last active admin token would lock every admin out of the tokens (an OIDC admin may not
    exist): 409. The active admin tokens are locked first, so two admins revoking each other's token at the same
    moment cannot both succeed (on SQLite the write transaction already serialises them)."""
    active = session.execute(
        select(ApiToken.id)
        .where(col(ApiToken.role) == Role.admin.value, col(ApiToken.revoked_at).is_(None))
        .with_for_update()
    ).scalars()
    if set(active) <= {row.id}:
        raise LastAdminToken(
            f"token {row.id} ({row.name!r}) is the last active admin token: create another admin token first",
            errors=[{"loc": ["path", "token_id"], "msg": "the last active admin token"}],
        )


# --- authentication ----------------------------------------------------------------------------------------


# An API token's row, the data's version and the reference data's version in one statement: one round trip for
# the check of every request, sent straight to the driver (app/core/direct.py; through Core it cost 118-131 µs of
# CPU per request on PostgreSQL, 17 on SQLite). Its values come as the driver gives them; only the token's id and
# whether it is revoked are looked at, besides its name, role and department (text).
_TOKEN_AND_VERSION = Statement(
    "SELECT (SELECT CAST(SUM(version) AS BIGINT) FROM data_version) AS data_version, "
    "(SELECT version FROM reference_version WHERE id = 1) AS reference_version, t.id, t.name, t.role, "
    "t.department_code, t.revoked_at FROM (SELECT 1 AS one) AS one LEFT JOIN api_token t ON t.token_hash = {}"
)


def authenticate(session: Session, authorization: str | None) -> Principal | None:
    """The principal of an Authorization header; None when there is none; 401 when it is not valid."""
    return authenticate_with_version(session, authorization)[0]


def authenticate_with_version(
    session: Session, authorization: str | None
) -> tuple[Principal | None, int | None, int | None]:
    """The principal of an Authorization header (None when there is none; 401 when it is not valid), the data's
    current version (app/core/read_cache.py) and, with an API token, the reference data's version
    (app/services/reference.py; else None), read in the same statement as an API token's row."""
    if not authorization:
        return None, read_cache.data_version(session), None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use an Authorization: Bearer <token> header")
    settings = get_settings()
    if token.count(".") == 2 and not token.startswith(TOKEN_PREFIX):
        if not settings.oidc_issuer:
            raise Unauthorized("OIDC tokens are not accepted here (no issuer configured)")
        return principal_from_jwt(token, settings), read_cache.data_version(session), None
    [(version, reference, token_id, name, role, department, revoked_at)] = _TOKEN_AND_VERSION(
        session.connection(), hash_token(token)
    )
    if token_id is None or revoked_at is not None:
        raise Unauthorized("the token is unknown or revoked")
    principal = Principal(actor=name, role=role, department=department, source="token", id=f"token:{token_id}")
    return principal, version, reference


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600)


def _signing_key(token: str, settings: Settings):
    if settings.oidc_jwks:
        keys = jwt.PyJWKSet.from_dict(json.loads(settings.oidc_jwks))
        kid = jwt.get_unverified_header(token).get("kid")
        for key in keys.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise Unauthorized("the token is signed with an unknown key")
    if not settings.oidc_jwks_url:
        raise Unauthorized("no JWKS configured to verify the token")
    return _jwks_client(settings.oidc_jwks_url).get_signing_key_from_jwt(token).key


def principal_from_jwt(token: str, settings: Settings) -> Principal:
    try:
        key = _signing_key(token, settings)
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
            leeway=30,
        )
    except Unauthorized:
        raise
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from None
    return principal_from_claims(claims, settings)


def principal_from_claims(claims: dict, settings: Settings) -> Principal:
    """The role and department verified OIDC claims give through OIDC_ROLE_MAP (the strongest role wins), and the
    actor the audit log names: the API's bearer tokens and the web's sign-in with Microsoft both map here. 403 when
    no claim value maps to a role of the registry."""
    granted: list[tuple[Role, str | None]] = []
    values = []
    for claim in (settings.oidc_role_claim, settings.oidc_group_claim):
        value = claims.get(claim) or []
        values += value if isinstance(value, list) else [value]
    for value in values:
        mapped = settings.oidc_role_map.get(str(value))
        if mapped:
            role, _, department = mapped.partition(":")
            granted.append((Role(role), department or None))
    if not granted:
        raise Forbidden("the token carries no role of this registry (see OIDC_ROLE_MAP)")
    role, department = min(granted, key=lambda g: ROLE_ORDER.index(g[0]))
    actor = claims.get("preferred_username") or claims.get("upn") or claims["sub"]
    return Principal(
        actor=f"oidc:{actor}", role=role.value, department=department, source="oidc", id=f"oidc:{claims['sub']}"
    )


# --- permissions -------------------------------------------------------------------------------------------


def require(*roles: Role | str) -> None:
    """The current principal must have one of these roles (403 otherwise; 401 when nobody is signed in)."""
    principal = current().principal
    if principal.role == "anonymous":
        raise Unauthorized("this needs a token")
    if principal.role not in {str(r) for r in roles}:
        raise Forbidden(f"a {principal.role} may not do this")


def require_department(department: str, *, what: str = "this intervention") -> None:
    """Admins may change anything; an editor only what belongs to their own department."""
    principal = current().principal
    require(Role.admin, Role.editor)
    if principal.role == Role.editor and principal.department != department:
        raise Forbidden(f"{what} belongs to {department}; an editor of {principal.department} may not change it")
