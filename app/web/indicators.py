"""The results framework's indicators in the browser (/rapport/indikatorer): every indicator with its theme,
direction, unit and likely source, active or retired, and the framework version; an admin adds one, edits its
direction, unit and source, and retires or reactivates it. The same models and services as POST and PATCH
/api/v1/indicators; a refused form shows the Danish message beside the field and keeps what was typed."""

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.deps import SessionDep
from app.errors import AppError, Forbidden, Unauthorized
from app.models.framework import IndicatorCreate
from app.models.observation import IndicatorUpdate
from app.models.reference import IndicatorPublic
from app.services import framework, reference
from app.services.observations import load_indicator
from app.web.common import FormDep, UserDep, WebRoute, check_form_token, error_page, redirect, render
from app.web.messages import field_errors

router = APIRouter(route_class=WebRoute, include_in_schema=False)
IndicatorNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]

NOT_ALLOWED = "Kun administratorer kan ændre resultatrammen."
FIELDS = ("theme", "name", "higher_is_better", "unit", "likely_source")
LABELS = {
    "theme": "Tema",
    "name": "Navn",
    "higher_is_better": "Retning",
    "unit": "Enhed",
    "likely_source": "Kilde",
    "active": "Aktiv",
}
SOURCE_LABELS = {"survey": "Borgerundersøgelse", "register": "Registerdata"}
DIRECTION_LABELS = {"true": "Højere er bedre", "false": "Lavere er bedre"}
NOTICES = {
    "ny": "Indikator {nr} er tilføjet resultatrammen.",
    "gemt": "Indikator {nr} er ændret.",
    "udfaset": "Indikator {nr} er udfaset: den beholder sine tal, men er ikke med i nye rapporter.",
    "genaktiveret": "Indikator {nr} er aktiv igen.",
}


@dataclass
class IndicatorForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def label(key: str) -> str:
        return LABELS.get(key, "Formularen") if key else "Formularen"


def _refused(request: Request) -> Response | None:
    try:
        framework.require_framework_right()
    except (Forbidden, Unauthorized):
        return error_page(request, 403, NOT_ALLOWED)
    return None


def _from_post(posted: Any, names: tuple[str, ...]) -> IndicatorForm:
    return IndicatorForm(values={name: str(posted.get(name) or "")[:2000] for name in names})


def _payload(form: IndicatorForm) -> dict[str, Any]:
    """The API's request body: the direction as a boolean (left out when not chosen: "Skal udfyldes"), a blank
    unit as null."""
    body: dict[str, Any] = {}
    for name, text in form.values.items():
        text = text.strip()
        if name == "higher_is_better":
            if text in DIRECTION_LABELS:
                body[name] = text == "true"
        elif name == "unit":
            body[name] = text or None
        elif text or name == "name":
            body[name] = text
    return body


def _choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    return {
        "theme": [(t.code, f"{t.code} {t.name}") for t in reference.list_themes(session)],
        "likely_source": list(SOURCE_LABELS.items()),
        "higher_is_better": list(DIRECTION_LABELS.items()),
    }


def _list_page(
    request: Request, session: Session, form: IndicatorForm | None = None, status_code: int = 200, notice: str = ""
) -> Response:
    themes = {t.code: t.name for t in reference.list_themes(session)}
    return render(
        request,
        "indicators.html",
        status_code=status_code,
        title="Resultatrammens indikatorer",
        active="report",
        indicators=reference.list_indicators(session),
        themes=themes,
        version=framework.framework_version(session),
        form=form or IndicatorForm(values={**dict.fromkeys(FIELDS, ""), "likely_source": "survey"}),
        choices=_choices(session),
        source_labels=SOURCE_LABELS,
        notice=notice,
    )


@router.get("/rapport/indikatorer", name="web_indicators")
def indicators_page(request: Request, session: SessionDep, user: UserDep, besked: str = "", nr: int = 0) -> Response:
    notice = NOTICES[besked].format(nr=nr) if besked in NOTICES else ""
    return _list_page(request, session, notice=notice)


@router.post("/rapport/indikatorer", name="web_indicator_create")
def create_indicator(request: Request, session: SessionDep, user: UserDep, posted: FormDep) -> Response:
    check_form_token(request, user, posted)
    if refused := _refused(request):
        return refused
    form = _from_post(posted, FIELDS)
    try:
        created = framework.create_indicator(session, IndicatorCreate.model_validate(_payload(form)))
    except ValidationError as exc:
        form.errors = field_errors(exc, FIELDS)
    except AppError as exc:
        if not exc.errors:
            raise
        session.rollback()
        form.errors = field_errors(exc, FIELDS)
    else:
        return redirect(f"/rapport/indikatorer?besked=ny&nr={created.number}#indikator-{created.number}")
    return _list_page(request, session, form, 422)


def _edit_form(item: IndicatorPublic) -> IndicatorForm:
    return IndicatorForm(
        values={
            "higher_is_better": "true" if item.higher_is_better else "false",
            "unit": item.unit or "",
            "likely_source": item.likely_source,
        }
    )


def _edit_page(
    request: Request, session: Session, item: IndicatorPublic, form: IndicatorForm, status_code: int = 200
) -> Response:
    themes = {t.code: t.name for t in reference.list_themes(session)}
    return render(
        request,
        "indicator_form.html",
        status_code=status_code,
        title=f"Redigér indikator {item.number}",
        active="report",
        item=item,
        theme_name=themes.get(item.theme, item.theme),
        form=form,
        choices=_choices(session),
        source_labels=SOURCE_LABELS,
    )


def _indicator(session: Session, number: int) -> IndicatorPublic:
    row = load_indicator(session, number)
    return next(i for i in reference.list_indicators(session) if i.number == row.number)


@router.get("/rapport/indikatorer/{number}", name="web_indicator_edit")
def edit_indicator(request: Request, session: SessionDep, user: UserDep, number: IndicatorNumber) -> Response:
    if refused := _refused(request):
        return refused
    item = _indicator(session, number)
    return _edit_page(request, session, item, _edit_form(item))


@router.post("/rapport/indikatorer/{number}", name="web_indicator_update")
def update_indicator(
    request: Request, session: SessionDep, user: UserDep, number: IndicatorNumber, posted: FormDep
) -> Response:
    check_form_token(request, user, posted)
    if refused := _refused(request):
        return refused
    item = _indicator(session, number)
    form = _from_post(posted, ("higher_is_better", "unit", "likely_source"))
    try:
        framework.update_indicator(session, number, IndicatorUpdate.model_validate(_payload(form)))
    except ValidationError as exc:
        form.errors = field_errors(exc, form.values.keys())
    except AppError as exc:
        if not exc.errors:
            raise
        session.rollback()
        form.errors = field_errors(exc, form.values.keys())
    else:
        return redirect(f"/rapport/indikatorer?besked=gemt&nr={number}#indikator-{number}")
    return _edit_page(request, session, item, form, 422)


@router.post("/rapport/indikatorer/{number}/status", name="web_indicator_status")
def set_indicator_status(
    request: Request, session: SessionDep, user: UserDep, number: IndicatorNumber, posted: FormDep
) -> Response:
    """Retire (active=false) or reactivate (active=true) an indicator."""
    check_form_token(request, user, posted)
    if refused := _refused(request):
        return refused
    active = posted.get("active") == "true"
    framework.update_indicator(session, number, IndicatorUpdate(active=active))
    notice = "genaktiveret" if active else "udfaset"
    return redirect(f"/rapport/indikatorer?besked={notice}&nr={number}#indikator-{number}")
