"""Column types and API field types shared by several models."""

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError
from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator

# Largest amount one budget line may carry: 10 billion kr. The largest real figure in the sources is a new
# school of about 700 million kr.; anything above this is a typo (øre entered as kroner, an extra digit).
MAX_AMOUNT = Decimal("10000000000.00")
ORE = Decimal("0.01")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both databases (SQLite keeps no zone, so we attach UTC on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class DecimalText(TypeDecorator):
    """An exact decimal kept as text: for measured values we never sum in SQL (baselines, targets)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect) -> str | None:
        return None if value is None else format(value, "f")

    def process_result_value(self, value: str | None, dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def sql_in(values: type[StrEnum]) -> str:
    """The values of an enum as the list of a CHECK constraint's IN: "('a', 'b')"."""
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"


Public = TypeVar("Public", bound=BaseModel)


def public_of(model: type[Public], row: Any, **fields: Any) -> Public:
    """A response model from a table row: every field read from the row's attribute of the same name, except
    those given in `fields` (renamed columns, amounts in øre, labels, derived values)."""
    return model(**{name: fields[name] if name in fields else getattr(row, name) for name in model.model_fields})


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_ore(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def from_ore(ore: int) -> Decimal:
    # Exact, with two decimals (Decimal(150).scaleb(-2) is 1.50): a third of the cost of dividing and quantizing.
    return Decimal(ore).scaleb(-2)


def kroner_text(ore: int) -> str:
    """Øre as the API writes a sum of money (MoneySum): kroner with exactly two decimals, "143750.00"."""
    whole, part = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{whole}.{part:02d}"


# White space as JSON Schema's (ECMAScript's) \s counts it, so that a documented pattern and the check agree.
ECMA_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# A decimal as the schema's patterns write it: the digits 0-9 (ECMAScript's \d; Python's \d and Decimal() also
# take Arabic-Indic and other digits), an optional sign and decimal point, no exponent, no separators.
_DECIMAL_TEXT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")


def _decimal_text(value: str, *, signed: bool, whole_digits: int, decimals: int) -> str:
    """`value` trimmed, if it is a decimal as the schema's pattern allows it (digits 0-9, a point, no exponent,
    at most `whole_digits` digits before the point and `decimals` after it); a PydanticCustomError saying what is wrong
    otherwise. Bounds are checked on the number after this."""
    text = value.strip(ECMA_SPACE)
    if not text:
        raise PydanticCustomError("empty", "must not be empty")
    match = _DECIMAL_TEXT.fullmatch(text)
    if match is None:
        raise PydanticCustomError(
            "decimal_format",
            "must be a decimal number written with the digits 0-9 and a point as decimal separator, e.g. 1250.50 "
            "(no exponent, no thousands separators)",
        )
    sign, whole, fraction = match.groups()
    if sign and not signed:
        raise PydanticCustomError("negative", "must not be negative")
    if fraction is not None and len(fraction) > decimals:
        raise PydanticCustomError("too_many_decimals", "must have at most {decimals} decimals", {"decimals": decimals})
    if len(whole) > whole_digits:
        raise PydanticCustomError(
            "too_many_digits", "must have at most {digits} digits before the point", {"digits": whole_digits}
        )
    return text


def _reject_bool(value: Any) -> Any:
    # JSON true would otherwise become 1 (pydantic's lax mode); money must be a number or a numeric string.
    if isinstance(value, bool):
        raise PydanticCustomError("boolean_not_number", "must be a number or a decimal string, not a boolean")
    if isinstance(value, str):
        text = _decimal_text(value, signed=False, whole_digits=11, decimals=2)
        if len(text.split(".")[0]) == 11 and not text.startswith("10000000000"):
            # 11 digits only for the ceiling itself, as the pattern says; no padding with zeros.
            raise PydanticCustomError("amount_too_large", "must be at most {max}", {"max": str(MAX_AMOUNT)})
        return text
    return value


def _two_decimals(value: Decimal) -> Decimal:
    if value != value.quantize(ORE):
        raise PydanticCustomError("too_many_decimals", "must have at most two decimals (whole øre)", {"decimals": 2})
    return value.quantize(ORE)


# Exact kroner, at most two decimals, sent as a JSON number or a decimal string, answered as a string
# with exactly two decimals ("143750.00") so that no client parses it into a binary float by accident.
Money = Annotated[
    Decimal,
    BeforeValidator(_reject_bool),
    # No max_digits: the bounds and whole øre already limit the digits, and its check cost a second per
    # 100,000 imported budget lines.
    Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False),
    AfterValidator(_two_decimals),
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="always"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT), "multipleOf": 0.01},
                {"type": "string", "pattern": r"^\s*(\d{1,10}(\.\d{1,2})?|10000000000(\.0{1,2})?)\s*$"},
            ],
            "description": "DKK, exact, at most two decimals; answered as a string with two decimals.",
            "examples": ["143750.00"],
        },
        mode="validation",
    ),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["143750.00"]},
        mode="serialization",
    ),
]


# A computed sum of money (a total, a rollup figure): exact, answered like Money, but with no per-line ceiling.
MoneySum = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["2510000.00"]}, mode="serialization"),
    WithJsonSchema({"type": "string"}, mode="validation"),
]


# A difference of sums (plan − actual): like MoneySum, but negative when more was spent than planned.
SignedMoneySum = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{d:.2f}", return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["-12500.00"]}, mode="serialization"),
    WithJsonSchema({"type": "string"}, mode="validation"),
]

SHARE = Decimal("0.0001")


def share_of(part: int, whole: int) -> Decimal | None:
    """part / whole as a decimal fraction with 4 decimals (half up), None when whole is 0: 0.9512 is 95.12 %."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, rounding=ROUND_HALF_UP)


# A share (actual / plan), answered as a string with four decimals ("0.9512"); above 1 when overspent.
Share = Annotated[
    Decimal,
    PlainSerializer(lambda d: f"{d:.4f}", return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{4}$", "examples": ["0.9512"]}, mode="serialization"),
    WithJsonSchema({"type": "string"}, mode="validation"),
]


def _measure_check(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("boolean_not_number", "must be a number or a decimal string, not a boolean")
    if isinstance(value, str):
        return _decimal_text(value, signed=True, whole_digits=12, decimals=6)
    return value


# A measured value (baseline, target): exact decimal, sent as number or string, answered as a string.
Measure = Annotated[
    Decimal,
    Field(allow_inf_nan=False, max_digits=18, decimal_places=6),
    BeforeValidator(_measure_check),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="always"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "multipleOf": 0.000001, "minimum": -999999999999, "maximum": 999999999999},
                {"type": "string", "pattern": r"^\s*-?\d{1,12}(\.\d{1,6})?\s*$"},
            ],
            "description": "An exact decimal (at most 6 decimals), as a number or a string; answered as a string.",
        },
        mode="validation",
    ),
    WithJsonSchema({"type": "string", "examples": ["12.5"]}, mode="serialization"),
]


def _int_not_bool(value: Any) -> Any:
    # pydantic's lax mode would take JSON true as 1: a boolean is never a year, an id or an indicator number.
    if isinstance(value, bool):
        raise PydanticCustomError("boolean_not_number", "must be a whole number, not a boolean")
    return value


MAX_ID = 2**31 - 1  # the databases' INTEGER; a larger id cannot exist and must not reach the driver

# An id sent in a body (parent_id): a positive 32-bit integer.
# (Constraints before the validator: pydantic then documents them as minimum/maximum in the JSON schema.)
RowId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_int_not_bool)]
# An indicator number: any integer in range; whether it exists is checked against the framework, so the
# answer names the unknown number ("unknown indicator code 0").
IndicatorNumber = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID), BeforeValidator(_int_not_bool)]


def _iso_only(value: Any) -> Any:
    # pydantic would read 0 or 0.5 as a Unix timestamp; a date here is written as the schema says (ISO 8601).
    if not isinstance(value, (str, date, datetime)) or (isinstance(value, str) and not value[:4].isdigit()):
        raise PydanticCustomError("date_format", "must be an ISO 8601 date, e.g. 2024-12-31")
    if isinstance(value, str) and len(value) < 10:
        raise PydanticCustomError("date_format", "must be an ISO 8601 date, e.g. 2024-12-31")
    return value


# Dates a person can mean here: 1900-01-01 to 2100-12-31. The programme runs 2019-2030 and budget years are
# bounded to 2000-2100, but an anchored core operation or a document may be decades older; 0001-01-01 or
# 9999-12-31 is a typo or a placeholder, and would sort and filter as if it were real.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2100, 12, 31)
# The range, as the schema can say it: JSON Schema has no minimum for a date, so the year is spelled out.
_YEAR_IN_RANGE = "^(19[0-9]{2}|20[0-9]{2}|2100)-"


def _in_date_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not MIN_DATE <= day <= MAX_DATE:
        raise PydanticCustomError(
            "date_range", "must be between {min} and {max}", {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()}
        )
    return value


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_only),
    AfterValidator(_in_date_range),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _YEAR_IN_RANGE + "[0-9]{2}-[0-9]{2}$"}),
]
IsoDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_only),
    AfterValidator(_in_date_range),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": _YEAR_IN_RANGE}),
]


def char_class(chars: str) -> str:
    """`chars` as the inside of a regular expression character class, written with ASCII escapes (\\uXXXX) and
    ranges, the same for Python's re, pydantic's Rust regex and ECMAScript (the OpenAPI document's dialect)."""
    points = sorted({ord(c) for c in chars})
    parts, i = [], 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        first, last = (f"\\u{p:04x}" for p in (points[i], points[j]))
        parts.append(first if i == j else f"{first}{'-' if j > i + 1 else ''}{last}")
        i = j + 1
    return "".join(parts)


# Characters a text may not contain: NUL (PostgreSQL cannot store it) and the bidirectional embedding, override
# and isolate controls (U+202A-U+202E, U+2066-U+2069), with which "abc\u202egnp.exe" shows as "abcexe.png".
# Left-to-right and right-to-left marks (U+200E, U+200F, U+061C) stay: they reorder nothing, and Arabic or
# Hebrew text may need them.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
FORBIDDEN = "\x00" + BIDI_CONTROLS
_FORBIDDEN = re.compile(f"[{char_class(FORBIDDEN)}]")
# Trimmed at both ends: white space as Python and ECMAScript count it, and the invisible zero-width space,
# non-joiner, joiner, word joiner and byte order mark (U+FEFF, which Windows editors put first). Inside a text
# they stay (a zero-width joiner belongs in some emoji and scripts).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
BLANK = ECMA_SPACE + "\x1c\x1d\x1e\x1f\x85" + ZERO_WIDTH


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):
        forbidden = _FORBIDDEN.search(value)
        if forbidden is not None:
            char = forbidden.group()
            if char == "\x00":
                raise PydanticCustomError(
                    "forbidden_character", "must not contain the NUL character (\\u0000)", {"char": "U+0000"}
                )
            raise PydanticCustomError(
                "forbidden_character",
                "must not contain the bidirectional control character {char} ({name}), "
                "which makes a text show in another order than it is stored",
                {"char": f"U+{ord(char):04X}", "name": unicodedata.name(char)},
            )
        # NFC so that "ø" typed on a Mac (o + combining stroke) and on Windows are the same string.
        value = unicodedata.normalize("NFC", value).strip(BLANK)
    return value


# What the schema promises of a text: none of the forbidden characters, and for a required one something
# besides the blank ones. The validators enforce the same, so the documented and the real rule agree.
NO_NUL = f"^[^{char_class(FORBIDDEN)}]*$"
NOT_BLANK = f"^[^{char_class(FORBIDDEN)}]*[^{char_class(FORBIDDEN + BLANK)}][^{char_class(FORBIDDEN)}]*$"


def Text(max_length: int, *, required: bool = False, pattern: str | None = None):
    """A trimmed, NFC-normalised string of bounded length (as sent); `required` ones may not be blank."""

    def clean(value: Any) -> Any:
        if isinstance(value, str) and len(value) > max_length:
            raise PydanticCustomError(
                "text_too_long", "must be at most {max_length} characters", {"max_length": max_length}
            )
        value = _clean_text(value)
        if required and value == "":
            raise PydanticCustomError("empty", "must not be empty")
        return value

    return Annotated[
        str,
        Field(max_length=max_length, pattern=pattern or (NOT_BLANK if required else NO_NUL)),
        BeforeValidator(clean),
    ]


# No white space (spelled out: pydantic's regex engine and ECMAScript differ on \s), no NUL nor bidirectional
# control, like every text (Text).
_NOT_IN_EMAIL = char_class(ECMA_SPACE + FORBIDDEN)
EMAIL_PATTERN = rf"^[^@{_NOT_IN_EMAIL}]+@[^@{_NOT_IN_EMAIL}]+\.[^@{_NOT_IN_EMAIL}]+$"
Email = Text(254, pattern=EMAIL_PATTERN)


def search_key(*parts: str | None) -> str:
    """What `q` is matched against: NFC + casefold, so æ/Æ, ø/Ø, å/Å match on SQLite as on PostgreSQL."""
    return unicodedata.normalize("NFC", "\n".join(p for p in parts if p)).casefold()


def _not_null(schema: dict[str, Any]) -> None:
    # The field's schema without its null branch (and without the `default: null` that only says "omitted").
    branches = schema.pop("anyOf", None)
    if branches is not None:
        rest = [b for b in branches if b != {"type": "null"}]
        if len(rest) == 1:
            for key, value in rest[0].items():
                schema.setdefault(key, value)
        else:
            schema["anyOf"] = rest
    schema.pop("default", None)


def NotNull(*, json_schema_extra: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """The Field of an update model's field that may be omitted (left alone) but not sent as null: the schema
    says so (not nullable), and the service answers null with its rule violation ("may not be null")."""

    def extra(schema: dict[str, Any]) -> None:
        _not_null(schema)
        schema.update(json_schema_extra or {})

    return Field(default=None, json_schema_extra=extra, **kwargs)
