"""Evaluations (evalueringer): the midway and final evaluations of an intervention, with the two ratings of
the national case database, the findings, the decision, and links to the material they rest on."""

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, WithJsonSchema
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.codes import DepartmentText
from app.models.types import IsoDate, NotNull, RowId, Text, UTCDateTime, sql_in


class EvaluationKind(StrEnum):
    """| value | label (da) |
    | --- | --- |
    | `midway` | Midtvejsevaluering |
    | `final` | Slutevaluering |
    | `other` | Anden evaluering |
    """

    midway = "midway"
    final = "final"
    other = "other"


class Rating(StrEnum):
    """The scale of the national case database's *Vurdering*, used for "Er formålet opfyldt?" and "Er
    indsatsen blevet implementeret som planlagt?".

    | value | label (da) |
    | --- | --- |
    | `slet_ikke` | Slet ikke |
    | `i_mindre_grad` | I mindre grad |
    | `i_nogen_grad` | I nogen grad |
    | `i_hoej_grad` | I høj grad |
    """

    slet_ikke = "slet_ikke"
    i_mindre_grad = "i_mindre_grad"
    i_nogen_grad = "i_nogen_grad"
    i_hoej_grad = "i_hoej_grad"


class Decision(StrEnum):
    """What was decided after the evaluation.

    | value | label (da) |
    | --- | --- |
    | `continue` | Videreføres |
    | `anchor` | Forankres i kernedriften |
    | `stop` | Stoppes |
    | `adjust` | Justeres |
    """

    continue_ = "continue"
    anchor = "anchor"
    stop = "stop"
    adjust = "adjust"


KIND_LABELS = {
    EvaluationKind.midway: "Midtvejsevaluering",
    EvaluationKind.final: "Slutevaluering",
    EvaluationKind.other: "Anden evaluering",
}
RATING_LABELS = {
    Rating.slet_ikke: "Slet ikke",
    Rating.i_mindre_grad: "I mindre grad",
    Rating.i_nogen_grad: "I nogen grad",
    Rating.i_hoej_grad: "I høj grad",
}
DECISION_LABELS = {
    Decision.continue_: "Videreføres",
    Decision.anchor: "Forankres i kernedriften",
    Decision.stop: "Stoppes",
    Decision.adjust: "Justeres",
}
PURPOSE_QUESTION = "Er formålet opfyldt?"
IMPLEMENTATION_QUESTION = "Er indsatsen blevet implementeret som planlagt?"


class Evaluation(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(EvaluationKind)}", name="kind"),
        CheckConstraint(
            f"purpose_fulfilled IS NULL OR purpose_fulfilled IN {sql_in(Rating)}", name="purpose_fulfilled"
        ),
        CheckConstraint(
            f"implemented_as_planned IS NULL OR implemented_as_planned IN {sql_in(Rating)}",
            name="implemented_as_planned",
        ),
        CheckConstraint(f"decision IS NULL OR decision IN {sql_in(Decision)}", name="decision"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    intervention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("intervention.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str = Field(sa_column=Column(String(10), nullable=False))
    evaluated_on: dt.date = Field(sa_column=Column(Date, nullable=False))
    department_code: str = Field(
        sa_column=Column(String(10), ForeignKey("department.code"), nullable=False, index=True)
    )
    purpose_fulfilled: str | None = Field(default=None, sa_column=Column(String(20)))
    implemented_as_planned: str | None = Field(default=None, sa_column=Column(String(20)))
    findings: str | None = Field(default=None, sa_column=Column(SAText))
    decision: str | None = Field(default=None, sa_column=Column(String(10)))
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class EvaluationMaterial(SQLModel, table=True):
    """The material an evaluation rests on (the report itself, the data it used). Removing the material
    removes the link."""

    __tablename__ = "evaluation_material"

    evaluation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("evaluation.id", ondelete="CASCADE"), primary_key=True)
    )
    material_id: int = Field(
        sa_column=Column(Integer, ForeignKey("material.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


# --- API schemas -------------------------------------------------------------------------------------------


def _no_duplicates(values: list | None) -> list | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("lists an id more than once")
    return values


MaterialIds = Annotated[
    list[RowId],
    AfterValidator(_no_duplicates),
    WithJsonSchema(
        {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}, "uniqueItems": True}
    ),
]

PURPOSE_DESCRIPTION = (
    f"«{PURPOSE_QUESTION}» on the case database's scale: slet_ikke (Slet ikke), i_mindre_grad (I mindre grad), "
    "i_nogen_grad (I nogen grad), i_hoej_grad (I høj grad); null when not rated"
)
IMPLEMENTATION_DESCRIPTION = f"«{IMPLEMENTATION_QUESTION}» on the same scale as purpose_fulfilled; null when not rated"


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EvaluationKind = PydanticField(description="midway (Midtvejsevaluering), final (Slutevaluering) or other")
    date: IsoDate = PydanticField(description="When the evaluation was made (or presented)")
    department: DepartmentText | None = PydanticField(
        default=None, description="Code of the evaluating department; default: the intervention's own department"
    )
    purpose_fulfilled: Rating | None = PydanticField(default=None, description=PURPOSE_DESCRIPTION)
    implemented_as_planned: Rating | None = PydanticField(default=None, description=IMPLEMENTATION_DESCRIPTION)
    findings: Text(20_000) | None = PydanticField(default=None, description="What the evaluation found")
    decision: Decision | None = PydanticField(
        default=None, description="continue (Videreføres), anchor (Forankres i kernedriften), stop, adjust"
    )
    material_ids: MaterialIds = PydanticField(
        default_factory=list, max_length=100, description="Ids of this intervention's material the evaluation rests on"
    )


class EvaluationUpdate(BaseModel):
    """Every field optional: an omitted field is left alone, null clears a rating, findings or decision; kind,
    date and department may not be null; `material_ids` replaces the links (`[]` removes them)."""

    model_config = ConfigDict(extra="forbid")

    kind: EvaluationKind | None = NotNull()
    date: IsoDate | None = NotNull()
    department: DepartmentText | None = NotNull()
    purpose_fulfilled: Rating | None = None
    implemented_as_planned: Rating | None = None
    findings: Text(20_000) | None = None
    decision: Decision | None = None
    material_ids: MaterialIds | None = NotNull(max_length=100)


class EvaluationPublic(BaseModel):
    id: int
    intervention_id: int
    kind: EvaluationKind
    kind_label: str = PydanticField(description="e.g. Slutevaluering")
    date: dt.date
    department: str = PydanticField(description="The evaluating department's code")
    purpose_fulfilled: Rating | None = PydanticField(description=PURPOSE_DESCRIPTION)
    purpose_fulfilled_label: str | None = PydanticField(description="e.g. I høj grad")
    implemented_as_planned: Rating | None = PydanticField(description=IMPLEMENTATION_DESCRIPTION)
    implemented_as_planned_label: str | None
    findings: str | None
    decision: Decision | None
    decision_label: str | None = PydanticField(description="e.g. Forankres i kernedriften")
    material_ids: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime


class EvaluationList(BaseModel):
    """All evaluations of one intervention, oldest first (by date, then id)."""

    items: list[EvaluationPublic]


class MissingEvaluation(BaseModel):
    """An intervention that is due an evaluation of the asked kind and has none."""

    id: int
    external_id: str | None
    name: str
    department: str
    kind: str
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    reason: str = PydanticField(
        description="Why it is due: `ended` (end_date before as_of), `status` (completed, anchored or stopped), "
        "`past_midpoint` (for kind=midway: the middle of its period is before as_of)"
    )
    evaluations: list[EvaluationKind] = PydanticField(description="The kinds of evaluation it does have")


class MissingEvaluationPage(BaseModel):
    items: list[MissingEvaluation]
    next_cursor: str | None = PydanticField(description="Pass as `cursor` for the next page; null on the last")
