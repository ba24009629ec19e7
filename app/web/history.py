"""An intervention's audit records as people read them: who, when, what (Danish field names and values)."""

import json
from dataclasses import dataclass
from typing import Any

from app.models.audit import AuditRecordPublic
from app.models.intervention import KIND_LABELS, STATUS_LABELS, TRACK_LABELS

ACTIONS = {
    "create": "Oprettet",
    "update": "Ændret",
    "archive": "Arkiveret",
    "import": "Importeret",
    "budget_lines.add": "Budgetlinjer tilføjet",
    "budget_lines.replace": "Budgetlinjer erstattet",
    "budget_lines.delete": "Budgetlinje slettet",
    "success_criteria.add": "Succeskriterium tilføjet",
    "success_criteria.replace": "Succeskriterier erstattet",
    "success_criteria.update": "Succeskriterium ændret",
    "success_criteria.delete": "Succeskriterium slettet",
    "evaluations.add": "Evaluering tilføjet",
    "evaluations.update": "Evaluering ændret",
    "evaluations.delete": "Evaluering slettet",
    "material.add": "Materiale tilføjet",
    "material.update": "Materiale ændret",
    "material.delete": "Materiale slettet",
    "organisations.replace": "Organisationer erstattet",
    "people.replace": "Personer med roller erstattet",
    "reach.replace": "Deltagere erstattet",
    "in_kind.replace": "Bidrag i arbejdstid erstattet",
}
FIELDS = {
    "name": "Navn",
    "external_id": "Eget id",
    "description": "Beskrivelse",
    "purpose": "Formål",
    "kind": "Type",
    "status": "Status",
    "track": "Spor",
    "department": "Forvaltning",
    "parent_id": "Del af (id)",
    "areas": "Områder",
    "themes": "Temaer",
    "indicators": "Indikatorer",
    "target_group": "Målgruppe",
    "start_date": "Startdato",
    "end_date": "Slutdato",
    "contact_name": "Kontaktperson",
    "contact_email": "Kontakt-e-mail",
    "budget_lines": "Budgetlinjer",
    "success_criteria": "Succeskriterier",
    "evaluations": "Evalueringer",
    "material": "Materiale",
    "archived_at": "Arkiveret",
    "organisations": "Organisationer",
    "people": "Personer med roller",
    "reach": "Deltagere",
    "in_kind": "Bidrag i arbejdstid",
}
VALUE_LABELS = {"kind": KIND_LABELS, "status": STATUS_LABELS, "track": TRACK_LABELS}
MAX_TEXT = 160


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class Entry:
    record: AuditRecordPublic
    action: str
    changes: list[Change]


def _value(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(tom)"
    if field in VALUE_LABELS and isinstance(value, str):
        return VALUE_LABELS[field].get(value, value)
    if isinstance(value, list):
        if all(isinstance(v, str | int) for v in value):
            return ", ".join(str(v) for v in value)
        return f"{len(value)} {'post' if len(value) == 1 else 'poster'}"
    if isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def entries(records: list[AuditRecordPublic]) -> list[Entry]:
    found = []
    for record in records:
        changes = []
        for field, change in sorted(record.changes.items()):
            if isinstance(change, dict) and set(change) <= {"before", "after"}:
                before, after = _value(field, change.get("before")), _value(field, change.get("after"))
                if record.action == "create":  # nothing before: only what it was created with
                    before = ""
                changes.append(Change(FIELDS.get(field, field), before, after))
            else:
                changes.append(Change(FIELDS.get(field, field), "", _value(field, change)))
        found.append(Entry(record=record, action=ACTIONS.get(record.action, record.action), changes=changes))
    return found
