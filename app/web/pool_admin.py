"""The pool manager's other work in the browser: creating a pool (on /puljer), changing its name, amount and notes,
and anchoring a granted trial action in the core operation (on the allocation's page). Plain HTML forms, each
posting to a page route that calls the same service function as the API (POST /api/v1/pools, PATCH
/api/v1/pools/{id}, POST …/allocations/{id}/anchoring) under the same permission rule, and turns its refusal
into Danish messages beside the fields, with what was typed kept."""

from decimal import Decimal

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.deps import SessionDep
from app.errors import AppError, Conflict
from app.models.pool import AnchoringCreate, PoolCreate, PoolUpdate
from app.services import allocations, pools
from app.web.common import FormDep, UserDep, WebRoute, check_form_token, kr, redirect, render
from app.web.filters import Form
from app.web.messages import field_errors
from app.web.pool_forms import AllocationId, PoolId, _allocation_page, _blank, _money, require_manager
from app.web.pools import pools_listing

router = APIRouter(route_class=WebRoute, include_in_schema=False)

POOL_FIELDS = ("name", "year", "amount", "funding_source", "department", "notes")
EDIT_FIELDS = ("name", "amount", "notes")
ANCHOR_FIELDS = ("funding_source", "from_year", "decision_body", "meeting_date", "reason")
# Where a field says it better than the shared messages (app/web/messages.py).
ANCHOR_MESSAGES = {
    "funding_source": "Vælg den finansieringskilde, der betaler fremover.",
    "from_year": "Skriv det første år, den nye finansieringskilde betaler, fx 2027.",
    "reason": "Skriv en begrundelse for forankringen.",
    "meeting_date": "Skriv mødets dato.",
}


def _values(form, names) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in names}


def _given(**values: str | None) -> dict[str, str]:
    """The fields filled in: an empty one is left out, so that the schema names a required one as missing and
    gives an optional one its default."""
    return {name: value for name, value in values.items() if value}


def _refused(session: Session, exc: ValidationError | AppError, form: Form, messages: dict[str, str]) -> int:
    """The refusal's messages beside the fields (an error of no field at the top); nothing was written."""
    if isinstance(exc, AppError) and not exc.errors:
        raise exc
    session.rollback()
    form.errors.update(field_errors(exc, form.values.keys()))
    for name in form.errors.keys() & messages.keys():
        form.errors[name] = messages[name]
    return exc.status if isinstance(exc, AppError) else 422


# --- creating a pool (on /puljer) -----------------------------------------------------------------------------


@router.post("/puljer", name="web_pool_create")
def create_pool_post(request: Request, session: SessionDep, user: UserDep, posted: FormDep) -> Response:
    check_form_token(request, user, posted)
    require_manager()
    form = Form(values=_values(posted, POOL_FIELDS))
    values = form.values
    try:
        body = PoolCreate(
            **_given(
                name=values["name"].strip(),
                year=values["year"].strip(),
                amount=_money(values["amount"]),
                funding_source=values["funding_source"],
                department=values["department"],
                notes=_blank(values["notes"]),
            )
        )
        created = pools.create_pool(session, body)
    except (ValidationError, AppError) as exc:
        code = _refused(session, exc, form, {})
        return pools_listing(request, session, new=form, status_code=code)
    return redirect(f"/puljer/{created.id}?besked=oprettet")


# --- changing a pool ------------------------------------------------------------------------------------------


def _edit_page(request: Request, session: Session, pool_id: int, form: Form | None = None, status_code: int = 200):
    require_manager()
    pool = pools.get_pool(session, pool_id)
    form = form or Form(values={"name": pool.name, "amount": kr(pool.amount), "notes": pool.notes or ""})
    return render(
        request,
        "pool_edit.html",
        status_code=status_code,
        title=f"Redigér: {pool.name}",
        pool=pool,
        form=form,
    )


@router.get("/puljer/{pool_id}/rediger", name="web_pool_edit")
def edit_pool_page(request: Request, session: SessionDep, user: UserDep, pool_id: PoolId) -> Response:
    return _edit_page(request, session, pool_id)


@router.post("/puljer/{pool_id}/rediger", name="web_pool_edit_post")
def edit_pool_post(request: Request, session: SessionDep, user: UserDep, pool_id: PoolId, posted: FormDep) -> Response:
    check_form_token(request, user, posted)
    require_manager()
    form = Form(values=_values(posted, EDIT_FIELDS))
    try:
        body = PoolUpdate(
            name=form.values["name"].strip(),
            amount=_money(form.values["amount"]) or "",  # an emptied amount is refused, not left as it was
            notes=_blank(form.values["notes"]),
        )
        pools.update_pool(session, pool_id, body)
    except (ValidationError, AppError) as exc:
        messages = {}
        if isinstance(exc, Conflict) and "granted" in exc.extra:
            messages["amount"] = (
                f"Der er bevilget {kr(Decimal(exc.extra['granted']))} kr. af puljen: beløbet kan ikke være mindre "
                "(frigiv bevillinger først)."
            )
        code = _refused(session, exc, form, messages)
        return _edit_page(request, session, pool_id, form, code)
    return redirect(f"/puljer/{pool_id}?besked=gemt")


# --- anchoring a granted trial action (on the allocation's page) ------------------------------------------------


@router.post("/puljer/{pool_id}/bevillinger/{allocation_id}/forankring", name="web_allocation_anchor")
def anchor_post(
    request: Request, session: SessionDep, user: UserDep, pool_id: PoolId, allocation_id: AllocationId, posted: FormDep
) -> Response:
    check_form_token(request, user, posted)
    require_manager()
    form = Form(values=_values(posted, ANCHOR_FIELDS))
    values = form.values
    try:
        body = AnchoringCreate(
            **_given(
                funding_source=values["funding_source"],
                from_year=values["from_year"].strip(),
                decision_body=_blank(values["decision_body"]),
                meeting_date=_blank(values["meeting_date"]),
                reason=_blank(values["reason"]),
            )
        )
        allocations.anchor_allocation(session, pool_id, allocation_id, body)
    except (ValidationError, AppError) as exc:
        messages = dict(ANCHOR_MESSAGES)
        if isinstance(exc, Conflict):
            messages["funding_source"] = (
                "Indsatsen har allerede en budgetlinje med samme år, kategori og type under den finansieringskilde."
            )
            messages[""] = "Kun en bevilget prøvehandling kan forankres, og kun én gang."
        elif isinstance(exc, AppError):
            messages[""] = (
                "Indsatsens status kan ikke skifte til forankret: den skal have været i gang (status aktiv) først."
            )
        code = _refused(session, exc, form, messages)
        return _allocation_page(request, session, pool_id, allocation_id, {"anchor": form}, code)
    return redirect(f"/puljer/{pool_id}/bevillinger/{allocation_id}?besked=anchored")
