"""The report's rounds in the browser (/rapport/runder): every survey round and register year with its figures, and
for the Social balance unit (an admin, or an editor of SOB) a form to add one or change it, with the respondents
and population per area. The same models and services as POST/PATCH /api/v1/rounds; a refused form shows the
Danish message beside the field and keeps what was typed."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.deps import SessionDep
from app.errors import AppError, Conflict, Forbidden, Unauthorized
from app.models.survey_round import ROUND_KIND_LABELS, RoundCreate, RoundPublic, RoundUpdate
from app.services import reference, survey_rounds
from app.web.common import FormDep, UserDep, WebRoute, check_form_token, error_page, redirect, render
from app.web.messages import field_errors

router = APIRouter(route_class=WebRoute, include_in_schema=False)
RoundCode = Annotated[str, Path(max_length=40)]

NOT_ALLOWED = "Kun administratorer og redaktører for Social balance-enheden (SOB) kan oprette og ændre runder."
TEXTS = ("code", "name", "kind", "year", "collected", "source", "note")
LABELS = {
    "code": "Kode",
    "name": "Navn",
    "kind": "Slags",
    "year": "År",
    "collected": "Indsamlet",
    "source": "Kilde",
    "note": "Note",
    "respondents": "besvarelser",
    "population": "befolkningstal",
}
# Where the shared messages (app/web/messages.py) do not say it for a round.
TAKEN = {
    "code": "Koden bruges allerede af en anden runde",
    "year": "Der er allerede en runde af den slags i det år",
}
CODE_MESSAGE = "Skriv en kode med små bogstaver, tal og bindestreg, fx bu-2027"
NOTICES = {"ny": "Runden er oprettet.", "gemt": "Ændringerne er gemt."}
_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")


@dataclass
class RoundForm:
    values: dict[str, Any] = field(default_factory=dict)  # as typed: the scalars and "weights-<area>-<count>"
    errors: dict[str, str] = field(default_factory=dict)

    def label(self, key: str) -> str:
        """ "weights-hoeje-gladsaxe-population" → "Høje Gladsaxe, befolkningstal"."""
        if key.startswith("weights-") and key.count("-") >= 2:
            slug, count = key.removeprefix("weights-").rsplit("-", 1)
            return f"{self.area_names.get(slug, slug)}, {LABELS.get(count, count)}"
        return LABELS.get(key, "Formularen") if key else "Formularen"

    area_names: dict[str, str] = field(default_factory=dict)


def _areas(session: Session) -> list[tuple[str, str]]:
    return [(a.slug, a.name) for a in reference.list_areas(session)]


def _refused(request: Request) -> Response | None:
    try:
        survey_rounds.require_round_right()
    except (Forbidden, Unauthorized):
        return error_page(request, 403, NOT_ALLOWED)
    return None


def _count(text: str) -> str | None:
    """A number of people as typed ("7.300", "7300") for the schema; None when empty."""
    text = text.replace(" ", "").replace("\u00a0", "").strip()
    if _THOUSANDS.fullmatch(text):
        text = text.replace(".", "")
    return text or None


def _from_post(posted: Any, areas: list[tuple[str, str]]) -> RoundForm:
    form = RoundForm(area_names=dict(areas))
    for name in TEXTS:
        form.values[name] = str(posted.get(name) or "")[:2000]
    for slug, _name in areas:
        for count in ("respondents", "population"):
            form.values[f"weights-{slug}-{count}"] = str(posted.get(f"weights-{slug}-{count}") or "")[:50]
    return form


def _from_round(item: RoundPublic, areas: list[tuple[str, str]]) -> RoundForm:
    form = RoundForm(area_names=dict(areas))
    form.values = {name: "" if getattr(item, name) is None else str(getattr(item, name)) for name in TEXTS}
    form.values["kind"] = item.kind.value
    for w in item.weights:
        for count in ("respondents", "population"):
            value = getattr(w, count)
            form.values[f"weights-{w.area}-{count}"] = "" if value is None else str(value)
    return form


def _payload(form: RoundForm, areas: list[tuple[str, str]], names: tuple[str, ...]) -> tuple[dict, list[str]]:
    """The API's request body from the form (blank optional texts as null), and the areas in `weights` in order
    (an error's loc names the weight by its place in that list)."""
    body: dict[str, Any] = {}
    for name in names:
        text = form.values[name].strip()
        if name in ("collected", "source", "note"):
            body[name] = text or None
        elif text or name != "year":  # a blank year is left out ("Skal udfyldes", not "Skriv et helt tal")
            body[name] = text
    weights, sent = [], []
    for slug, _name in areas:
        counts = {c: _count(form.values[f"weights-{slug}-{c}"]) for c in ("respondents", "population")}
        if any(v is not None for v in counts.values()):
            weights.append({"area": slug, **counts})
            sent.append(slug)
    body["weights"] = weights
    return body, sent


def _errors(exc: ValidationError | AppError, form: RoundForm, sent: list[str]) -> dict[str, str]:
    keys = [*TEXTS, *(f"weights-{i}-{c}" for i in range(len(sent)) for c in ("respondents", "population"))]
    found = {}
    for key, message in field_errors(exc, keys).items():
        parts = key.split("-")
        if parts[0] == "weights" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(sent):
            key = f"weights-{sent[int(parts[1])]}-{parts[2]}"
        if isinstance(exc, Conflict) and key in TAKEN:
            message = TAKEN[key]
        elif key == "code" and message == "Er ikke skrevet, som det skal være":
            message = CODE_MESSAGE
        found[key] = message
    return found


def _form_page(
    request: Request,
    session: Session,
    form: RoundForm,
    areas: list[tuple[str, str]],
    item: RoundPublic | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "round_form.html",
        status_code=status_code,
        title=f"Redigér runden {item.name}" if item else "Ny runde",
        active="report",
        form=form,
        item=item,
        areas=areas,
        kinds=list(ROUND_KIND_LABELS.items()),
        action=f"/rapport/runder/{item.code}/rediger" if item else "/rapport/runder/ny",
    )


def _saved(session: Session, form: RoundForm, sent: list[str], save: Callable[[], object]) -> bool:
    """Run the service's save; a refusal that names fields becomes the form's Danish messages (False)."""
    try:
        save()
    except ValidationError as exc:
        form.errors = _errors(exc, form, sent)
    except AppError as exc:
        if not exc.errors:
            raise
        session.rollback()
        form.errors = _errors(exc, form, sent)
    else:
        return True
    return False


@router.get("/rapport/runder", name="web_rounds")
def rounds_page(request: Request, session: SessionDep, user: UserDep, besked: str = "") -> Response:
    return render(
        request,
        "rounds.html",
        title="Runder og registerår",
        active="report",
        rounds=survey_rounds.list_rounds(session).items,
        area_names=dict(_areas(session)),
        notice=NOTICES.get(besked),
    )


@router.get("/rapport/runder/ny", name="web_round_new")
def new_round(request: Request, session: SessionDep, user: UserDep) -> Response:
    if refused := _refused(request):
        return refused
    areas = _areas(session)
    form = RoundForm(area_names=dict(areas), values={**dict.fromkeys(TEXTS, ""), "kind": "survey"})
    form.values.update({f"weights-{s}-{c}": "" for s, _n in areas for c in ("respondents", "population")})
    return _form_page(request, session, form, areas)


@router.post("/rapport/runder/ny", name="web_round_create")
def create_round(request: Request, session: SessionDep, user: UserDep, posted: FormDep) -> Response:
    check_form_token(request, user, posted)
    if refused := _refused(request):
        return refused
    areas = _areas(session)
    form = _from_post(posted, areas)
    body, sent = _payload(form, areas, TEXTS)
    if _saved(session, form, sent, lambda: survey_rounds.create_round(session, RoundCreate.model_validate(body))):
        return redirect("/rapport/runder?besked=ny")
    return _form_page(request, session, form, areas, status_code=422)


@router.get("/rapport/runder/{code}/rediger", name="web_round_edit")
def edit_round(request: Request, session: SessionDep, user: UserDep, code: RoundCode) -> Response:
    if refused := _refused(request):
        return refused
    item = survey_rounds.get_round(session, code)
    areas = _areas(session)
    return _form_page(request, session, _from_round(item, areas), areas, item)


@router.post("/rapport/runder/{code}/rediger", name="web_round_update")
def update_round(request: Request, session: SessionDep, user: UserDep, code: RoundCode, posted: FormDep) -> Response:
    check_form_token(request, user, posted)
    if refused := _refused(request):
        return refused
    item = survey_rounds.get_round(session, code)
    areas = _areas(session)
    form = _from_post(posted, areas)
    form.values.update(code=item.code, kind=item.kind.value, year=str(item.year))
    body, sent = _payload(form, areas, ("name", "collected", "source", "note"))
    if _saved(session, form, sent, lambda: survey_rounds.update_round(session, code, RoundUpdate.model_validate(body))):
        return redirect("/rapport/runder?besked=gemt")
    return _form_page(request, session, form, areas, item, status_code=422)
