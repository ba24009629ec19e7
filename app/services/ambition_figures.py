"""The figures the ambition report reads: each area's value of an indicator in a round's year, and the
municipality as a whole, measured where it is measured, otherwise derived from the three focus areas and the rest
of the municipality weighted by a round's population (when given for all four) or respondents.

Derived figures are rounded to two decimals, half up (DERIVED_PLACES)."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, col, select

from app.models.ambition import FigureSource, MunicipalityFigure
from app.models.observation import IndicatorObservation
from app.models.reference import Area
from app.models.survey_round import MeasurementRound, RoundArea

DERIVED_PLACES = Decimal("0.01")
MEASURED_KINDS = ("actual", "baseline")


@dataclass(frozen=True)
class Weights:
    round_code: str
    basis: str  # population or respondents
    by_area: dict[str, int]


@dataclass
class Figures:
    """Every observation of the report's years and the rounds' weights, loaded once."""

    focus: list[str]
    rest: str
    whole: str
    names: dict[str, str]
    values: dict[tuple[int, str, int], tuple[Decimal, int | None]] = field(default_factory=dict)
    rounds: dict[int, MeasurementRound] = field(default_factory=dict)
    weights: dict[int, Weights | None] = field(default_factory=dict)
    targets: list[IndicatorObservation] = field(default_factory=list)
    units: dict[int, str] = field(default_factory=dict)  # an observation's unit, where the indicator has none

    @classmethod
    def load(cls, session: Session, years: list[int]) -> "Figures":
        areas = session.exec(select(Area).order_by(col(Area.position))).all()
        figures = cls(
            focus=[a.slug for a in areas if a.kind == "focus_area"],
            rest=next(a.slug for a in areas if a.kind == "comparison"),
            whole=next(a.slug for a in areas if a.kind == "municipality"),
            names={a.slug: a.name for a in areas},
        )
        figures.rounds = {r.id: r for r in session.exec(select(MeasurementRound))}
        figures._load_weights(session)
        stmt = select(IndicatorObservation).where(col(IndicatorObservation.year).in_(years))
        for obs in session.exec(stmt.order_by(col(IndicatorObservation.kind))):  # actual before baseline
            if obs.kind in MEASURED_KINDS:
                figures.values.setdefault((obs.indicator_number, obs.area_slug, obs.year), (obs.value, obs.round_id))
            if obs.unit:
                figures.units.setdefault(obs.indicator_number, obs.unit)
        figures.targets = list(session.exec(select(IndicatorObservation).where(IndicatorObservation.kind == "target")))
        return figures

    def _load_weights(self, session: Session) -> None:
        parts = [*self.focus, self.rest]
        found: dict[int, dict[str, RoundArea]] = {}
        for row in session.exec(select(RoundArea)):
            found.setdefault(row.round_id, {})[row.area_slug] = row
        for round_id, rnd in self.rounds.items():
            rows = found.get(round_id, {})
            self.weights[round_id] = None
            for basis in ("population", "respondents"):
                by_area = {p: getattr(rows[p], basis) for p in parts if p in rows}
                if len(by_area) == len(parts) and all(v is not None for v in by_area.values()):
                    if sum(by_area.values()) > 0:
                        self.weights[round_id] = Weights(rnd.code, basis, by_area)
                        break

    def value(self, number: int, area: str, year: int) -> Decimal | None:
        found = self.values.get((number, area, year))
        return None if found is None else found[0]

    def weights_for(self, number: int, year: int, report_round: MeasurementRound) -> Weights | None:
        """The weights of the round the rest of the municipality's figure belongs to, else of the report's round
        of that year, else of any round of that year."""
        candidates = []
        found = self.values.get((number, self.rest, year))
        if found is not None and found[1] is not None:
            candidates.append(found[1])
        candidates.append(report_round.id)
        candidates += [r.id for r in self.rounds.values() if r.year == year]
        return next((self.weights[c] for c in candidates if self.weights.get(c)), None)

    def municipality(self, number: int, report_round: MeasurementRound) -> MunicipalityFigure:
        year = report_round.year
        measured = self.value(number, self.whole, year)
        if measured is not None:
            return MunicipalityFigure(
                value=measured, source=FigureSource.measured, weight_basis=None, weights_round=None
            )
        parts = [*self.focus, self.rest]
        values = {p: self.value(number, p, year) for p in parts}
        missing = [self.names[p] for p, v in values.items() if v is None]
        weights = self.weights_for(number, year, report_round)
        if missing or weights is None:
            why = f"mangler tal for {', '.join(missing)}" if missing else "runden har ingen vægte for alle fire dele"
            return MunicipalityFigure(value=None, source=None, weight_basis=None, weights_round=None, note=why)
        return MunicipalityFigure(
            value=weighted_mean(values, weights.by_area),
            source=FigureSource.derived,
            weight_basis=weights.basis,
            weights_round=weights.round_code,
        )

    def together(self, number: int, report_round: MeasurementRound) -> Decimal | None:
        """The three focus areas as one, weighted as the municipality is."""
        values = {a: self.value(number, a, report_round.year) for a in self.focus}
        weights = self.weights_for(number, report_round.year, report_round)
        if any(v is None for v in values.values()) or weights is None:
            return None
        return weighted_mean(values, {a: weights.by_area[a] for a in self.focus})


def weighted_mean(values: dict[str, Decimal | None], weights: dict[str, int]) -> Decimal | None:
    total = sum(weights[a] for a in values)
    if not total:
        return None
    exact = sum(Decimal(weights[a]) * v for a, v in values.items() if v is not None) / Decimal(total)
    return exact.quantize(DERIVED_PLACES, rounding=ROUND_HALF_UP)
