"""The services' refusals in Danish, beside the fields they name: one mapping by error type (pydantic's `type`,
the services' `type` in `errors[]`, the AppError's slug), never by message text, so that a reworded English
message keeps its Danish one. Any form page can use it: `field_errors(exc)` turns a pydantic ValidationError or
an AppError into {field key: Danish message}, where the key is the error's loc without "body"/"query", joined
with "-" (["body", "budget_lines", 0, "amount"] → "budget_lines-0-amount"), the names form fields carry."""

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from app.errors import AppError

# By error type, whatever the field. {ge}, {le}, {min_length}, {max_length} come from pydantic's ctx.
BY_TYPE = {
    "missing": "Skal udfyldes",
    "string_too_short": "Skal udfyldes",
    "string_too_long": "Må højst være {max_length} tegn",
    "string_pattern_mismatch": "Er ikke skrevet, som det skal være",
    "string_type": "Skal være tekst",
    "too_long": "Der må højst være {max_length}",
    "int_parsing": "Skriv et helt tal",
    "int_type": "Skriv et helt tal",
    "int_from_float": "Skriv et helt tal",
    "decimal_parsing": "Skriv et tal, fx 12,5",
    "decimal_type": "Skriv et tal, fx 12,5",
    "decimal_max_digits": "Tallet har for mange cifre",
    "decimal_max_places": "Tallet har for mange decimaler",
    "decimal_whole_digits": "Tallet har for mange cifre før kommaet",
    "finite_number": "Skriv et tal, fx 12,5",
    "greater_than_equal": "Skal være mindst {ge}",
    "greater_than": "Skal være større end {gt}",
    "less_than_equal": "Må højst være {le}",
    "less_than": "Skal være mindre end {lt}",
    "date_parsing": "Skriv en dato som dd.mm.åååå",
    "date_from_datetime_parsing": "Skriv en dato som dd.mm.åååå",
    "date_type": "Skriv en dato som dd.mm.åååå",
    "enum": "Vælg en af mulighederne",
    "literal_error": "Vælg en af mulighederne",
    "extra_forbidden": "Feltet kendes ikke",
    # The models' own checks (texts: too long, or a NUL or bidirectional control character; fields that say it
    # better are in BY_FIELD).
    "value_error": "Teksten er for lang eller indeholder et tegn, der ikke kan gemmes",
    # The services' own types (services.reference.CodeChecker and the rules of each service).
    "unknown_code": "Vælg en af mulighederne på listen",
    "period": "Slutdatoen ligger før startdatoen",
    "cycle": "En indsats kan ikke ligge under sig selv eller under en af sine egne delindsatser",
    "unknown_parent": "Der findes ingen aktiv indsats med det id",
    "null": "Skal udfyldes",
    "status_transition": (
        "Den statusændring kræver en begrundelse, eller den er ikke tilladt fra indsatsens nuværende status"
    ),
    "unknown_material": "Materialet hører ikke til denne indsats",
    "rule": "Passer ikke med reglerne for indsatser",
    # The field types' own checks (app/models/types.py), each with its type
    "empty": "Skal udfyldes",
    "text_too_long": "Må højst være {max_length} tegn",
    "forbidden_character": "Teksten indeholder et tegn, der ikke kan gemmes",
    "decimal_format": "Skriv et tal, fx 12,5",
    "too_many_decimals": "Tallet har for mange decimaler (højst {decimals})",
    "too_many_digits": "Tallet har for mange cifre før kommaet",
    "negative": "Må ikke være negativt",
    "boolean_not_number": "Skriv et tal",
    "amount_too_large": "Beløbet er for stort (højst 10.000.000.000 kr.)",
    "date_format": "Skriv en dato som dd.mm.åååå",
    "date_range": "Skriv en dato mellem 1900 og 2100",
    "duplicate_code": "En kode er valgt mere end én gang",
    "year_before_start": "Året ligger uden for indsatsens periode",
    "year_after_end": "Året ligger uden for indsatsens periode",
    "duplicate_line": "Der er allerede en linje med samme år, kategori, finansiering og type: læg beløbene sammen",
}

# By the kind of field (the last name in the loc) and the type, where a field says it better.
BY_FIELD = {
    ("amount", "value_error"): "Skriv et beløb i kroner med højst to decimaler, fx 12.500,50",
    ("amount", "decimal_parsing"): "Skriv et beløb i kroner med højst to decimaler, fx 12.500,50",
    ("amount", "greater_than_equal"): "Beløbet må ikke være negativt",
    ("amount", "less_than_equal"): "Beløbet er for stort (højst {le} kr.)",
    ("baseline", "value_error"): "Skriv et tal, fx 12,5",
    ("target", "value_error"): "Skriv et tal, fx 12,5",
    ("actual_value", "value_error"): "Skriv et tal, fx 12,5",
    ("year", "greater_than_equal"): "Skriv et årstal fra {ge}",
    ("year", "less_than_equal"): "Skriv et årstal til og med {le}",
    ("year", "rule"): "Året ligger uden for indsatsens periode",
    ("year", "value_error"): "Skriv et årstal, fx 2024",
    ("start_date", "rule"): "Indsatsen har budgetlinjer fra før denne startdato",
    ("end_date", "rule"): "Indsatsen har budgetlinjer fra efter denne slutdato",
    ("start_date", "value_error"): "Skriv en dato mellem 1900 og 2100",
    ("end_date", "value_error"): "Skriv en dato mellem 1900 og 2100",
    ("target_date", "value_error"): "Skriv en dato mellem 1900 og 2100",
    ("date", "value_error"): "Skriv en dato mellem 1900 og 2100",
    ("contact_email", "string_pattern_mismatch"): "Skriv en e-mailadresse, fx navn@gladsaxe.dk",
    ("url", "string_pattern_mismatch"): "Skriv en webadresse, der begynder med https:// eller http://",
    ("url", "value_error"): "Skriv en webadresse uden mellemrum og uden brugernavn, fx https://gladsaxe.dk/rapport",
    ("language", "string_pattern_mismatch"): "Skriv en sprogkode med to små bogstaver, fx da",
    ("budget_lines", "rule"): (
        "Der er allerede en linje med samme år, kategori, finansiering og type: læg beløbene sammen"
    ),
    ("areas", "value_error"): "Et område er valgt mere end én gang",
    ("cursor", ""): "Linket til denne side gælder ikke længere: begynd fra første side",
    ("themes", "value_error"): "Et tema er valgt mere end én gang",
    ("indicators", "value_error"): "En indikator er valgt mere end én gang",
    **{
        ("amount", kind): "Skriv et beløb i kroner med højst to decimaler, fx 12.500,50"
        for kind in ("decimal_format", "too_many_decimals", "too_many_digits", "boolean_not_number", "empty")
    },
    ("amount", "negative"): "Beløbet må ikke være negativt",
    **{
        (field, kind): "Skriv et tal, fx 12,5"
        for field in ("baseline", "target", "actual_value")
        for kind in ("decimal_format", "too_many_decimals", "too_many_digits", "boolean_not_number")
    },
    ("year", "boolean_not_number"): "Skriv et årstal, fx 2024",
    ("areas", "duplicate_code"): "Et område er valgt mere end én gang",
    # The parties (app/models/party.py, services/parties.check_parties): a row's own checks name the row.
    ("organisations", "rule"): "Organisationen står der allerede med den rolle: én linje pr. organisation og rolle",
    ("reach", "rule"): "Der er allerede en linje med samme år og enhed: læg tallene sammen",
    ("reach", "value_error"): "Udfyld planlagt antal, faktisk antal eller begge",
    ("in_kind", "value_error"): "Udfyld timer, medarbejdere eller begge",
    ("organisation", "unknown_code"): "Vælg en af de registrerede organisationer",
    ("funding_organisation", "unknown_code"): "Vælg en af de registrerede organisationer",
    ("email", "string_pattern_mismatch"): "Skriv en e-mailadresse, fx navn@gladsaxe.dk",
    **{
        (field, kind): text
        for field in ("planned", "actual", "hours", "staff")
        for kind, text in (
            ("greater_than_equal", "Må ikke være negativt"),
            ("int_parsing", "Skriv et helt tal, fx 1.200"),
            ("int_from_float", "Skriv et helt tal, fx 1.200"),
            ("less_than_equal", "Må højst være {le}"),
        )
    },
    ("themes", "duplicate_code"): "Et tema er valgt mere end én gang",
    ("indicators", "duplicate_code"): "En indikator er valgt mere end én gang",
}

# By the AppError's slug, for an error of the whole request (or a field error without its own type).
BY_PROBLEM = {
    "conflict": "Værdien bruges allerede af en anden indsats",
    "forbidden": "Din rolle eller forvaltning giver ikke ret til det",
    "unauthorized": "Du er ikke logget ind",
    "not-found": "Det findes ikke (længere)",
    "precondition-failed": "En anden har ændret indsatsen, siden du åbnede formularen",
    "rule-violation": "Passer ikke med reglerne for indsatser",
    "bad-request": "Oplysningerne kan ikke bruges",
}
FALLBACK = "Værdien kan ikke bruges"


def _number(value: Any) -> str:
    """A bound as Danish text: 2100 → "2100" (a year), 10000000000 → "10.000.000.000", 0.5 → "0,5"."""
    if isinstance(value, str) and (m := re.fullmatch(r"Decimal\('(-?[0-9.]+)'\)", value)):
        value = Decimal(m.group(1))  # pydantic gives a Decimal bound as its repr
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    value = Decimal(str(value))
    if value == value.to_integral_value():
        whole = int(value)
        return f"{whole:,}".replace(",", ".") if abs(whole) >= 10_000 else str(whole)
    return format(value.normalize(), "f").replace(".", ",")


def fill(text: str, ctx: dict | None) -> str:
    """A message with its bounds filled in as Danish numbers; KeyError when the ctx lacks one it names."""
    return text.format(**{k: _number(v) for k, v in (ctx or {}).items()})


def danish(error_type: str | None, field: str | None = None, ctx: dict | None = None, slug: str | None = None) -> str:
    """The Danish message for an error of `error_type` on a field of kind `field` (the last name in its loc)."""
    text = BY_FIELD.get((field or "", error_type or "")) or BY_TYPE.get(error_type or "")
    if text is None:
        text = BY_PROBLEM.get(slug or "", FALLBACK)
    try:
        return fill(text, ctx)
    except (KeyError, IndexError, ValueError):
        return text


def field_key(loc: Iterable[Any]) -> str:
    """["body", "budget_lines", 0, "amount"] → "budget_lines-0-amount" (the form field's name)."""
    return "-".join(str(part) for part in loc if part not in ("body", "query", "path"))


def _field_kind(loc: list[Any]) -> str | None:
    names = [p for p in loc if isinstance(p, str) and p not in ("body", "query", "path")]
    return names[-1] if names else None


def _entries(exc: ValidationError | AppError) -> list[tuple[list[Any], str | None, dict, str | None]]:
    if isinstance(exc, ValidationError):
        return [(list(e["loc"]), e["type"], e.get("ctx") or {}, None) for e in exc.errors()]
    return [(list(e.get("loc") or []), e.get("type"), {}, exc.slug) for e in exc.errors or []]


def field_errors(exc: ValidationError | AppError, fields: Iterable[str] = ()) -> dict[str, str]:
    """{field key: Danish message} for every problem an error names. With `fields` (the keys the form has), a loc
    deeper than any field is placed on the nearest field above it (["body", "areas", 2] → "areas"); an error that
    names no field has the key "" (for the summary at the top of the form)."""
    known = set(fields)
    found: dict[str, str] = {}
    for loc, error_type, ctx, slug in _entries(exc):
        parts = [p for p in loc if p not in ("body", "query", "path")]
        key = field_key(parts)
        if known:
            while parts and key not in known:
                parts = parts[:-1]
                key = field_key(parts)
        found.setdefault(key, danish(error_type, _field_kind(loc), ctx, slug))
    if not found:
        found[""] = danish(None, slug=getattr(exc, "slug", None))
    return found
