"""The import's problems in Danish, for the web page: one mapping from the problem's `type` (a validation type
of pydantic or the field types, or one of the import's own, see services/imports.py and services/interchange.py)
to a Danish sentence, filled in from the problem's `ctx`. A type without a translation shows the service's own
(English) message, so that a new kind of problem is never hidden."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from app.models.interchange import COLUMN_HEADINGS
from app.models.intervention import STATUS_LABELS
from app.web import messages as form_messages

CODE_KINDS = {
    "department": "forvaltningskode",
    "area": "bydel",
    "theme": "temakode",
    "indicator": "indikatornummer",
    "funding source": "finansieringskilde",
    "round": "runde",
}
_DATE = "skal være en dato som 31-12-2024 eller 2024-12-31"
_NUMBER = "skal være et tal som 1250,50 eller 1250.50 (uden tusindtalsseparator)"
_WHOLE = "skal være et helt tal"
_TOO_LARGE_FILE = "Filen er for stor til at blive læst; del den op i flere filer"


def _day(text: Any) -> str:
    try:
        return date.fromisoformat(str(text)).strftime("%d.%m.%Y")
    except ValueError:
        return str(text)


def _status(code: Any) -> str:
    try:
        return STATUS_LABELS[code].lower()
    except KeyError:
        return str(code)


def _as_in_forms(error_type: str) -> Callable[[dict[str, Any]], str]:
    """The form's message for a type whose rule reads the same in a form and in an import report (one table,
    app/web/messages.py), begun in lower case: the report puts it after the column's name."""

    def message(ctx: dict[str, Any]) -> str:
        text = form_messages.fill(form_messages.BY_TYPE[error_type], ctx)
        return text[:1].lower() + text[1:]

    return message


# Translated once, in app/web/messages.py.
FORM_TYPES = (
    "missing",
    "string_too_short",
    "negative",
    "greater_than_equal",
    "less_than_equal",
    "greater_than",
    "less_than",
)


def _not_a_code(ctx: dict[str, Any]) -> str:
    return f"'{ctx.get('input', '')}' er ikke en gyldig kode; vælg en af {ctx.get('expected', '')}"


def _kr(text: Any) -> str:
    amount = Decimal(str(text))
    return f"{amount:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


MESSAGES: dict[str, str | Callable[[dict[str, Any]], str]] = {
    # the cells and fields (pydantic's types and the registry's field types)
    **{error_type: _as_in_forms(error_type) for error_type in FORM_TYPES},
    "empty": "må ikke være tom",
    "extra_forbidden": "er ikke en kolonne eller et felt, importen kender",
    "string_type": "skal være en tekst",
    "text_too_long": lambda c: f"må højst være {c['max_length']:,} tegn".replace(",", "."),
    "string_too_long": lambda c: f"må højst være {c['max_length']:,} tegn".replace(",", "."),
    "string_pattern_mismatch": "har ikke den forventede form (fx en e-mailadresse som navn@gladsaxe.dk)",
    "forbidden_character": lambda c: f"må ikke indeholde tegnet {c['char']}",
    "int_parsing": _WHOLE,
    "int_type": _WHOLE,
    "int_from_float": _WHOLE,
    "boolean_not_number": "skal være et tal, ikke sand/falsk",
    "decimal_format": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_max_digits": "har for mange cifre",
    "decimal_max_places": "har for mange decimaler",
    "too_many_decimals": lambda c: f"må højst have {c['decimals']} decimaler",
    "too_many_digits": lambda c: f"må højst have {c['digits']} cifre før kommaet",
    "amount_too_large": lambda c: f"må højst være {_kr(c['max'])} kr.",
    "date_format": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_type": _DATE,
    "date_range": lambda c: f"skal ligge mellem {_day(c['min'])} og {_day(c['max'])}",
    "enum": _not_a_code,
    "literal_error": _not_a_code,
    "duplicate_code": "nævner den samme kode mere end én gang",
    "list_type": "skal være en liste af koder",
    "too_long": lambda c: f"må højst have {c['max_length']} elementer",
    "bool_parsing": "skal være ja eller nej (true/false)",
    # the file as a whole (services/interchange.py)
    "no_file": "Vælg en fil (CSV eller XLSX) at importere",
    "unsupported_file": "Filen er hverken CSV, XLSX eller JSON (filnavnet skal ende på .csv, .xlsx eller .json)",
    "json_invalid": "Filen er ikke gyldig JSON",
    "json_not_array": "JSON-filen skal være en liste af indsatser",
    "json_not_objects": "JSON-filen skal være en liste af objekter med kolonnernes navne",
    "json_too_deep": "JSON-filen er indlejret for dybt",
    "csv_utf16": (
        "CSV-filen er gemt som UTF-16 ('Unicode-tekst'); gem den som 'CSV UTF-8' eller 'CSV (semikolonsepareret)'"
    ),
    "csv_bad_utf8": lambda c: f"CSV-filen begynder som UTF-8, men byte {c['byte']} er ikke UTF-8-tekst",
    "csv_encoding": lambda c: (
        f"CSV-filen er hverken UTF-8 eller Windows-1252 (byte {c['byte']}); gem den i Excel som 'CSV UTF-8' "
        "eller 'CSV (semikolonsepareret)'"
    ),
    "line_too_long": lambda c: f"Linje {c['line']} er for lang til at blive læst",
    "cell_too_long": "En celle er for lang (den længste tekst registret tager, er 20.000 tegn)",
    "csv_unreadable": "CSV-filen kan ikke læses",
    "too_many_columns": lambda c: f"Rækken har {c['columns']} kolonner; en import læser højst {c['max']}",
    "xlsx_too_large": _TOO_LARGE_FILE,
    "xlsx_unreadable": "Filen er ikke et regneark (XLSX), der kan læses",
    "empty_file": "Filen er tom: den første række skal navngive kolonnerne",
    "unknown_column": lambda c: f"Ukendt kolonne (kolonne nr. {c['position']}); se skabelonen",
    "repeated_column": lambda c: f"Kolonnen findes mere end én gang (kolonne nr. {c['first']} og {c['position']})",
    "missing_column": "Kolonnen mangler; den skal være med i filen",
    "differs_from_row": lambda c: (
        f"afviger fra række {c['other_row']} med samme nøgle ('{c['value']}'); lad cellen være tom eller gentag værdien"
    ),
    "ambiguous_amount": lambda c: (
        f"beløbet '{c['value']}' er tvetydigt (tusindtalsseparator eller decimalkomma?); skriv det uden "
        "tusindtalsseparator, fx 1234 eller 1234,50"
    ),
    # the survey and register figures (services/observation_imports.py)
    "indicator_number": "skal være et indikatornummer, fx 3",
    "year_range": lambda c: f"skal være et årstal mellem {c['min']} og {c['max']}",
    "round_or_year": "angiv runden (eller, for et ambitionsniveau, året)",
    "round_year": lambda c: f"runden {c['round']} er fra {c['round_year']}, ikke {c['year']}",
    "observation_kind": "skal være måling, basis eller mål",
    "target_with_round": "et ambitionsniveau (mål) hører til et år, ikke til en runde: lad runden være tom",
    "ambiguous_number": lambda c: (
        f"tallet '{c['value']}' er tvetydigt (tusindtalsseparator eller decimalkomma?); skriv fx 1234,5 eller 1234.5"
    ),
    "repeated_row": lambda c: f"gentager række {c['other_row']} (samme indikator, område, år og art)",
    # the registry's rules
    "unknown_code": lambda c: f"ukendt {CODE_KINDS.get(c['kind'], c['kind'])}: '{c['value']}'",
    "period": lambda c: f"startdatoen {_day(c['start'])} ligger efter slutdatoen {_day(c['end'])}",
    "year_before_start": lambda c: f"året {c['year']} ligger før indsatsens start ({_day(c['date'])})",
    "year_after_end": lambda c: f"året {c['year']} ligger efter indsatsens slutning ({_day(c['date'])})",
    "duplicate_line": (
        "en anden budgetlinje har samme år, kategori, finansieringskilde og budgettype; læg beløbene sammen"
    ),
    "duplicate_external_id": lambda c: f"nøglen '{c['value']}' står allerede i række {c['other_row']}",
    "archived": lambda c: f"'{c['value']}' er en arkiveret indsats",
    "exists_already": lambda c: f"'{c['value']}' findes allerede i registret",
    "does_not_exist": lambda c: f"'{c['value']}' findes ikke i registret",
    "parent_id_in_import": "angiv den overordnede indsats med dens nøgle (kolonnen Overordnet indsats)",
    "own_parent": "en indsats kan ikke ligge under sig selv",
    "unknown_parent": lambda c: f"der er ingen indsats med nøglen '{c['value']}' i filen eller i registret",
    "cycle": lambda c: f"indsatserne ville komme til at ligge under hinanden i ring (gennem '{c['value']}')",
    "status_refused": lambda c: (
        f"en indsats kan ikke gå fra '{_status(c['before'])}' til '{_status(c['after'])}': kun en indsats, der har "
        "været aktiv, kan blive afsluttet eller forankret; sæt status til aktiv først"
    ),
    "status_needs_reason": lambda c: (
        f"at gå fra '{_status(c['before'])}' til '{_status(c['after'])}' kræver en begrundelse i kolonnen "
        "Begrundelse for status"
    ),
    "other_department": lambda c: (
        f"som redaktør for {c['own']} kan du ikke importere indsatser, der hører til {c['department']}"
    ),
    "parent_other_department": lambda c: (
        f"den overordnede indsats hører til {c['department']}; som redaktør for {c['own']} kan du ikke flytte "
        "indsatsen dertil eller derfra"
    ),
}


def danish(problem: dict[str, Any]) -> str:
    """A problem of an import in Danish; its own message when its type has no translation (or lacks a value)."""
    message = MESSAGES.get(problem.get("type") or "")
    if message is None:
        return problem.get("msg", "")
    if isinstance(message, str):
        return message
    try:
        return message(problem.get("ctx") or {})
    except (KeyError, ValueError, ArithmeticError):
        return problem.get("msg", "")


def column_label(column: str | None) -> str:
    """A column as the person knows it from the file: its Danish heading (the code when it is no column)."""
    if not column:
        return ""
    return COLUMN_HEADINGS.get(column, column)
