"""What the current request is: who sends it, its id, and the version it expects (If-Match).

Set once per request by the authentication dependency (app/deps.py), in the request's own context, and read by
the services that check permissions, write the audit log and honour If-Match, so that these rules sit in one
place each instead of threading three extra arguments through every service function. Outside a request (the
CLI, data migrations of the demo) the context is the local operator."""

from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    actor: str  # token name or OIDC subject: who the audit log names
    role: str  # admin | editor | pool_manager | reader | anonymous
    department: str | None = None  # an editor's department
    source: str = "token"  # token | oidc | cli | anonymous
    id: str | None = None  # a stable identity: token:<id>, oidc:<subject>, cli (what idempotency keys belong to)

    def is_(self, *roles: str) -> bool:
        return self.role in roles


@dataclass(frozen=True)
class RequestContext:
    principal: Principal
    request_id: str | None = None
    if_match: str | None = None
    # The data version read with the token check (app/core/read_cache.py); None outside a request.
    data_version: int | None = None
    # The reference data's version, read with an API token's check (app/services/reference.py); None otherwise.
    reference_version: int | None = None
    extra: dict = field(default_factory=dict)


OPERATOR = RequestContext(principal=Principal(actor="cli", role="admin", source="cli", id="cli"))
_current: ContextVar[RequestContext] = ContextVar("request_context", default=OPERATOR)


def current() -> RequestContext:
    return _current.get()


def set_current(context: RequestContext) -> None:
    _current.set(context)
