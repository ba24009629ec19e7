"""Survey rounds and register years: create, list, read, change. A round's weights (respondents and/or population
per area) derive the municipality as a whole where it is not measured (app/services/ambition.py)."""

from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from app.db import begin_write
from app.errors import Conflict, NotFound
from app.models.observation import IndicatorObservation
from app.models.survey_round import (
    ROUND_KIND_LABELS,
    MeasurementRound,
    RoundArea,
    RoundAreaWeights,
    RoundCreate,
    RoundList,
    RoundPublic,
    RoundUpdate,
)
from app.models.types import public_of, utcnow
from app.services import audit
from app.services.auth import require_department
from app.services.reference import CodeChecker

KIND_ORDER = {"survey": 0, "register": 1}


def _weights(session: Session, round_ids: Sequence[int]) -> dict[int, list[RoundAreaWeights]]:
    from app.models.reference import Area

    found: dict[int, list[RoundAreaWeights]] = {}
    stmt = (
        select(RoundArea)
        .join(Area, col(Area.slug) == col(RoundArea.area_slug))
        .where(col(RoundArea.round_id).in_(list(round_ids)))
        .order_by(col(Area.position))
    )
    for row in session.exec(stmt):
        found.setdefault(row.round_id, []).append(
            RoundAreaWeights(area=row.area_slug, respondents=row.respondents, population=row.population)
        )
    return found


def _counts(session: Session, round_ids: Sequence[int]) -> dict[int, int]:
    stmt = (
        select(IndicatorObservation.round_id, func.count())
        .where(col(IndicatorObservation.round_id).in_(list(round_ids)))
        .group_by(col(IndicatorObservation.round_id))
    )
    return dict(session.exec(stmt).all())


def _publics(session: Session, rows: Sequence[MeasurementRound]) -> list[RoundPublic]:
    ids = [r.id for r in rows]
    weights, counts = _weights(session, ids), _counts(session, ids)
    return [
        public_of(
            RoundPublic,
            r,
            kind_label=ROUND_KIND_LABELS[r.kind],
            weights=weights.get(r.id, []),
            observations=counts.get(r.id, 0),
        )
        for r in rows
    ]


def list_rounds(session: Session) -> RoundList:
    rows = sorted(session.exec(select(MeasurementRound)).all(), key=lambda r: (r.year, KIND_ORDER[r.kind], r.code))
    return RoundList(items=_publics(session, rows))


def load_round(session: Session, code: str) -> MeasurementRound:
    row = session.exec(select(MeasurementRound).where(MeasurementRound.code == code)).first()
    if row is None:
        raise NotFound(f"round {code!r} not found; GET /api/v1/rounds lists the rounds")
    return row


def get_round(session: Session, code: str) -> RoundPublic:
    return _publics(session, [load_round(session, code)])[0]


def _check_areas(checker: CodeChecker, areas: Sequence[RoundAreaWeights]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(areas):
        checker.check("area", item.area, ["body", "weights", i, "area"])
        if item.area in seen:
            checker.fail(["body", "weights", i, "area"], f"area {item.area} is named twice", "duplicate")
        seen.add(item.area)


def _replace_areas(session: Session, round_id: int, areas: Sequence[RoundAreaWeights]) -> None:
    session.execute(delete(RoundArea).where(col(RoundArea.round_id) == round_id))
    for item in areas:
        session.add(
            RoundArea(round_id=round_id, area_slug=item.area, respondents=item.respondents, population=item.population)
        )


def require_round_right() -> None:
    """Rounds are the Social balance unit's: an admin or an editor of SOB may add or change one."""
    require_department("SOB", what="survey rounds")


def create_round(session: Session, data: RoundCreate) -> RoundPublic:
    begin_write(session)
    require_round_right()
    checker = CodeChecker(session)
    _check_areas(checker, data.weights)
    checker.raise_if_any()
    for clash in session.exec(
        select(MeasurementRound).where(
            (col(MeasurementRound.code) == data.code)
            | ((col(MeasurementRound.kind) == data.kind.value) & (col(MeasurementRound.year) == data.year))
        )
    ):
        field = "code" if clash.code == data.code else "year"
        raise Conflict(
            f"round {clash.code} exists already ({clash.kind} {clash.year}); a code, and a kind and year, are "
            "used once",
            errors=[{"loc": ["body", field], "msg": f"taken by round {clash.code}"}],
        )
    now = utcnow()
    row = MeasurementRound(
        **data.model_dump(exclude={"weights", "kind"}), kind=data.kind.value, created_at=now, updated_at=now
    )
    session.add(row)
    session.flush()
    _replace_areas(session, row.id, data.weights)
    session.flush()
    public = _publics(session, [row])[0]
    audit.record(session, "create", "round", row.code, audit.diff(None, public.model_dump(exclude={"observations"})))
    session.commit()
    return public


def update_round(session: Session, code: str, data: RoundUpdate) -> RoundPublic:
    begin_write(session)
    require_round_right()
    row = load_round(session, code)
    before = _publics(session, [row])[0].model_dump(exclude={"observations", "updated_at"})
    checker = CodeChecker(session)
    if "name" in data.model_fields_set and data.name is None:
        checker.fail(["body", "name"], "may not be null", "null")
    if data.weights is not None:
        _check_areas(checker, data.weights)
    checker.raise_if_any()
    for name in ("name", "collected", "source", "note"):
        if name in data.model_fields_set:
            setattr(row, name, getattr(data, name))
    if data.weights is not None:
        _replace_areas(session, row.id, data.weights)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    public = _publics(session, [row])[0]
    audit.record(session, "update", "round", code, audit.diff(before, public.model_dump(exclude={"observations"})))
    session.commit()
    return public
