"""The filter forms (GET, so a filtered page is a link to share): read leniently from the query string, where an
empty field means "all" and a wrong one is a message beside the field, not an error page."""

import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session
from starlette.datastructures import QueryParams

from app.core import read_cache
from app.errors import AppError
from app.models.filters import InterventionFilters, RollupFilters
from app.models.intervention import KIND_LABELS, STATUS_LABELS, TRACK_LABELS, Kind, Status, Track
from app.services import reference
from app.web.messages import field_errors

YEAR_MIN, YEAR_MAX = 2000, 2100
YEARS = list(range(2016, 2031))  # the programme's years, offered in the year fields


@dataclass
class Form:
    values: dict[str, Any] = field(default_factory=dict)  # what the fields show
    errors: dict[str, str] = field(default_factory=dict)  # field → message

    def add_service_error(self, exc: AppError) -> None:
        """A service's error as Danish messages beside the fields it names (app/web/messages.py)."""
        self.errors.update(field_errors(exc, self.values.keys()))


def _texts(params: QueryParams, name: str, max_items: int = 50) -> list[str]:
    return [v.strip() for v in params.getlist(name)[:max_items] if v.strip() and len(v) <= 100]


def _year(params: QueryParams, name: str, form: Form) -> int | None:
    raw = (params.get(name) or "").strip()
    form.values[name] = raw
    if not raw:
        return None
    if not raw.isdigit() or not YEAR_MIN <= int(raw) <= YEAR_MAX:
        form.errors[name] = f"Skriv et årstal mellem {YEAR_MIN} og {YEAR_MAX}"
        return None
    return int(raw)


def _enums(params: QueryParams, name: str, enum, form: Form) -> list:
    chosen = []
    for value in _texts(params, name, 10):
        try:
            chosen.append(enum(value))
        except ValueError:
            form.errors[name] = "Vælg en af mulighederne"
    form.values[name] = [c.value for c in chosen]
    return chosen


def rollup_filters(params: QueryParams) -> tuple[RollupFilters, Form]:
    """The overview's filters: year range, area, department and track."""
    form = Form()
    filters = RollupFilters(
        year_from=_year(params, "year_from", form),
        year_to=_year(params, "year_to", form),
        department=_texts(params, "department"),
        area=_texts(params, "area"),
        track=_enums(params, "track", Track, form),
    )
    form.values.update(department=filters.department, area=filters.area)
    if filters.year_from and filters.year_to and filters.year_from > filters.year_to:
        form.errors["year_to"] = "Til-året ligger før fra-året"
        filters.year_to = None
    return filters, form


def intervention_filters(params: QueryParams) -> tuple[InterventionFilters, Form]:
    """The list's filters, as the API's: search, department, area, theme, indicator, kind, status, track, year."""
    form = Form()
    indicators = []
    for raw in _texts(params, "indicator"):
        if raw.isdigit() and 0 < int(raw) < 1000:
            indicators.append(int(raw))
        else:
            form.errors["indicator"] = "Vælg en indikator fra listen"
    year = _year(params, "year", form)
    q = (params.get("q") or "").strip()[:200] or None
    filters = InterventionFilters(
        department=_texts(params, "department"),
        area=_texts(params, "area"),
        theme=_texts(params, "theme"),
        indicator=indicators,
        kind=_enums(params, "kind", Kind, form),
        status=_enums(params, "status", Status, form),
        track=_enums(params, "track", Track, form),
        year=[year] if year else [],
        q=q,
    )
    form.values.update(
        q=q or "",
        department=filters.department,
        area=filters.area,
        theme=filters.theme,
        indicator=[str(i) for i in indicators],
    )
    return filters, form


def _build_choices(session: Session) -> bytes:
    return json.dumps(
        {
            "department": [(d.code, f"{d.name} ({d.code})") for d in reference.list_departments(session)],
            "area": [(a.slug, a.name) for a in reference.list_areas(session)],
            "theme": [(t.code, f"{t.code} {t.name}") for t in reference.list_themes(session)],
            "indicator": [(str(i.number), f"{i.number}. {i.name}") for i in reference.list_indicators(session)],
            "kind": [(k.value, label) for k, label in KIND_LABELS.items()],
            "status": [(s.value, label) for s, label in STATUS_LABELS.items()],
            "track": [(t.value, label) for t, label in TRACK_LABELS.items()],
        },
        ensure_ascii=False,
    ).encode()


def choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    """The values the filter fields offer, as (value, Danish label), from the reference data (kept in the read
    cache while the data stands: five queries a page saved)."""
    return json.loads(read_cache.cached_json(("web-filter-choices",), lambda: _build_choices(session)))
