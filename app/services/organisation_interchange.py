"""Export and import of the organisations themselves (name, kind, CVR), so that the organisations an export of
interventions names can be brought to another registry first: export, import them, then import the
interventions. Matched by name; all or nothing."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.db import begin_write
from app.errors import RuleViolation
from app.models.organisation import Organisation, OrganisationCreate, OrganisationImportReport, OrganisationKind
from app.models.types import utcnow
from app.services import audit

COLUMNS = ["name", "kind", "cvr"]


def export_organisations(session: Session) -> list[OrganisationCreate]:
    rows = session.exec(select(Organisation).order_by(col(Organisation.name))).all()
    return [OrganisationCreate.model_construct(name=r.name, kind=OrganisationKind(r.kind), cvr=r.cvr) for r in rows]


def _check(records: Sequence[OrganisationCreate], existing: dict[str, Organisation]) -> None:
    """No name twice in the file; no CVR twice in the registry as it would be after the import."""
    errors, seen = [], {}
    for i, rec in enumerate(records):
        if rec.name in seen:
            errors.append({"loc": ["body", i, "name"], "msg": f"already in entry {seen[rec.name]}"})
        seen.setdefault(rec.name, i)
    final = {name: org.cvr for name, org in existing.items()} | {rec.name: rec.cvr for rec in records}
    owners: dict[str, str] = {}
    for name, cvr in sorted(final.items()):
        if cvr is not None and cvr in owners:
            at = next((i for i, rec in enumerate(records) if rec.name in (name, owners[cvr])), 0)
            errors.append(
                {"loc": ["body", at, "cvr"], "msg": f"CVR {cvr} would belong to both {owners[cvr]!r} and {name!r}"}
            )
        if cvr is not None:
            owners.setdefault(cvr, name)
    if errors:
        raise RuleViolation("; ".join(e["msg"] for e in errors[:5]), errors=errors)


def import_organisations(
    session: Session, records: Sequence[OrganisationCreate], *, dry_run: bool = False
) -> OrganisationImportReport:
    begin_write(session)
    existing = {o.name: o for o in session.exec(select(Organisation)).all()}
    _check(records, existing)
    report = OrganisationImportReport(dry_run=dry_run, created=0, updated=0, unchanged=0)
    changed = [
        rec
        for rec in records
        if rec.name in existing and (existing[rec.name].kind, existing[rec.name].cvr) != (rec.kind.value, rec.cvr)
    ]
    new = [rec for rec in records if rec.name not in existing]
    report.created, report.updated = len(new), len(changed)
    report.unchanged = len(records) - len(new) - len(changed)
    if dry_run or not (new or changed):
        session.rollback()
        return report
    before = {rec.name: {"kind": existing[rec.name].kind, "cvr": existing[rec.name].cvr} for rec in changed}
    for rec in changed:  # CVRs cleared first, so that two organisations may swap theirs
        existing[rec.name].cvr = None
    session.flush()
    now = utcnow()
    for rec in changed:
        row = existing[rec.name]
        row.kind, row.cvr, row.updated_at = rec.kind.value, rec.cvr, now
        audit.record(
            session,
            "import.update",
            "organisation",
            row.id,
            audit.diff(before[rec.name], {"kind": row.kind, "cvr": row.cvr}),
        )
    for rec in new:
        row = Organisation(name=rec.name, kind=rec.kind.value, cvr=rec.cvr, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        audit.record(session, "import.create", "organisation", row.id, audit.diff(None, rec.model_dump()))
    session.commit()
    return report
