"""Observations from a spreadsheet (CSV or XLSX, Danish or English formats) or a JSON array: every problem
reported at once by row and column and nothing written, or everything written in one transaction; matched on
(indicator, area, year, kind), so applying the same file twice changes nothing the second time."""

import json
import re
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, select

from app.db import begin_write
from app.errors import UnsupportedMediaType
from app.models.observation import MAX_YEAR, MIN_YEAR, ObservationCreate, ObservationKind
from app.models.observation_import import (
    ALIASES,
    COLUMNS,
    INFORMATIONAL,
    KIND_ALIASES,
    REQUIRED,
    ObservationImportReport,
    ObservationImportRow,
)
from app.models.reference import Area, Indicator
from app.models.types import Measure, Text
from app.services import audit
from app.services.imports import CSV_TYPES, JSON_TYPES, XLSX_TYPES
from app.services.imports import _file_problem as file_problem
from app.services.imports import _plain_ctx as plain_ctx
from app.services.imports import _problem as problem
from app.services.imports import _reject as reject
from app.services.interchange import (
    FileProblem,
    UnreadableFile,
    csv_rows,
    parse_number,
    xlsx_rows,
)
from app.services.observations import require_observer, round_codes, write_observations

_MEASURE = TypeAdapter(Measure)
_TEXTS = {"unit": TypeAdapter(Text(50)), "source": TypeAdapter(Text(200)), "note": TypeAdapter(Text(1000))}
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,9})\b")


def _rows(body: bytes, media_type: str) -> tuple[list[list[str]], str | None, bool]:
    if media_type in CSV_TYPES:
        return csv_rows(body)
    if media_type in XLSX_TYPES:
        return xlsx_rows(body, "observations"), None, False
    if media_type in JSON_TYPES or media_type.endswith("+json"):
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            problem_ = FileProblem(None, None, f"the body is not valid JSON: {exc}", "json_invalid")
            raise UnreadableFile([problem_]) from None
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            msg = "the body must be a JSON array of objects"
            raise UnreadableFile([FileProblem(None, None, msg, "json_not_objects")])
        header = list(dict.fromkeys(k for d in data for k in d))
        return [header] + [[_text(d.get(k)) for k in header] for d in data], "utf-8", False
    raise UnsupportedMediaType(
        f"send CSV (text/csv), XLSX ({next(iter(XLSX_TYPES))}) or JSON (application/json); got {media_type!r}"
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _header(row: list[str], problems: list) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, raw in enumerate(row):
        name = raw.strip().lower()
        name = ALIASES.get(name, name)
        if not name:
            continue
        if name not in COLUMNS:
            msg = f"unknown column {raw!r}; the columns are {', '.join(COLUMNS)}"
            problems.append(problem(1, raw, msg, type_="unknown_column", ctx={"position": i + 1}))
        elif name in index:
            ctx = {"first": index[name] + 1, "position": i + 1}
            problems.append(problem(1, name, f"column {name} appears twice", type_="repeated_column", ctx=ctx))
        else:
            index[name] = i
    for name in REQUIRED:
        if name not in index:
            problems.append(problem(1, name, f"the column {name} is missing", type_="missing_column"))
    return index


class _Context:
    def __init__(self, session: Session, decimal_comma: bool):
        self.decimal_comma = decimal_comma
        self.indicators = set(session.exec(select(Indicator.number)).all())
        self.areas: dict[str, str] = {}
        for area in session.exec(select(Area)):
            self.areas[area.slug] = area.slug
            self.areas[area.name.casefold()] = area.slug
        self.rounds = round_codes(session)


def _indicator(text: str, ctx: _Context, add) -> int | None:
    match = _LEADING_NUMBER.match(text)
    if not match:
        return add("indicator", "must be an indicator number, e.g. 3", "indicator_number", {"input": text[:100]})
    number = int(match.group(1))
    if number not in ctx.indicators:
        msg = f"unknown indicator {number}; GET /api/v1/indicators lists them"
        return add("indicator", msg, "unknown_code", {"kind": "indicator", "value": str(number)})
    return number


def _year(cells: dict[str, str], ctx: _Context, add) -> tuple[int | None, str | None, int | None]:
    """(year, round code, round id) from the round and year cells."""
    code, text = cells.get("round", ""), cells.get("year", "")
    year = None
    if text:
        if not text.isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
            bounds = {"min": MIN_YEAR, "max": MAX_YEAR, "input": text[:100]}
            add("year", f"must be a year between {MIN_YEAR} and {MAX_YEAR}", "year_range", bounds)
            return None, None, None
        year = int(text)
    if not code:
        if year is None:
            add("year", "give the round (or, for a target, the year)", "round_or_year")
        return year, None, None
    found = ctx.rounds.get(code)
    if found is None:
        msg = f"unknown round {code!r}; GET /api/v1/rounds lists them"
        add("round", msg, "unknown_code", {"kind": "round", "value": code[:100]})
        return None, None, None
    if year is not None and year != found.year:
        ctx_ = {"round": code, "round_year": found.year, "year": year}
        add("year", f"round {code} is of {found.year}, not {year}", "round_year", ctx_)
    return found.year, code, found.id


def _kind(text: str, has_round: bool, add) -> str | None:
    text = KIND_ALIASES.get(text.casefold(), text.casefold()) if text else "actual"
    if text not in {k.value for k in ObservationKind}:
        return add("kind", "must be actual (måling), baseline (basis) or target (mål)", "observation_kind")
    if text == "target" and has_round:
        return add("kind", "a target belongs to a year, not to a round: leave the round empty", "target_with_round")
    return text


def _value(text: str, ctx: _Context, add):
    plain = parse_number(text, decimal_comma=ctx.decimal_comma)
    if plain is None:
        return add("value", f"{text!r} is ambiguous: write 1234.5 or 1234,5", "ambiguous_number", {"value": text[:100]})
    try:
        return _MEASURE.validate_python(plain)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = f"must be a number such as 12.5 or 12,5 ({err['msg']})"
        return add("value", msg, err["type"], plain_ctx(err.get("ctx"), text))


def _record(number: int, cells: dict[str, str], ctx: _Context, problems: list):
    """One row as (indicator, ObservationCreate, round id), or None with its problems added."""
    before = len(problems)

    def add(column: str, msg: str, type_: str = "rule", ctx: dict[str, Any] | None = None) -> None:
        problems.append(problem(number, column, msg, type_=type_, ctx=ctx))

    indicator = _indicator(cells.get("indicator", ""), ctx, add)
    area = ctx.areas.get(cells.get("area", "")) or ctx.areas.get(cells.get("area", "").casefold())
    if area is None:
        msg = f"unknown area {cells.get('area', '')!r}; use a slug such as hoeje-gladsaxe or the name"
        add("area", msg, "unknown_code", {"kind": "area", "value": cells.get("area", "")[:100]})
    year, code, round_id = _year(cells, ctx, add)
    kind = _kind(cells.get("kind", ""), code is not None, add)
    value = _value(cells["value"], ctx, add)
    texts = {}
    for name, adapter in _TEXTS.items():
        try:
            texts[name] = adapter.validate_python(cells.get(name, "")) or None
        except ValidationError as exc:
            err = exc.errors()[0]
            add(name, err["msg"].removeprefix("Value error, "), err["type"], plain_ctx(err.get("ctx")))
    if len(problems) > before:
        return None
    data = ObservationCreate(area=area, year=year, kind=kind, value=value, round=code, **texts)
    return indicator, data, round_id


def _records(rows: list[list[str]], ctx: _Context, problems: list) -> tuple[list, int]:
    index = _header(rows[0] if rows else [], problems)
    records, skipped, seen = [], 0, {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {n: (row[i].strip() if i < len(row) else "") for n, i in index.items() if n not in INFORMATIONAL}
        if not cells.get("value"):
            skipped += any(cells.values())
            continue
        found = _record(number, cells, ctx, problems)
        if found is None:
            continue
        key = (found[0], found[1].area, found[1].year, found[1].kind.value)
        if key in seen:
            msg = f"repeats row {seen[key]} (same indicator, area, year and kind)"
            problems.append(problem(number, None, msg, type_="repeated_row", ctx={"other_row": seen[key]}))
            continue
        seen[key] = number
        records.append((number, *found))
    return records, skipped


def import_observations(session: Session, body: bytes, media_type: str, *, dry_run: bool) -> ObservationImportReport:
    begin_write(session)
    require_observer()
    try:
        rows, encoding, decimal_comma = _rows(body, media_type)
    except UnreadableFile as exc:
        raise reject([file_problem(p) for p in exc.problems], **exc.extra) from None
    problems: list = []
    if not rows:
        problems.append(problem(None, None, "the file is empty; download the template", type_="empty_file"))
    records, skipped = _records(rows, _Context(session, decimal_comma), problems)
    if problems:
        raise reject(problems, encoding=encoding)
    report_rows = _write(session, records)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    counts = {a: sum(r.action == a for r in report_rows) for a in ("created", "updated", "unchanged")}
    return ObservationImportReport(dry_run=dry_run, skipped=skipped, encoding=encoding, rows=report_rows, **counts)


def _write(session: Session, records: list) -> list[ObservationImportRow]:
    by_indicator: dict[int, list] = {}
    for rec in records:
        by_indicator.setdefault(rec[1], []).append(rec)
    out = []
    for number, recs in sorted(by_indicator.items()):
        actions: list[str] = []
        counts = write_observations(session, number, [(data, round_id) for _, _, data, round_id in recs], actions)
        audit.record(session, "import", "indicator", number, {"observations": counts})
        for (row, _, data, _), action in zip(recs, actions, strict=True):
            out.append(
                ObservationImportRow(
                    row=row,
                    indicator=number,
                    area=data.area,
                    year=data.year,
                    kind=data.kind.value,
                    round=data.round,
                    action=action,
                )
            )
    return sorted(out, key=lambda r: r.row)


def template_rows(session: Session, round_code: str | None) -> list[dict[str, Any]]:
    """With a round: one row per active indicator and area of the round's kind of data, value left empty (rows
    without a value are skipped on import). Without: no rows, the header only."""
    if round_code is None:
        return []
    from app.services.survey_rounds import load_round

    rnd = load_round(session, round_code)
    source = "survey" if rnd.kind == "survey" else "register"
    areas = session.exec(select(Area).order_by(Area.position)).all()
    rows = []
    for ind in session.exec(select(Indicator).where(Indicator.retired_at.is_(None)).order_by(Indicator.number)):
        if ind.likely_source != source:
            continue
        for area in areas:
            rows.append(
                {
                    "round": rnd.code,
                    "indicator": ind.number,
                    "indicator_name": ind.name,
                    "area": area.slug,
                    "area_name": area.name,
                    "kind": "actual",
                    "unit": ind.unit,
                }
            )
    return rows
