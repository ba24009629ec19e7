"""Column types and API field types shared by several models."""

import unicodedata
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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
    return (Decimal(ore) / 100).quantize(ORE)


def _reject_bool(value: Any) -> Any:
    # JSON true would otherwise become 1 (pydantic's lax mode); money must be a number or a numeric string.
    if isinstance(value, bool):
        raise ValueError("must be a number or a decimal string, not a boolean")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError("must not be empty")
        try:
            Decimal(text)
        except InvalidOperation:
            raise ValueError("must be a decimal number such as 1250.50 (a point as decimal separator)") from None
        return text
    return value


def _two_decimals(value: Decimal) -> Decimal:
    if value != value.quantize(ORE):
        raise ValueError("must have at most two decimals (whole øre)")
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
        raise ValueError("must be a number or a decimal string, not a boolean")
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
        raise ValueError("must be a whole number, not a boolean")
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
        raise ValueError("must be an ISO 8601 date, e.g. 2024-12-31")
    if isinstance(value, str) and len(value) < 10:
        raise ValueError("must be an ISO 8601 date, e.g. 2024-12-31")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_only)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


def _clean_text(value: Any) -> Any:
    # NFC so that "ø" typed on a Mac (o + combining stroke) and on Windows are the same string.
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain the NUL character (\\u0000)")
        value = unicodedata.normalize("NFC", value).strip()
    return value


# What the schema promises of a text: no NUL (PostgreSQL cannot store it), and for a required one something
# besides white space. The validators below enforce the same, so the documented and the real rule agree.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"


def Text(max_length: int, *, required: bool = False, pattern: str | None = None):
    """A trimmed, NFC-normalised string of bounded length (as sent); `required` ones may not be blank."""

    def clean(value: Any) -> Any:
        if isinstance(value, str) and len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        value = _clean_text(value)
        if required and value == "":
            raise ValueError("must not be empty")
        return value

    return Annotated[
        str,
        Field(max_length=max_length, pattern=pattern or (NOT_BLANK if required else NO_NUL)),
        BeforeValidator(clean),
    ]


def search_key(*parts: str | None) -> str:
    """What `q` is matched against: NFC + casefold, so æ/Æ, ø/Ø, å/Å match on SQLite as on PostgreSQL."""
    return unicodedata.normalize("NFC", "\n".join(p for p in parts if p)).casefold()
