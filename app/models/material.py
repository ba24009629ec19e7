"""Material (materiale): links to the documents about an intervention — its description, budget, evaluations
and results — as the national case database lists them. Links only: the registry stores no files."""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.models.types import ECMA_SPACE, FORBIDDEN, IsoDate, NotNull, Text, UTCDateTime, char_class


class MaterialKind(StrEnum):
    """What a document is about.

    | value | label (da) |
    | --- | --- |
    | `description` | Beskrivelse (programme or project description) |
    | `budget` | Budget |
    | `evaluation` | Evaluering |
    | `results` | Resultater |
    """

    description = "description"
    budget = "budget"
    evaluation = "evaluation"
    results = "results"


MATERIAL_KIND_LABELS = {
    MaterialKind.description: "Beskrivelse",
    MaterialKind.budget: "Budget",
    MaterialKind.evaluation: "Evaluering",
    MaterialKind.results: "Resultater",
}


class Material(SQLModel, table=True):
    __table_args__ = (CheckConstraint("kind IN ('description', 'budget', 'evaluation', 'results')", name="kind"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    intervention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("intervention.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    title: str = Field(sa_column=Column(String(300), nullable=False))
    url: str = Field(sa_column=Column(String(2000), nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    language: str = Field(sa_column=Column(String(8), nullable=False))
    document_date: dt.date | None = Field(default=None, sa_column=Column(Date))
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# --- API schemas -------------------------------------------------------------------------------------------


# White space as JSON Schema's (ECMAScript's) \s counts it, so the documented pattern and this check agree.
_WHITE_SPACE = re.compile(f"[{char_class(ECMA_SPACE)}]")
# Where the authority (host and port) ends.
_AUTHORITY = re.compile(r"^\s*[a-zA-Z]+://([^/?#]*)")


def _no_user_info(value: object) -> object:
    # http://a@evil.example/ goes to evil.example, whatever the text before the @ makes a reader believe.
    if isinstance(value, str):
        authority = _AUTHORITY.match(value)
        if authority is not None and "@" in authority.group(1):
            raise ValueError("must not contain a user name or password (the part before @ in the host)")
    return value


def _http_url(value: str) -> str:
    # The pattern has checked the scheme and the host; nothing here parses the address (urllib refuses some that
    # the pattern, and so the documented schema, allows, such as brackets in a host name).
    if _WHITE_SPACE.search(value):
        raise ValueError("must not contain spaces (encode them as %20)")
    return value


# The pattern is the rule: http or https, a host (a name, or an IPv6 address in brackets) and an optional port, no
# user information, no white space; and, as every text, none of the forbidden characters. White space is spelled
# out rather than \s, which pydantic's regex engine reads as Unicode white space (U+0085 too), ECMAScript not.
_NOT = char_class(FORBIDDEN)
_SPACE = char_class(ECMA_SPACE)
URL_PATTERN = (
    rf"^[{_SPACE}]*[hH][tT][tT][pP][sS]?://(\[[0-9a-fA-F:.]+\]|[^{_SPACE}/?#@:\[\]{_NOT}]+)(:[0-9]*)?"
    rf"([/?#][^{_SPACE}{_NOT}]*)?[{_SPACE}]*$"
)
HttpUrl = Annotated[
    Text(2000, required=True, pattern=URL_PATTERN),
    AfterValidator(_http_url),
    BeforeValidator(_no_user_info),
]
Language = Annotated[
    str,
    PydanticField(pattern=r"^[a-z]{2}$", description="ISO 639-1 language code in lower case, e.g. da, en"),
]


class MaterialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Text(300, required=True) = PydanticField(description="e.g. Programdokument: Styrket indsats …")
    url: HttpUrl = PydanticField(description="Where the document is (http or https); the registry keeps only the link")
    kind: MaterialKind
    language: Language = "da"
    date: IsoDate | None = PydanticField(default=None, description="The document's date")


class MaterialUpdate(BaseModel):
    """Every field optional: an omitted field is left alone; only `date` may be cleared with null."""

    model_config = ConfigDict(extra="forbid")

    title: Text(300, required=True) | None = NotNull()
    url: HttpUrl | None = NotNull()
    kind: MaterialKind | None = NotNull()
    language: Language | None = NotNull()
    date: IsoDate | None = None


class MaterialPublic(BaseModel):
    id: int
    intervention_id: int
    title: str
    url: str
    kind: MaterialKind
    kind_label: str = PydanticField(description="The kind in Danish, e.g. Evaluering")
    language: str
    date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MaterialList(BaseModel):
    """All material of one intervention, by date (undated last), then id."""

    items: list[MaterialPublic]
