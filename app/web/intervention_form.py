"""The intervention form's values: read from a posted form (as typed, so a refused form shows them again), from an
intervention (to edit it), and turned into the API's request body (InterventionCreate / InterventionUpdate), so
that the same models and services decide what is valid. Rows of budget lines, success criteria and the parties
(organisations with a role, people, reach, in-kind staff time) are named `budget_lines-0-amount`,
`success_criteria-1-description`, `reach-0-planned`, …: the keys the services' error locs become."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData

from app.models.intervention import InterventionPublic
from app.web.common import kr
from app.web.party_rows import (
    COUNTS,
    PARTY_DEFAULTS,
    PARTY_LABELS,
    PARTY_ROWS,
    PARTY_TITLES,
    count,
    party_rows,
    party_text,
)

SCALARS = (
    "name",
    "external_id",
    "kind",
    "status",
    "status_reason",
    "track",
    "department",
    "parent_id",
    "description",
    "purpose",
    "target_group",
    "start_date",
    "end_date",
    "contact_name",
    "contact_email",
)
LISTS = ("areas", "themes", "indicators")
ROWS = {
    "budget_lines": ("year", "category", "funding_source", "type", "amount", "note", "funding_organisation"),
    "success_criteria": (
        "description",
        "indicator",
        "baseline",
        "target",
        "unit",
        "target_date",
        "outcome",
        "actual_value",
    ),
    **PARTY_ROWS,
}
ROW_DEFAULTS = {
    "budget_lines": {"type": "budget"},
    "success_criteria": {"outcome": "not_assessed"},
    **PARTY_DEFAULTS,
}
# What the conflict page calls each set of rows.
ROW_TITLES = {
    "budget_lines": "Budgetlinjer",
    "success_criteria": "Succeskriterier",
    **PARTY_TITLES,
}
MAX_ROWS = 500  # rows a form offers; the API takes more lines through PUT or the spreadsheet import
NUMBERS = {"amount", "baseline", "target", "actual_value"}
MAX_TEXT = 20_000

LABELS = {
    "name": "Navn",
    "external_id": "Eget id",
    "kind": "Type",
    "status": "Status",
    "status_reason": "Begrundelse for statusændring",
    "track": "Spor",
    "department": "Forvaltning",
    "parent_id": "Del af indsats (id)",
    "description": "Beskrivelse",
    "purpose": "Formål",
    "target_group": "Målgruppe",
    "start_date": "Startdato",
    "end_date": "Slutdato",
    "contact_name": "Kontaktperson",
    "contact_email": "Kontaktpersonens e-mail",
    "areas": "Områder",
    "themes": "Temaer",
    "indicators": "Indikatorer",
    "budget_lines": "Budgetlinje",
    "success_criteria": "Succeskriterium",
    "year": "År",
    "category": "Udgiftsart",
    "funding_source": "Finansiering",
    "type": "Budget eller forbrug",
    "amount": "Beløb (kr.)",
    "note": "Note",
    "indicator": "Indikator",
    "baseline": "Udgangspunkt",
    "target": "Mål",
    "unit": "Enhed",
    "target_date": "Måldato",
    "outcome": "Opfyldt?",
    "actual_value": "Opnået værdi",
    "funding_organisation": "Betales af organisation",
    **PARTY_LABELS,
}


@dataclass
class InterventionForm:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def keys(self) -> list[str]:
        """Every field (and row) the form has: where an error's loc may point."""
        keys = [*SCALARS, *LISTS]
        for name, columns in ROWS.items():
            for i in range(len(self.values.get(name, []))):
                keys.append(f"{name}-{i}")
                keys.extend(f"{name}-{i}-{c}" for c in columns)
        return keys

    def label(self, key: str) -> str:
        """ "budget_lines-1-amount" → "Budgetlinje 2, Beløb (kr.)"."""
        parts = key.split("-")
        if len(parts) >= 2 and parts[1].isdigit():
            text = f"{LABELS[parts[0]]} {int(parts[1]) + 1}"
            return f"{text}, {LABELS.get(parts[2], parts[2])}" if len(parts) > 2 else text
        return LABELS.get(key, "Formularen") if key else "Formularen"


def blank(department: str | None = None) -> InterventionForm:
    values: dict[str, Any] = dict.fromkeys(SCALARS, "")
    values.update(kind="project", status="planned", department=department or "")
    values.update({name: [] for name in LISTS})
    values.update({name: [] for name in ROWS})
    values["budget_lines"] = [_new_row("budget_lines")]
    return InterventionForm(values=values)


def _new_row(name: str) -> dict[str, str]:
    return dict.fromkeys(ROWS[name], "") | ROW_DEFAULTS[name]


def posted_text(value: Any) -> str:
    """A posted field as text: browsers send a textarea's line breaks as CRLF, the registry keeps LF (so that a
    save of an unchanged text changes nothing)."""
    return value.replace("\r\n", "\n")[:MAX_TEXT] if isinstance(value, str) else ""


def from_post(form: FormData) -> InterventionForm:
    """The values as typed (texts, never parsed here, so that they are shown again as they were)."""
    values: dict[str, Any] = {name: posted_text(form.get(name)) for name in SCALARS}
    values.update({name: [posted_text(v) for v in form.getlist(name)[:100]] for name in LISTS})
    for name, columns in ROWS.items():
        indices = sorted(
            {int(m.group(1)) for key in form.keys() if (m := re.fullmatch(rf"{name}-(\d{{1,4}})-\w+", key))}
        )[:MAX_ROWS]
        values[name] = [{c: posted_text(form.get(f"{name}-{i}-{c}")) for c in columns} for i in indices]
    return InterventionForm(values=values)


def apply_row_action(form: InterventionForm, action: str) -> bool:
    """ "add-budget_lines" adds an empty row, "remove-budget_lines-2" removes the third: True for every action
    but "save" (an unknown one changes nothing and saves nothing either)."""
    if action == "save":
        return False
    if (m := re.fullmatch(r"add-(\w+)", action)) and m.group(1) in ROWS:
        rows = form.values[m.group(1)]
        if len(rows) < MAX_ROWS:
            rows.append(_new_row(m.group(1)))
        return True
    if (m := re.fullmatch(r"remove-(\w+)-(\d{1,4})", action)) and m.group(1) in ROWS:
        rows = form.values[m.group(1)]
        if int(m.group(2)) < len(rows):
            del rows[int(m.group(2))]
    return True


# --- from an intervention ----------------------------------------------------------------------------------


def number_text(value: Decimal | None, *, money: bool = False) -> str:
    """A number as a Danish person writes it: 12500.5 → "12.500,50" (money), 12.5 → "12,5"."""
    if value is None:
        return ""
    return kr(value) if money else format(value, "f").replace(".", ",")


def from_intervention(item: InterventionPublic) -> InterventionForm:
    values: dict[str, Any] = dict.fromkeys(SCALARS, "")
    for name in SCALARS:
        value = getattr(item, name, None)
        if value is not None:
            values[name] = str(getattr(value, "value", value))
    values["areas"], values["themes"] = list(item.areas), list(item.themes)
    values["indicators"] = [str(i) for i in item.indicators]
    values["budget_lines"] = [
        {
            "year": str(line.year),
            "category": line.category,
            "funding_source": line.funding_source,
            "type": line.type.value,
            "amount": number_text(line.amount, money=True),
            "note": line.note or "",
            "funding_organisation": line.funding_organisation or "",
        }
        for line in item.budget_lines
    ]
    values["success_criteria"] = [
        {
            "description": crit.description,
            "indicator": str(crit.indicator or ""),
            "baseline": number_text(crit.baseline),
            "target": number_text(crit.target),
            "unit": crit.unit or "",
            "target_date": crit.target_date.isoformat() if crit.target_date else "",
            "outcome": crit.outcome.value,
            "actual_value": number_text(crit.actual_value),
        }
        for crit in item.success_criteria
    ]
    values.update(party_rows(item))
    return InterventionForm(values=values)


# --- to the API's request body -----------------------------------------------------------------------------

_GROUPED = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")  # 12.500,50
_COMMA = re.compile(r"-?\d+(,\d+)?")  # 12500,50
_POINT = re.compile(r"-?\d+\.\d+")  # 12.5: a point as decimal separator (not groups of three)


def danish_number(text: str) -> Decimal | str:
    """ "12.500,50" → Decimal("12500.50"); what is not a number is passed on as typed, for the model to refuse
    (a refused value gets the model's own message, in Danish)."""
    compact = text.replace(" ", "").replace("\u00a0", "").replace("−", "-")
    try:
        if _GROUPED.fullmatch(compact) or _COMMA.fullmatch(compact):
            return Decimal(compact.replace(".", "").replace(",", "."))
        if _POINT.fullmatch(compact):
            return Decimal(compact)
    except InvalidOperation:
        pass
    return text


def _whole(text: str) -> int | str:
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d{1,10}", text) else text


_DANISH_DATE = re.compile(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})")  # 31.12.2024, where no date picker is shown


def value_of(name: str, text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    if name.endswith("date") and (m := _DANISH_DATE.fullmatch(text)):
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    if name in NUMBERS:
        return danish_number(text)
    if name in ("year", "indicator", "parent_id"):
        return _whole(text)
    if name in COUNTS:
        return count(text)
    return text


def _empty(name: str, row: dict[str, str]) -> bool:
    """A row left wholly empty (or holding only its defaults) is no row."""
    return all(not row.get(c, "").strip() or row.get(c) == ROW_DEFAULTS[name].get(c) for c in ROWS[name])


def drop_empty_rows(form: InterventionForm) -> None:
    """Before saving: rows added and left empty go (so that the indices of the errors are the rows shown)."""
    for name in ROWS:
        form.values[name] = [row for row in form.values[name] if not _empty(name, row)]


def _rows(name: str, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [{c: v for c in ROWS[name] if (v := value_of(c, row.get(c, ""))) is not None} for row in rows]


def payload(form: InterventionForm, *, update: bool = False) -> dict[str, Any]:
    """The request body of POST /interventions (or, with update, of a PATCH that sends every field: what the form
    shows is what the intervention becomes; the service leaves fields that are unchanged alone)."""
    values = form.values
    body: dict[str, Any] = {}
    for name in SCALARS:
        if name == "status_reason" and not update:
            continue
        value = value_of(name, values.get(name, ""))
        if value is not None or update and name != "status_reason":
            body[name] = value
    body["areas"], body["themes"] = list(values["areas"]), list(values["themes"])
    body["indicators"] = [_whole(i) for i in values["indicators"]]
    for name in ROWS:
        body[name] = _rows(name, values[name])
    return body


# --- what differs (the form of a second saver beside what the first one saved) ------------------------------


@dataclass
class Difference:
    label: str
    saved: str
    yours: str


_CHOICE_FIELDS = {
    "kind": "kind",
    "status": "status",
    "track": "track",
    "department": "department",
    "areas": "area",
    "themes": "theme",
    "indicators": "indicator",
}


def _shown(value: Any, labels: dict[str, str]) -> str:
    if isinstance(value, list):
        return ", ".join(labels.get(v, v) for v in sorted(value)) or "(tom)"
    value = (value or "").strip()
    return labels.get(value, value) or "(tom)"


def _row_text(name: str, row: dict[str, str], labels: dict[str, dict[str, str]]) -> str:
    def number(key: str, money: bool = False) -> str:
        value = danish_number(row.get(key, "").strip())
        return number_text(value, money=money) if isinstance(value, Decimal) else row.get(key, "")

    if name == "budget_lines":
        kind = labels["budget_type"].get(row.get("type", ""), row.get("type", ""))
        parts = (row.get("year"), row.get("category"), row.get("funding_source"), kind, number("amount", True) + " kr.")
        payer = row.get("funding_organisation", "").strip()
        return " · ".join(str(p) for p in parts) + (f" ({payer})" if payer else "")
    if name in PARTY_ROWS:
        return party_text(name, row, labels)
    target = number("target")
    return row.get("description", "").strip() + (f" (mål {target} {row.get('unit', '')})".rstrip() if target else "")


def differences(
    saved: InterventionForm, yours: InterventionForm, choices: dict[str, list[tuple[str, str]]]
) -> list[Difference]:
    """The fields whose saved value is not what the form holds, as Danish texts side by side."""
    labels = {key: dict(pairs) for key, pairs in choices.items()}
    found = []
    for name in (*SCALARS, *LISTS):
        if name == "status_reason":
            continue
        field_labels = labels.get(_CHOICE_FIELDS.get(name, ""), {})
        a, b = _shown(saved.values.get(name), field_labels), _shown(yours.values.get(name), field_labels)
        if a != b:
            found.append(Difference(LABELS[name], a, b))
    for name in ROWS:
        a = [_row_text(name, r, labels) for r in saved.values[name] if not _empty(name, r)]
        b = [_row_text(name, r, labels) for r in yours.values[name] if not _empty(name, r)]
        if name == "reach":  # a set of (year, unit): the order of the rows is not a difference
            a, b = sorted(a), sorted(b)
        if a != b:
            found.append(Difference(ROW_TITLES[name], "; ".join(a) or "(ingen)", "; ".join(b) or "(ingen)"))
    return found
