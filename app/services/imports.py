"""Bulk import of interventions: all or nothing, every problem reported at once, safe to repeat.

Records are matched on external_id: new ones are created, changed ones updated (their links, budget lines and
success criteria replaced), identical ones left alone. Validation runs over the whole file before anything is
written; the write is set-based (a handful of multi-row statements, not one round trip per row) and one
transaction, which also stores the answer under the request's Idempotency-Key."""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.core.collector import collector_paused
from app.core.context import current
from app.db import analyze_after_bulk_write, begin_write
from app.errors import (
    Conflict,
    Forbidden,
    ImportRejectedError,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from app.models.auth import Role
from app.models.budget_line import BudgetLine, BudgetLineCreate
from app.models.interchange import (
    ImportAction,
    ImportItem,
    ImportRecord,
    ImportReport,
    ImportStrategy,
)
from app.models.intervention import (
    Intervention,
    InterventionArea,
    InterventionIndicator,
    InterventionTheme,
)
from app.models.success_criterion import SuccessCriterion, SuccessCriterionCreate
from app.models.types import search_key, to_ore, utcnow
from app.services import audit, idempotency, lifecycle
from app.services.auth import require
from app.services.budget_lines import check_budget_lines, grant_links, line_flags, line_key
from app.services.idempotency import Stored
from app.services.interchange import (
    FileProblem,
    FileTooLarge,
    RawRecord,
    ReadFile,
    UnreadableFile,
    read_csv,
    read_json,
    read_xlsx,
)
from app.services.intervention_links import LINK_TABLES, link_rows
from app.services.interventions import check_period
from app.services.organisations import ids_by_name, names_by_id
from app.services.parties import (
    PARTY_FIELDS,
    PARTY_SETS,
    check_parties,
    delete_parties,
    insert_party_rows,
    parties_of,
    party_key,
)
from app.services.reference import CodeChecker
from app.services.success_criteria import check_success_criteria

SCOPE = "import:interventions"
# The tables an import writes and reads back, analysed on PostgreSQL after a large one (app/db.py
# analyze_after_bulk_write); not the audit log, which it only appends to.
WRITTEN_TABLES = tuple(
    model.__tablename__
    for model in (
        Intervention,
        *(model for model, _column, _field in LINK_TABLES),
        BudgetLine,
        SuccessCriterion,
        *(table for table, _create in PARTY_SETS.values()),
    )
)
CHUNK = 500  # ids per IN (...) list
# Interventions whose links, budget lines, criteria and parties are made into rows and inserted at a time: the
# rows of a whole import at once (a million budget lines for 100,000 interventions) held the import's largest
# transient memory; a few thousand at a time keep the statements as large as SQLAlchemy sends them anyway.
WRITE_CHUNK = 2_000
MAX_PROBLEMS = 1000  # a report longer than this is cut (the count says how many there were)

JSON_TYPES = {"application/json"}
CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
XLSX_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Who may import, through the API and the web page alike (an editor only their own department's records, which
# the checks below apply record by record).
IMPORT_ROLES = (Role.admin, Role.editor)


def require_import_right() -> None:
    """403 (401 for nobody) unless the current principal may import."""
    require(*IMPORT_ROLES)


def upload_media_type(filename: str | None, content_type: str | None) -> str | None:
    """The media type of an uploaded file, by its name's ending first (browsers send .csv as anything from
    text/csv to application/vnd.ms-excel), else as sent; None when it is no kind an import reads."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return next(iter(XLSX_TYPES))
    if name.endswith(".csv"):
        return "text/csv"
    if name.endswith(".json"):
        return "application/json"
    part_type = (content_type or "").split(";")[0].strip().lower()
    return part_type if part_type in JSON_TYPES | CSV_TYPES | XLSX_TYPES else None


def _problem(
    row: int | None,
    column: str | None,
    msg: str,
    loc: list | None = None,
    *,
    type_: str = "rule",
    ctx: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One problem of a file: where it is, what it says, its kind (`type`, the key of its translations, see
    app/web/import_messages.py) and the values the message names (`ctx`)."""
    if loc is None:
        loc = [part for part in (row, column) if part is not None] or ["body"]
    problem = {"row": row, "column": column, "loc": loc, "msg": msg, "type": type_}
    if ctx:
        problem["ctx"] = ctx
    return problem


def _file_problem(p: FileProblem) -> dict[str, Any]:
    return _problem(p.row, p.column, p.msg, type_=p.type, ctx=p.ctx)


def _plain_ctx(ctx: dict[str, Any] | None, value: Any = None) -> dict[str, Any]:
    """The JSON-safe values of a validation error's context, and the value it refused (cut to 100 characters)."""
    out = {k: v for k, v in (ctx or {}).items() if isinstance(v, str | int | float) and not isinstance(v, bool)}
    if isinstance(value, str | int) and not isinstance(value, bool):
        out["input"] = value[:100] if isinstance(value, str) else value
    return out


def _where_text(p: dict[str, Any]) -> str:
    """Where a problem is, in words: "row 3, budget_amount", "row 1", "the file"."""
    parts = [f"row {p['row']}" if p["row"] is not None else "", p["column"] or ""]
    return ", ".join(part for part in parts if part) or "the file"


def _reject(problems: list[dict[str, Any]], **extra: Any) -> ImportRejectedError:
    problems.sort(key=lambda p: (p["row"] is None, p["row"] or 0))
    shown = problems[:MAX_PROBLEMS]
    head = "; ".join(f"{_where_text(p)}: {p['msg']}" for p in shown[:3])
    more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
    return ImportRejectedError(
        f"{len(problems)} problem(s), nothing was written: {head}{more}",
        errors=shown,
        problem_count=len(problems),
        **{k: v for k, v in extra.items() if v is not None},
    )


# --- reading and validating --------------------------------------------------------------------------------


def read_records(body: bytes, media_type: str) -> ReadFile:
    try:
        if media_type in JSON_TYPES or media_type.endswith("+json"):
            return read_json(body)
        if media_type in CSV_TYPES:
            return read_csv(body)
        if media_type in XLSX_TYPES:
            return read_xlsx(body)
    except FileTooLarge as exc:
        errors = [_file_problem(p) for p in exc.problems]
        raise PayloadTooLarge(f"{errors[0]['msg']}; nothing was written", errors=errors, **exc.extra) from None
    except UnreadableFile as exc:
        raise _reject([_file_problem(p) for p in exc.problems], **exc.extra) from None
    raise UnsupportedMediaType(
        f"send JSON (application/json), CSV (text/csv) or XLSX ({next(iter(XLSX_TYPES))}); got {media_type!r}"
    )


# Errors of the shared field types, by type, whose message says less than a spreadsheet import accepts: said
# truly there.
_TABULAR_MESSAGES = {
    "decimal_format": "must be a number such as 1250.50 or 1250,50 (decimal point or decimal comma)",
    "date_format": "must be a date such as 2024-12-31 or 31-12-2024",
}


def _validate(
    read: ReadFile, problems: list[dict]
) -> tuple[list[tuple[RawRecord, ImportRecord]], list[tuple[RawRecord, SimpleNamespace]]]:
    """The records that are valid, and what can be read of the others (for the checks of codes, rules and
    permission, so that one answer reports those too). A cell the reader reported already is not reported
    again, nor a required field whose whole column is missing."""
    valid, partial = [], []
    taken = {(p["row"], p["column"]) for p in problems}
    for record in read.records:
        try:
            valid.append((record, ImportRecord.model_validate(record.data)))
            # The model holds what the import needs of a valid record; its raw form, read from the file, is let go
            # now rather than at the end of the request (a fifth of what an import holds).
            record.data = None
        except ValidationError as exc:
            for err in exc.errors():
                if (
                    record.tabular
                    and err["type"] == "missing"
                    and tuple(err["loc"])[:1] in {(c,) for c in read.missing_columns}
                ):
                    continue
                row, column = record.where(err["loc"])
                if (row, column) in taken:
                    continue
                msg = err["msg"].removeprefix("Value error, ")
                if record.tabular:
                    msg = _TABULAR_MESSAGES.get(err["type"], msg)
                ctx = _plain_ctx(err.get("ctx"), err.get("input"))
                problems.append(_problem(row, column, msg, [record.row, *err["loc"]], type_=err["type"], ctx=ctx))
            partial.append((record, _salvage(ImportRecord, record.data)))
    return valid, partial


_ADAPTERS: dict[type, dict[str, tuple[TypeAdapter, Any]]] = {}
_NESTED = {
    "budget_lines": BudgetLineCreate,
    "success_criteria": SuccessCriterionCreate,
    **{field: create for field, (_table, create) in PARTY_SETS.items()},
}


def _field_adapters(model: type) -> dict[str, tuple[TypeAdapter, Any]]:
    """Per field of the model: a validator of that field alone, and the value when the field is absent."""
    if model not in _ADAPTERS:
        _ADAPTERS[model] = {
            name: (
                TypeAdapter(Annotated[(info.annotation, *info.metadata)])
                if info.metadata
                else TypeAdapter(info.annotation),
                None if info.is_required() else info.get_default(call_default_factory=True),
            )
            for name, info in model.model_fields.items()
            if name not in _NESTED
        }
    return _ADAPTERS[model]


def _salvage(model: type, data: Any) -> SimpleNamespace:
    """The fields of an invalid record that are valid on their own (None or [] for the others)."""
    data = data if isinstance(data, dict) else {}
    values: dict[str, Any] = {}
    for name, (adapter, default) in _field_adapters(model).items():
        if name not in data:
            values[name] = default
            continue
        try:
            values[name] = adapter.validate_python(data[name])
        except ValidationError:
            values[name] = [] if isinstance(default, list) else None
    if model is ImportRecord:
        for name, sub in _NESTED.items():
            items = data.get(name)
            values[name] = [_salvage(sub, item) for item in items] if isinstance(items, list) else []
    return SimpleNamespace(**values)


def _check_partial_codes(checker: CodeChecker, rec: SimpleNamespace) -> None:
    """The code and period checks of _check_rules, on what could be read of an invalid record."""
    for i, line in enumerate(rec.budget_lines):
        checker.check("funding source", line.funding_source, ["budget_lines", i, "funding_source"])
        checker.check("organisation", line.funding_organisation, ["budget_lines", i, "funding_organisation"])
        if line.year is not None and rec.start_date is not None and line.year < rec.start_date.year:
            checker.fail(
                ["budget_lines", i, "year"],
                f"year {line.year} is before the intervention's start ({rec.start_date.isoformat()})",
                "year_before_start",
                {"year": line.year, "date": rec.start_date.isoformat()},
            )
        if line.year is not None and rec.end_date is not None and line.year > rec.end_date.year:
            checker.fail(
                ["budget_lines", i, "year"],
                f"year {line.year} is after the intervention's end ({rec.end_date.isoformat()})",
                "year_after_end",
                {"year": line.year, "date": rec.end_date.isoformat()},
            )
    for i, crit in enumerate(rec.success_criteria):
        checker.check("indicator", crit.indicator, ["success_criteria", i, "indicator"])


def _check_codes(checker: CodeChecker, rec: Any, *, complete: bool) -> None:
    """The period and every code of one record: a valid one, or what could be read of an invalid one."""
    check_period(checker, rec.start_date, rec.end_date, "end_date")
    checker.check("department", rec.department, ["department"])
    checker.check_all("area", rec.areas or [], ["areas"])
    checker.check_all("theme", rec.themes or [], ["themes"])
    checker.check_all("indicator", rec.indicators or [], ["indicators"])
    check_parties(checker, {field: getattr(rec, field) for field in PARTY_FIELDS}, [])
    if complete:
        check_budget_lines(checker, rec.budget_lines, ["budget_lines"], rec.start_date, rec.end_date)
        check_success_criteria(checker, rec.success_criteria, ["success_criteria"])
    else:
        _check_partial_codes(checker, rec)


def _check_rules(
    session: Session,
    records: list[tuple[RawRecord, ImportRecord]],
    strategy: ImportStrategy,
    existing: dict[str, tuple[int, bool]],
    problems: list[dict],
    partial: Sequence[tuple[RawRecord, SimpleNamespace]] = (),
) -> None:
    """Codes against the reference data and the rules of the registry, for the valid records and for what can
    be read of the invalid ones (`partial`)."""
    checker = CodeChecker(session)
    seen: dict[str, int] = {}
    every = sorted([*records, *partial], key=lambda pair: pair[0].row)
    in_file = {rec.external_id for _raw, rec in every if rec.external_id is not None}
    taken = {(p["row"], p["column"]) for p in problems}
    valid = {id(raw) for raw, _rec in records}
    for raw, rec in every:
        start = len(checker.errors)
        _check_codes(checker, rec, complete=id(raw) in valid)
        for err in checker.errors[start:]:
            loc = [p for p in err["loc"] if p != "body"]
            row, column = raw.where(loc)
            if (row, column) not in taken:
                problems.append(
                    _problem(row, column, err["msg"], [raw.row, *loc], type_=err["type"], ctx=err.get("ctx"))
                )
        if rec.external_id is not None:
            problems += _key_problems(raw, rec, strategy, existing, in_file, seen)


def _key_problems(
    raw: RawRecord,
    rec: Any,
    strategy: ImportStrategy,
    existing: dict[str, tuple[int, bool]],
    in_file: set[str],
    seen: dict[str, int],
) -> list[dict]:
    """The rules of a record's key and its parent's key: once in the file, not archived, as the strategy wants,
    a parent that exists (in the file or the registry) and is not the record itself."""
    problems = []
    if rec.external_id in seen:
        problems.append(
            _problem(
                raw.row,
                "external_id",
                f"{rec.external_id!r} is already in row {seen[rec.external_id]}",
                type_="duplicate_external_id",
                ctx={"value": rec.external_id, "other_row": seen[rec.external_id]},
            )
        )
    seen.setdefault(rec.external_id, raw.row)
    found = existing.get(rec.external_id)
    if found is not None and found[1]:
        problems.append(_key_problem(raw.row, rec.external_id, "archived", "is an archived intervention"))
    elif strategy is ImportStrategy.create and found is not None:
        problems.append(_key_problem(raw.row, rec.external_id, "exists_already", "exists already (strategy=create)"))
    elif strategy is ImportStrategy.update and found is None:
        problems.append(_key_problem(raw.row, rec.external_id, "does_not_exist", "does not exist (strategy=update)"))
    if rec.parent_id is not None:
        problems.append(
            _problem(
                raw.row,
                "parent_id",
                "refer to the parent by parent_external_id in an import",
                type_="parent_id_in_import",
            )
        )
    if rec.parent_external_id is not None:
        if rec.parent_external_id == rec.external_id:
            problems.append(
                _problem(raw.row, "parent_external_id", "an intervention cannot be its own parent", type_="own_parent")
            )
        elif rec.parent_external_id not in in_file and (
            rec.parent_external_id not in existing or existing[rec.parent_external_id][1]
        ):
            problems.append(
                _problem(
                    raw.row,
                    "parent_external_id",
                    f"no intervention {rec.parent_external_id!r} in the file or the registry",
                    type_="unknown_parent",
                    ctx={"value": rec.parent_external_id},
                )
            )
    return problems


def _key_problem(row: int, key: str, type_: str, what: str) -> dict[str, Any]:
    return _problem(row, "external_id", f"{key!r} {what}", type_=type_, ctx={"value": key})


def _in_chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _existing(session: Session, keys: Iterable[str]) -> dict[str, tuple[int, bool]]:
    """external_id → (id, archived) for the keys that exist."""
    found: dict[str, tuple[int, bool]] = {}
    for chunk in _in_chunks(sorted(set(keys))):
        for external_id, iid, archived_at in session.execute(
            select(Intervention.external_id, Intervention.id, Intervention.archived_at).where(
                col(Intervention.external_id).in_(chunk)
            )
        ):
            found[external_id] = (iid, archived_at is not None)
    return found


def _check_cycles(
    session: Session,
    records: list[tuple[RawRecord, ImportRecord]],
    existing: dict[str, tuple[int, bool]],
    problems: list[dict],
) -> None:
    """The parent links after the import, file over registry, must not close a loop."""
    parent_of: dict[Any, Any] = {}
    ids_to_key = {iid: key for key, (iid, _archived) in existing.items()}
    for iid, parent_id in session.execute(
        select(Intervention.id, Intervention.parent_id).where(col(Intervention.parent_id).is_not(None))
    ):
        parent_of[ids_to_key.get(iid, iid)] = ids_to_key.get(parent_id, parent_id)
    rows = {}
    for raw, rec in records:
        parent_of[rec.external_id] = rec.parent_external_id
        rows[rec.external_id] = raw.row
    # Nodes whose line of ancestors ends at a root: a walk that reaches one closes no loop. Each node is walked
    # through about once, so a deep tree costs linear time, not records × depth.
    rooted: set[Any] = set()
    for raw, rec in records:
        walked, node = [rec.external_id], rec.parent_external_id
        on_walk = set(walked)
        while node is not None and node not in rooted and node not in on_walk:
            walked.append(node)
            on_walk.add(node)
            node = parent_of.get(node)
        if node is None or node in rooted:
            rooted.update(walked)
        elif node == rec.external_id:
            problems.append(
                _problem(
                    raw.row,
                    "parent_external_id",
                    f"the parent links would make a cycle through {rec.parent_external_id!r}",
                    type_="cycle",
                    ctx={"value": rec.parent_external_id},
                )
            )


# --- comparing with what is there --------------------------------------------------------------------------


CANONICAL_FIELDS = [
    "name",
    "description",
    "purpose",
    "kind",
    "status",
    "track",
    "department",
    "parent_external_id",
    "areas",
    "themes",
    "indicators",
    "target_group",
    "start_date",
    "end_date",
    "contact_name",
    "contact_email",
    "budget_lines",
    "success_criteria",
    *PARTY_FIELDS,
]


def _canonical_record(rec: ImportRecord) -> tuple:
    return (
        rec.name,
        rec.description,
        rec.purpose,
        rec.kind.value,
        rec.status.value,
        rec.track.value if rec.track else None,
        rec.department,
        rec.parent_external_id,
        tuple(sorted(rec.areas)),
        tuple(sorted(rec.themes)),
        tuple(sorted(rec.indicators)),
        rec.target_group,
        rec.start_date,
        rec.end_date,
        rec.contact_name,
        rec.contact_email,
        tuple(
            sorted(
                (b.year, b.category, b.funding_source, b.type.value, to_ore(b.amount), b.note, b.funding_organisation)
                for b in rec.budget_lines
            )
        ),
        tuple(
            (
                c.description,
                c.indicator,
                _dec(c.baseline),
                _dec(c.target),
                c.unit,
                c.target_date,
                c.outcome.value,
                _dec(c.actual_value),
            )
            for c in rec.success_criteria
        ),
        *(party_key(field, getattr(rec, field)) for field in PARTY_FIELDS),
    )


def _dec(value) -> str | None:
    return None if value is None else format(value, "f")


def _canonical_existing(session: Session, ids: Sequence[int]) -> dict[int, tuple]:
    """The same canonical form for interventions in the registry, loaded in a few batched queries."""
    out: dict[int, tuple] = {}
    for chunk in _in_chunks(list(ids)):
        rows = {r.id: r for r in session.execute(select(Intervention).where(col(Intervention.id).in_(chunk))).scalars()}
        parent_keys = _external_ids(session, {r.parent_id for r in rows.values() if r.parent_id is not None})
        links = _links_of(session, chunk)
        lines = _lines_of(session, chunk)
        criteria = _criteria_of(session, chunk)
        parties = parties_of(session, chunk)
        for iid, r in rows.items():
            out[iid] = (
                r.name,
                r.description,
                r.purpose,
                r.kind,
                r.status,
                r.track,
                r.department_code,
                parent_keys.get(r.parent_id),
                tuple(sorted(links["areas"].get(iid, []))),
                tuple(sorted(links["themes"].get(iid, []))),
                tuple(sorted(links["indicators"].get(iid, []))),
                r.target_group,
                r.start_date,
                r.end_date,
                r.contact_name,
                r.contact_email,
                tuple(sorted(lines.get(iid, []))),
                tuple(criteria.get(iid, [])),
                *(party_key(field, parties[iid][field]) for field in PARTY_FIELDS),
            )
    return out


def _external_ids(session: Session, ids: set[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    return dict(
        session.execute(select(Intervention.id, Intervention.external_id).where(col(Intervention.id).in_(ids))).all()
    )


def _links_of(session: Session, chunk: list[int]) -> dict[str, dict[int, list]]:
    """The codes of each link set ("areas", "themes", "indicators") per intervention."""
    links: dict[str, dict[int, list]] = {field: {} for _model, _column, field in LINK_TABLES}
    for model, column, field in LINK_TABLES:
        for iid, code in session.execute(
            select(model.intervention_id, getattr(model, column)).where(col(model.intervention_id).in_(chunk))
        ):
            links[field].setdefault(iid, []).append(code)
    return links


def _lines_of(session: Session, chunk: list[int]) -> dict[int, list[tuple]]:
    lines: dict[int, list] = {}
    # The columns, not the ORM objects: an import of 100,000 unchanged records compares a million lines.
    found = session.execute(_LINE_COLUMNS.where(col(BudgetLine.intervention_id).in_(chunk))).all()
    names = names_by_id(session, (line.funding_organisation_id for line in found))
    for line in found:
        lines.setdefault(line.intervention_id, []).append(
            (
                line.year,
                line.category,
                line.funding_source_code,
                line.type,
                line.amount_ore,
                line.note,
                names.get(line.funding_organisation_id),
            )
        )
    return lines


_LINE_COLUMNS = select(
    BudgetLine.intervention_id,
    BudgetLine.year,
    BudgetLine.category,
    BudgetLine.funding_source_code,
    BudgetLine.type,
    BudgetLine.amount_ore,
    BudgetLine.note,
    BudgetLine.funding_organisation_id,
)


def _criteria_of(session: Session, chunk: list[int]) -> dict[int, list[tuple]]:
    criteria: dict[int, list] = {}
    for crit in session.execute(
        select(SuccessCriterion)
        .where(col(SuccessCriterion.intervention_id).in_(chunk))
        .order_by(col(SuccessCriterion.position))
    ).scalars():
        criteria.setdefault(crit.intervention_id, []).append(
            (
                crit.description,
                crit.indicator_number,
                _dec(crit.baseline),
                _dec(crit.target),
                crit.unit,
                crit.target_date,
                crit.outcome,
                _dec(crit.actual_value),
            )
        )
    return criteria


# --- writing -----------------------------------------------------------------------------------------------


def _row_values(rec: ImportRecord) -> dict[str, Any]:
    return {
        "external_id": rec.external_id,
        "name": rec.name,
        "description": rec.description,
        "purpose": rec.purpose,
        "kind": rec.kind.value,
        "status": rec.status.value,
        "track": rec.track.value if rec.track else None,
        "department_code": rec.department,
        "target_group": rec.target_group,
        "start_date": rec.start_date,
        "end_date": rec.end_date,
        "contact_name": rec.contact_name,
        "contact_email": rec.contact_email,
        "search_text": search_key(rec.name, rec.description),
    }


def _insert_children(session: Session, pairs: list[tuple[int, ImportRecord]], grants: dict[tuple, int]) -> None:
    """Links, budget lines and criteria of freshly written interventions, as multi-row INSERTs."""
    links: dict[Any, list[dict]] = {InterventionArea: [], InterventionTheme: [], InterventionIndicator: []}
    lines, criteria = [], []
    org_ids = ids_by_name(session, (b.funding_organisation for _iid, rec in pairs for b in rec.budget_lines))
    for iid, rec in pairs:
        for model, column, field in LINK_TABLES:
            links[model] += link_rows(iid, column, getattr(rec, field))
        # The plan flags from the record's whole set of lines (they replace whatever the intervention had).
        lines += [
            {
                "intervention_id": iid,
                "year": b.year,
                "category": b.category,
                "funding_source_code": b.funding_source,
                "type": b.type.value,
                **flags,
                "amount_ore": to_ore(b.amount),
                "note": b.note,
                "funding_organisation_id": org_ids.get(b.funding_organisation),
                "pool_allocation_id": grants.get(line_key(iid, b)),
            }
            for b, flags in zip(rec.budget_lines, line_flags(rec.budget_lines), strict=True)
        ]
        criteria += [
            {
                "intervention_id": iid,
                "position": i,
                "description": c.description,
                "indicator_number": c.indicator,
                "baseline": c.baseline,
                "target": c.target,
                "unit": c.unit,
                "target_date": c.target_date,
                "outcome": c.outcome.value,
                "actual_value": c.actual_value,
            }
            for i, c in enumerate(rec.success_criteria)
        ]
    # Core executemany (insert on the table, not the class): the ORM bulk path costs a command object per row.
    for model, rows in links.items():
        if rows:
            session.execute(insert(model.__table__), rows)
    if lines:
        session.execute(insert(BudgetLine.__table__), lines)
    if criteria:
        session.execute(insert(SuccessCriterion.__table__), criteria)
    insert_party_rows(session, [(iid, {field: getattr(rec, field) for field in PARTY_FIELDS}) for iid, rec in pairs])


def _audit(session: Session, plan: list, ids: dict[str, int], current_state: dict[int, tuple]) -> None:
    """One audit record per created or updated intervention (the fields that changed), WRITE_CHUNK records of the
    plan at a time, each kind in one INSERT."""
    for part in _in_chunks(plan, WRITE_CHUNK):
        _audit_part(session, part, ids, current_state)


def _audit_part(session: Session, plan: Sequence, ids: dict[str, int], current_state: dict[int, tuple]) -> None:
    entries: dict[str, list] = {"import.create": [], "import.update": []}
    for _raw, rec, action, iid in plan:
        if action is ImportAction.unchanged:
            continue
        after = dict(zip(CANONICAL_FIELDS, _canonical_record(rec), strict=True))
        before = dict(zip(CANONICAL_FIELDS, current_state[iid], strict=True)) if iid in current_state else {}
        changes = {
            name: {"before": before.get(name), "after": value}
            for name, value in after.items()
            if before.get(name) != value
        }
        if rec.status_reason and "status" in changes and action is ImportAction.updated:
            changes["status"]["reason"] = rec.status_reason
        kind = "import.create" if action is ImportAction.created else "import.update"
        entries[kind].append((ids[rec.external_id], {"external_id": rec.external_id, **changes}))
    for action, rows in entries.items():
        audit.record_many(session, action, "intervention", rows)


def _status_problems(plan: list, current_state: dict[int, tuple]) -> list[dict]:
    """A status an import changes follows the lifecycle as a PATCH does (services/lifecycle.py); a record may
    carry the reason in status_reason. A new intervention may start in any status."""
    problems = []
    status_at = CANONICAL_FIELDS.index("status")
    for raw, rec, action, iid in plan:
        if action is not ImportAction.updated:
            continue
        before = current_state[iid][status_at]
        problem = lifecycle.transition_problem(before, rec.status, rec.status_reason)
        if problem:
            refused = lifecycle.change(before, rec.status) is lifecycle.Change.refused
            problems.append(
                _problem(
                    raw.row,
                    "status",
                    problem,
                    [raw.row, "status"],
                    type_="status_refused" if refused else "status_needs_reason",
                    ctx={"before": str(before), "after": rec.status.value},
                )
            )
    return problems


def _department_problems(
    session: Session,
    records: Sequence[tuple[RawRecord, Any]],
    existing: dict[str, tuple[int, bool]],
) -> list[dict]:
    """An editor imports only their own department's interventions, and changes no other department's: the
    records (valid, or what could be read of an invalid one) that break this."""
    principal = current().principal
    if principal.role == Role.admin:
        return []
    owners = _owners(session, [existing[rec.external_id][0] for _raw, rec in records if rec.external_id in existing])
    problems = []
    for raw, rec in records:
        found = existing.get(rec.external_id) if rec.external_id is not None else None
        owner = owners.get(found[0]) if found else None
        theirs = rec.department is not None and rec.department != principal.department
        if theirs or (owner is not None and owner != principal.department):
            problems.append(
                _problem(
                    raw.row,
                    "department",
                    f"an editor of {principal.department} may not import "
                    f"{rec.external_id!r} ({owner or rec.department})",
                    type_="other_department",
                    ctx={"own": principal.department, "department": owner or rec.department},
                )
            )
    return problems


def _owners(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """id → department of the interventions in the registry."""
    owners: dict[int, str] = {}
    for chunk in _in_chunks(sorted(set(ids))):
        owners.update(
            session.execute(
                select(Intervention.id, Intervention.department_code).where(col(Intervention.id).in_(chunk))
            ).all()
        )
    return owners


@dataclass(frozen=True)
class _Move:
    """A record of the import whose parent changes: the parent it leaves (an id) and the one it joins (a key)."""

    raw: RawRecord
    rec: ImportRecord
    old_parent_id: int | None
    new_parent_key: str | None


def _parent_moves(session: Session, plan: list, existing: dict[str, tuple[int, bool]]) -> list[_Move]:
    """The created or updated records whose parent is not the one they have (a new record has none)."""
    changed = [(raw, rec, iid) for raw, rec, action, iid in plan if action is not ImportAction.unchanged]
    current_parent: dict[int, int | None] = {}
    for chunk in _in_chunks([iid for _raw, _rec, iid in changed if iid is not None]):
        current_parent.update(
            (iid, parent_id)
            for iid, parent_id in session.execute(
                select(Intervention.id, Intervention.parent_id).where(col(Intervention.id).in_(chunk))
            )
        )
    moves = []
    for raw, rec, iid in changed:
        old = current_parent.get(iid) if iid is not None else None
        new_key = rec.parent_external_id
        found = existing.get(new_key) if new_key else None
        stays = (new_key is None and old is None) or (found is not None and found[0] == old)
        if not stays:
            moves.append(_Move(raw, rec, old, new_key))
    return moves


def _parent_right_problems(
    session: Session, records: list[tuple[RawRecord, ImportRecord]], moves: list[_Move], existing: dict
) -> list[dict]:
    """As through the API: an editor places records only under parents of their own department, and takes them
    only from such parents (the parent's programme changes); a parent in the file is the file's record."""
    principal = current().principal
    if principal.role == Role.admin or not moves:
        return []
    in_file = {rec.external_id: rec.department for _raw, rec in records}
    # A parent named by neither the file nor the registry is reported by the rules already.
    moves = [
        m for m in moves if m.new_parent_key is None or m.new_parent_key in existing or m.new_parent_key in in_file
    ]
    registry_ids = {m.old_parent_id for m in moves if m.old_parent_id is not None} | {
        existing[m.new_parent_key][0] for m in moves if m.new_parent_key and m.new_parent_key not in in_file
    }
    department_of: dict[int, str] = {}
    for chunk in _in_chunks(sorted(registry_ids)):
        department_of.update(
            (iid, code)
            for iid, code in session.execute(
                select(Intervention.id, Intervention.department_code).where(col(Intervention.id).in_(chunk))
            )
        )
    problems = []
    for move in moves:
        if move.new_parent_key is not None:
            key = move.new_parent_key
            owner = in_file[key] if key in in_file else department_of.get(existing[key][0])
            if owner != principal.department:
                problems.append(
                    _problem(
                        move.raw.row,
                        "parent_external_id",
                        f"{key!r} belongs to {owner}; an editor of {principal.department} may not place "
                        f"{move.rec.external_id!r} under it",
                        type_="parent_other_department",
                        ctx={"value": key, "department": owner, "own": principal.department},
                    )
                )
        if move.old_parent_id is not None and department_of.get(move.old_parent_id) != principal.department:
            problems.append(
                _problem(
                    move.raw.row,
                    "parent_external_id",
                    f"{move.rec.external_id!r} is now under intervention {move.old_parent_id} of "
                    f"{department_of.get(move.old_parent_id)}; an editor of {principal.department} may not take "
                    "it from there",
                    type_="parent_other_department",
                    ctx={"department": department_of.get(move.old_parent_id), "own": principal.department},
                )
            )
    return problems


def _audit_parents(session: Session, moves: list[_Move], ids: dict[str, int]) -> None:
    """The parents' side of each move, on their own history (as PATCH of parent_id writes it)."""
    removed = [
        (m.old_parent_id, {"child_id": {"before": ids[m.rec.external_id], "after": None}})
        for m in moves
        if m.old_parent_id is not None
    ]
    added = [
        (ids[m.new_parent_key], {"child_id": {"before": None, "after": ids[m.rec.external_id]}})
        for m in moves
        if m.new_parent_key is not None
    ]
    audit.record_many(session, "child_removed", "intervention", removed)
    audit.record_many(session, "child_added", "intervention", added)


_INTERVENTION = Intervention.__table__
_INSERT_RETURNING_KEY = insert(_INTERVENTION).returning(_INTERVENTION.c.external_id, _INTERVENTION.c.id)


def _write(
    session: Session,
    plan: list[tuple[RawRecord, ImportRecord, ImportAction, int | None]],
    existing: dict[str, tuple[int, bool]],
) -> dict[str, int]:
    now = utcnow()
    ids = {key: iid for key, (iid, _archived) in existing.items()}
    creates = [(raw, rec) for raw, rec, action, _ in plan if action is ImportAction.created]
    updates = [(raw, rec, iid) for raw, rec, action, iid in plan if action is ImportAction.updated]
    links: dict[tuple, int] = {}
    if creates:
        # Multi-row INSERTs, each new id returned beside its external_id (unique, and required in an import) and
        # matched by it: RETURNING in parameter order would make SQLite insert one row per statement. (Reading the
        # ids back by external_id afterwards was quadratic on PostgreSQL: the statement, prepared by psycopg once
        # run five times, scanned the whole table for every chunk of 500 keys, comparing each row with each key.)
        returned = session.execute(
            _INSERT_RETURNING_KEY,
            [{**_row_values(rec), "created_at": now, "updated_at": now} for _raw, rec in creates],
        )
        ids.update(returned.all())
    if updates:
        session.execute(
            update(Intervention), [{"id": iid, **_row_values(rec), "updated_at": now} for _raw, rec, iid in updates]
        )
        updated_ids = [iid for _raw, _rec, iid in updates]
        for chunk in _in_chunks(updated_ids):
            links.update(grant_links(session, chunk))  # the pool grants their lines carry stay with the same key
            for model in (InterventionArea, InterventionTheme, InterventionIndicator, BudgetLine, SuccessCriterion):
                session.execute(delete(model).where(col(model.intervention_id).in_(chunk)))
            delete_parties(session, chunk)
    written = [(ids[rec.external_id], rec) for _raw, rec in creates] + [(iid, rec) for _raw, rec, iid in updates]
    for part in _in_chunks(written, WRITE_CHUNK):
        _insert_children(session, part, links)
    # New rows were inserted without a parent (it may be in the same import); updated rows may lose theirs.
    updated = {iid for _raw, _rec, iid in updates}
    parents = [
        {"id": iid, "parent_id": ids[rec.parent_external_id] if rec.parent_external_id else None}
        for iid, rec in written
        if rec.parent_external_id or iid in updated
    ]
    if parents:
        session.execute(update(Intervention), parents)
    return ids


def _request_hash(body: bytes, media_type: str, strategy: ImportStrategy, dry_run: bool) -> str:
    digest = hashlib.sha256()
    for part in (media_type.encode(), strategy.value.encode(), b"1" if dry_run else b"0", body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def stored_answer(session: Session, key: str, request_hash: str) -> Stored | None:
    """The answer stored under the current principal's key (keys belong to whoever used them)."""
    return idempotency.lookup(session, key, SCOPE, request_hash)


@collector_paused()
def import_interventions(
    session: Session,
    body: bytes,
    media_type: str,
    *,
    strategy: ImportStrategy,
    dry_run: bool,
    idempotency_key: str | None,
) -> tuple[Stored, bool]:
    """(answer, replayed). Raises ImportRejectedError (422) with every problem when anything is wrong."""
    require_import_right()
    request_hash = _request_hash(body, media_type, strategy, dry_run)
    if idempotency_key:
        stored = stored_answer(session, idempotency_key, request_hash)
        if stored is not None:
            return stored, True
    read = read_records(body, media_type)
    records, existing, registry_state, plan, moves = _checked_records(session, read, strategy, dry_run)
    ids = {key: iid for key, (iid, _a) in existing.items()}
    if not dry_run:
        ids = _write(session, plan, existing)
        _audit(session, plan, ids, registry_state)
        _audit_parents(session, moves, ids)
    report = _report(plan, ids, dry_run=dry_run, strategy=strategy, encoding=read.encoding)
    answer = Stored(status=200, body=report.model_dump(mode="json"))
    if dry_run:
        session.rollback()
        return answer, False
    return _commit(session, report, answer, idempotency_key, request_hash)


def _checked_records(session: Session, read: ReadFile, strategy: ImportStrategy, dry_run: bool) -> tuple:
    """(records, existing, registry_state, plan) once every record passed every check; else one answer with every
    problem of the file: its shape (read), each record's fields, the codes and rules (also on what can be read of
    an invalid record), the lifecycle and the editor's permission (403 when that is the only problem). A real
    import holds the write transaction from here."""
    problems: list[dict] = [_file_problem(p) for p in read.problems]
    records, partial = _validate(read, problems)
    if not dry_run:
        begin_write(session)
    every = [*records, *partial]
    keys = {rec.external_id for _raw, rec in every if isinstance(rec.external_id, str)} | {
        rec.parent_external_id for _raw, rec in every if isinstance(rec.parent_external_id, str)
    }
    existing = _existing(session, keys)
    _check_rules(session, records, strategy, existing, problems, partial)
    _check_cycles(session, records, existing, problems)
    forbidden = _department_problems(session, sorted(every, key=lambda pair: pair[0].row), existing)
    registry_state = _canonical_existing(
        session, [existing[rec.external_id][0] for _raw, rec in records if rec.external_id in existing]
    )
    plan = _plan(records, existing, registry_state)
    problems += _status_problems(plan, registry_state)  # the lifecycle, in the same answer as the rest
    moves = _parent_moves(session, plan, existing)
    forbidden += _parent_right_problems(session, records, moves, existing)
    if problems or partial:
        session.rollback()
        raise _reject(problems + forbidden, encoding=read.encoding)
    if forbidden:
        session.rollback()
        raise Forbidden(
            f"{len(forbidden)} record(s) belong to another department or would change its programme; "
            "nothing was written",
            errors=forbidden[:MAX_PROBLEMS],
        )
    return records, existing, registry_state, plan, moves


def _plan(
    records: list[tuple[RawRecord, ImportRecord]],
    existing: dict[str, tuple[int, bool]],
    registry_state: dict[int, tuple],
) -> list[tuple[RawRecord, ImportRecord, ImportAction, int | None]]:
    """What becomes of each record: created, updated, or unchanged (the registry holds it as it is)."""
    plan = []
    for raw_record, rec in records:
        found = existing.get(rec.external_id)
        if found is None:
            plan.append((raw_record, rec, ImportAction.created, None))
        elif registry_state.get(found[0]) == _canonical_record(rec):
            plan.append((raw_record, rec, ImportAction.unchanged, found[0]))
        else:
            plan.append((raw_record, rec, ImportAction.updated, found[0]))
    return plan


def _report(
    plan: list, ids: dict[str, int], *, dry_run: bool, strategy: ImportStrategy, encoding: str | None
) -> ImportReport:
    items = [
        ImportItem(row=raw_record.row, external_id=rec.external_id, action=action, id=ids.get(rec.external_id))
        for raw_record, rec, action, _iid in plan
    ]
    return ImportReport(
        dry_run=dry_run,
        strategy=strategy,
        encoding=encoding,
        items=items,
        created=sum(1 for i in items if i.action is ImportAction.created),
        updated=sum(1 for i in items if i.action is ImportAction.updated),
        unchanged=sum(1 for i in items if i.action is ImportAction.unchanged),
    )


def _commit(
    session: Session, report: ImportReport, answer: Stored, idempotency_key: str | None, request_hash: str
) -> tuple[Stored, bool]:
    """The import's own audit record and its stored answer (with a key), committed with the import."""
    audit.record(
        session,
        "import",
        "import",
        idempotency_key,
        {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "strategy": report.strategy.value,
        },
    )
    if idempotency_key:
        idempotency.remember(session, idempotency_key, SCOPE, request_hash, answer)
    try:
        session.commit()
    except IntegrityError:
        # Most likely the same key committed by a simultaneous retry: answer what it answered.
        session.rollback()
        if idempotency_key:
            stored = stored_answer(session, idempotency_key, request_hash)
            if stored is not None:
                return stored, True
        raise Conflict(
            "the import clashed with a change made at the same time (e.g. the same external_id); "
            "nothing was written, send it again"
        ) from None
    analyze_after_bulk_write(session.get_bind(), "intervention", report.created + report.updated, WRITTEN_TABLES)
    return answer, False
