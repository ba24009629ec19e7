"""The pool manager's work in the browser: an editor applies for its own interventions, the pool manager grants
(possibly less), rejects, asks for changes or releases, with the decision body, meeting date and reason; the
applicant resubmits. Plain HTML forms (no JavaScript), each posting to a page route that calls the same service
function as the API and turns its error into a Danish message beside the field."""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request, Response
from pydantic import ValidationError
from sqlmodel import Session
from starlette.responses import RedirectResponse

from app.deps import SessionDep
from app.errors import AppError, Forbidden, GrantRefused, Unauthorized
from app.models.auth import Role
from app.models.pool import AllocationCreate, AllocationStatus, AllocationUpdate
from app.services import allocations, pools, reference
from app.services.auth import require
from app.services.pool_decisions import MANAGER_ROLES
from app.web.common import ALLOCATION_STATUS_LABELS, UserDep, WebRoute, check_csrf_token, kr, render
from app.web.filters import Form as FormState

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PoolId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AllocationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Field = Annotated[str, Form(max_length=5_000)]

# The Danish message beside each field (a shared mapping, app/web/messages.py, may take these over).
MESSAGES = {
    "intervention_id": "Vælg den indsats, der søges penge til.",
    "amount": "Skriv et beløb i kroner større end 0, fx 12.500,00.",
    "reason": "Skriv en begrundelse for afgørelsen.",
    "status": "Vælg en afgørelse.",
    "period_start": "Skriv en gyldig dato.",
    "period_end": "Perioden skal slutte samme dag eller efter den begynder.",
    "meeting_date": "Skriv mødets dato.",
    "indicators": "Skriv indikatornumre fra 1 til 19, adskilt af komma.",
    "decision_body": "Skriv højst 200 tegn.",
    "note": "Teksten er for lang.",
    "expected_effect": "Teksten er for lang.",
}
NOTICES = {
    "ansoegt": "Ansøgningen er sendt til puljeforvalteren.",
    "granted": "Bevillingen er registreret, og puljens saldo er opdateret.",
    "rejected": "Afslaget er registreret.",
    "changes_requested": "Ansøgeren er bedt om at ændre ansøgningen.",
    "released": "Frigivelsen er registreret, og puljens saldo er opdateret.",
    "requested": "Ansøgningen er sendt igen.",
    "anchored": "Prøvehandlingen er forankret i kernedriften, og indsatsens status er nu forankret.",
}
DECISION_CHOICES = [
    (AllocationStatus.granted.value, "Bevil"),
    (AllocationStatus.changes_requested.value, "Bed om ændringer"),
    (AllocationStatus.rejected.value, "Afvis"),
]


def _money(text: str) -> str | None:
    """ "12.500,50 kr." → "12500.50"; Danish or plain decimals; None when empty."""
    text = text.replace("kr.", "").replace(" ", "").replace("\u00a0", "").strip()
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        Decimal(text)
    except InvalidOperation:
        return "x"  # refused by the schema, with the amount's message
    return text


def _indicators(text: str) -> list[str] | None:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    return parts or None


def _blank(value: str) -> str | None:
    return value.strip() or None


def _errors_of(exc: ValidationError | AppError, form: FormState, pool_id: int) -> None:
    """A schema's or a service's errors as Danish messages beside the fields they name."""
    if isinstance(exc, GrantRefused):
        form.errors["amount"] = f"Der er kun {kr(Decimal(exc.extra['remaining']))} kr. tilbage i puljen."
        return
    errors = exc.errors() if isinstance(exc, ValidationError) else (exc.errors or [])
    for error in errors:
        names = [p for p in error.get("loc", []) if isinstance(p, str) and p != "body"]
        name = names[0] if names else ""
        form.errors[name] = MESSAGES.get(name, "Værdien kan ikke bruges.")
    if not errors and isinstance(exc, AppError):
        form.errors[""] = exc.detail


def _refused(exc: ValidationError | AppError, session: Session, form: FormState, pool_id: int) -> int:
    """A refused post: an error that names no field goes on as it is; otherwise the transaction is rolled back,
    the messages are put beside the fields and the page's status code (409 for a grant beyond the pool) returned."""
    if isinstance(exc, AppError) and not exc.errors:
        raise exc
    session.rollback()
    _errors_of(exc, form, pool_id)
    return 409 if isinstance(exc, GrantRefused) else 422


def _may(*roles: Role) -> bool:
    try:
        require(*roles)
    except (Forbidden, Unauthorized):
        return False
    return True


def require_manager() -> None:
    """The pools router's rule (admin or pool manager), for the pages' forms and posts: 403 otherwise."""
    require(*MANAGER_ROLES)


def funding_choices(session: Session) -> list[tuple[str, str]]:
    return [(f.code, f"{f.name} ({f.code})") for f in reference.list_funding_sources(session)]


def _done(pool_id: int, allocation_id: int, notice: str) -> Response:
    return RedirectResponse(f"/puljer/{pool_id}/bevillinger/{allocation_id}?besked={notice}", status_code=303)


# --- applying ----------------------------------------------------------------------------------------------


def _apply_page(request: Request, session: Session, pool_id: int, form: FormState, status_code: int = 200):
    pool = pools.get_pool(session, pool_id)
    choices = allocations.applicable_interventions(session)
    if not choices:
        raise Forbidden(
            "Du kan ikke søge puljen: kun en redaktør (for sin egen forvaltnings indsatser) eller en "
            "puljeforvalter kan."
        )
    return render(
        request,
        "pool_apply.html",
        status_code=status_code,
        title=f"Ansøg: {pool.name}",
        pool=pool,
        form=form,
        choices=choices,
    )


@router.get("/puljer/{pool_id}/ansoeg", name="web_pool_apply")
def apply_page(request: Request, session: SessionDep, user: UserDep, pool_id: PoolId) -> Response:
    return _apply_page(request, session, pool_id, FormState())


@router.post("/puljer/{pool_id}/ansoeg", name="web_pool_apply_post")
def apply_post(
    request: Request,
    session: SessionDep,
    user: UserDep,
    pool_id: PoolId,
    csrf_token: Field = "",
    intervention_id: Field = "",
    amount: Field = "",
    note: Field = "",
    period_start: Field = "",
    period_end: Field = "",
    expected_effect: Field = "",
    indicators: Field = "",
) -> Response:
    check_csrf_token(request, user, csrf_token)
    values = locals().copy()
    form = FormState(values={k: values[k] for k in MESSAGES if k in values})
    try:
        body = AllocationCreate(
            intervention_id=intervention_id or None,
            amount=_money(amount),
            note=_blank(note),
            period_start=_blank(period_start),
            period_end=_blank(period_end),
            expected_effect=_blank(expected_effect),
            indicators=_indicators(indicators),
        )
        created = allocations.create_allocation(session, pool_id, body)
    except (ValidationError, AppError) as exc:
        code = _refused(exc, session, form, pool_id)
        return _apply_page(request, session, pool_id, form, code)
    return _done(pool_id, created.id, "ansoegt")


# --- one allocation: its page, the decision, the release, the resubmission ---------------------------------


def _allocation_page(
    request: Request,
    session: Session,
    pool_id: int,
    allocation_id: int,
    forms: dict[str, FormState] | None = None,
    status_code: int = 200,
) -> Response:
    pool = pools.get_pool(session, pool_id)
    allocation = allocations.get_allocation(session, pool_id, allocation_id)
    name = pools.intervention_names(session, [allocation.intervention_id]).get(allocation.intervention_id, "")
    forms = forms or {}
    manager = _may(*MANAGER_ROLES)
    applicant = any(iid == allocation.intervention_id for iid, _ in allocations.applicable_interventions(session))
    status = allocation.status
    decide = forms.get("decide") or FormState(values={"amount": kr(allocation.requested), "status": "granted"})
    resubmit = forms.get("resubmit") or FormState(
        values={"amount": kr(allocation.requested), "note": allocation.note or ""}
    )
    anchorable = status in (AllocationStatus.granted, AllocationStatus.released) and allocation.anchored_at is None
    anchorable = manager and (anchorable or "anchor" in forms)  # a refused anchoring shows its reason
    anchor = forms.get("anchor") or FormState(values={"from_year": str(pool.year + 1)})
    return render(
        request,
        "pool_allocation.html",
        status_code=status_code,
        title=f"Ansøgning {allocation.id}: {name}",
        pool=pool,
        allocation=allocation,
        intervention_name=name,
        status_label=ALLOCATION_STATUS_LABELS[status],
        notice=NOTICES.get(request.query_params.get("besked", "")),
        decide=decide if manager and status is AllocationStatus.requested else None,
        release=(forms.get("release") or FormState()) if manager and status is AllocationStatus.granted else None,
        resubmit=resubmit if applicant and status is AllocationStatus.changes_requested else None,
        decision_choices=DECISION_CHOICES,
        anchor=anchor if anchorable else None,
        funding_choices=funding_choices(session) if anchorable else [],
    )


@router.get("/puljer/{pool_id}/bevillinger/{allocation_id}", name="web_allocation")
def allocation_page(
    request: Request, session: SessionDep, user: UserDep, pool_id: PoolId, allocation_id: AllocationId
) -> Response:
    return _allocation_page(request, session, pool_id, allocation_id)


def _transition(
    request: Request, session: Session, pool_id: int, allocation_id: int, which: str, form: FormState, **body: Any
) -> Response:
    """One PATCH of the allocation through the service; its error shown beside the fields of form `which`."""
    try:
        data = AllocationUpdate(**{k: v for k, v in body.items() if v is not None})
        allocations.update_allocation(session, pool_id, allocation_id, data)
    except (ValidationError, AppError) as exc:
        code = _refused(exc, session, form, pool_id)
        return _allocation_page(request, session, pool_id, allocation_id, {which: form}, code)
    return _done(pool_id, allocation_id, body["status"])


@router.post("/puljer/{pool_id}/bevillinger/{allocation_id}/afgoerelse", name="web_allocation_decide")
def decide_post(
    request: Request,
    session: SessionDep,
    user: UserDep,
    pool_id: PoolId,
    allocation_id: AllocationId,
    csrf_token: Field = "",
    status: Field = "",
    amount: Field = "",
    decision_body: Field = "",
    meeting_date: Field = "",
    reason: Field = "",
) -> Response:
    check_csrf_token(request, user, csrf_token)
    form = FormState(
        values={
            "status": status,
            "amount": amount,
            "decision_body": decision_body,
            "meeting_date": meeting_date,
            "reason": reason,
        }
    )
    granted = status == AllocationStatus.granted.value
    return _transition(
        request,
        session,
        pool_id,
        allocation_id,
        "decide",
        form,
        status=status or None,
        amount=_money(amount) if granted else None,
        decision_body=_blank(decision_body),
        meeting_date=_blank(meeting_date),
        reason=_blank(reason),
    )


def _with_amount(
    request: Request,
    session: Session,
    user: Any,
    ids: tuple[int, int],
    csrf_token: str,
    which: str,
    status: AllocationStatus,
    amount: str,
    **text: str,
) -> Response:
    """A release or a resubmission: a fixed status, an amount and one free text, the form kept as typed."""
    check_csrf_token(request, user, csrf_token)
    form = FormState(values={"amount": amount, **text})
    blanks = {name: _blank(value) for name, value in text.items()}
    return _transition(request, session, *ids, which, form, status=status.value, amount=_money(amount), **blanks)


@router.post("/puljer/{pool_id}/bevillinger/{allocation_id}/frigivelse", name="web_allocation_release")
def release_post(
    request: Request,
    session: SessionDep,
    user: UserDep,
    pool_id: PoolId,
    allocation_id: AllocationId,
    csrf_token: Field = "",
    amount: Field = "",
    reason: Field = "",
) -> Response:
    ids = (pool_id, allocation_id)
    return _with_amount(
        request, session, user, ids, csrf_token, "release", AllocationStatus.released, amount, reason=reason
    )


@router.post("/puljer/{pool_id}/bevillinger/{allocation_id}/genindsend", name="web_allocation_resubmit")
def resubmit_post(
    request: Request,
    session: SessionDep,
    user: UserDep,
    pool_id: PoolId,
    allocation_id: AllocationId,
    csrf_token: Field = "",
    amount: Field = "",
    note: Field = "",
) -> Response:
    ids = (pool_id, allocation_id)
    return _with_amount(
        request, session, user, ids, csrf_token, "resubmit", AllocationStatus.requested, amount, note=note
    )
