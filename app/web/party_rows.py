"""The parties of an intervention as rows of its form (app/web/intervention_form.py): organisations with a role,
people with a role, reach and in-kind staff time, with the columns InterventionCreate/InterventionUpdate carry
(app/models/party.py). Organisations are named by name, as in the API's payload, and chosen from a select."""

import re
from typing import Any

from app.models.intervention import InterventionPublic

PARTY_ROWS = {
    "organisations": ("organisation", "role", "note"),
    "people": ("role", "name", "title", "email"),
    "reach": ("year", "unit", "planned", "actual"),
    "in_kind": ("year", "organisation", "hours", "staff", "description"),
}
# A row holding only these (or nothing) is no row: it is dropped before the save.
PARTY_DEFAULTS = {"organisations": {"role": "partner"}, "people": {"role": "contact"}, "reach": {}, "in_kind": {}}
# What the conflict page calls each set.
PARTY_TITLES = {
    "organisations": "Organisationer",
    "people": "Personer med roller",
    "reach": "Deltagere",
    "in_kind": "Bidrag i form af arbejdstid",
}
# A row's name ("Deltagertal 2") and its columns' labels, as the list of problems names them.
PARTY_LABELS = {
    "organisations": "Organisation",
    "people": "Person",
    "reach": "Deltagertal",
    "in_kind": "Arbejdstid",
    "organisation": "Organisation",
    "role": "Rolle",
    "title": "Stilling",
    "email": "E-mail",
    "planned": "Planlagt antal",
    "actual": "Faktisk antal",
    "hours": "Timer",
    "staff": "Medarbejdere",
}
COUNTS = {"planned", "actual", "hours", "staff"}  # whole numbers, which a Danish person may group: 1.200

_GROUPED_WHOLE = re.compile(r"-?\d{1,3}(\.\d{3})+")  # 1.200
_WHOLE = re.compile(r"-?\d{1,10}")


def count(text: str) -> int | str:
    """A whole number as a Danish person may write it: "1.200" or "1 200" → 1200; anything else as typed, for the
    model to refuse with its own message."""
    compact = text.strip().replace(" ", "").replace("\u00a0", "").replace("−", "-")
    if _GROUPED_WHOLE.fullmatch(compact):
        compact = compact.replace(".", "")
    return int(compact) if _WHOLE.fullmatch(compact) else text.strip()


def _text(value: Any) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def party_rows(item: InterventionPublic) -> dict[str, list[dict[str, str]]]:
    """The parties of an intervention as the form's rows: each column from the public item's field of that name."""
    return {
        name: [{c: _text(getattr(party, c)) for c in columns} for party in getattr(item, name)]
        for name, columns in PARTY_ROWS.items()
    }


# --- a row as text (the conflict page: what is saved beside what was typed) ----------------------------------


def _label(labels: dict[str, dict[str, str]], kind: str, value: str) -> str:
    return labels.get(kind, {}).get(value, value)


def _counted(row: dict[str, str], key: str, word: str) -> str:
    """ "1.200 timer", typed 1200 or 1.200 (so that the saved 1200 and a typed 1.200 are no difference)."""
    value = count(row.get(key, ""))
    if isinstance(value, int):
        value = f"{value:,}".replace(",", ".")
    return f"{value} {word}" if value else ""


def _joined(*parts: str) -> str:
    return " · ".join(p.strip() for p in parts if p and p.strip())


def party_text(name: str, r: dict[str, str], labels: dict[str, dict[str, str]]) -> str:
    if name == "organisations":
        return _joined(
            r.get("organisation", ""), _label(labels, "organisation_role", r.get("role", "")), r.get("note", "")
        )
    if name == "people":
        role = _label(labels, "person_role", r.get("role", ""))
        return _joined(role, r.get("name", ""), r.get("title", ""), r.get("email", ""))
    if name == "reach":
        unit = _label(labels, "reach_unit", r.get("unit", ""))
        return _joined(r.get("year", ""), unit, _counted(r, "planned", "planlagt"), _counted(r, "actual", "faktisk"))
    hours, staff = _counted(r, "hours", "timer"), _counted(r, "staff", "medarbejdere")
    return _joined(r.get("year", ""), r.get("organisation", ""), hours, staff, r.get("description", ""))
