"""The case page: everything the national case record shows about one intervention, in one document.
Response-only shapes (no tables), and the Danish labels the page uses."""

import datetime as dt

from pydantic import BaseModel
from pydantic import Field as PydanticField

from app.models.evaluation import Decision, EvaluationPublic, Rating
from app.models.intervention import (  # noqa: F401 - labels re-exported
    KIND_LABELS,
    STATUS_LABELS,
    TRACK_LABELS,
    Kind,
    Status,
    Track,
)
from app.models.material import MaterialPublic
from app.models.organisation import OrganisationKind
from app.models.party import InKindPublic, InKindTotal, OrganisationLinkPublic, PersonPublic, ReachPublic
from app.models.success_criterion import SuccessCriterionPublic
from app.models.types import MoneySum, Share, SignedMoneySum

MUNICIPALITY = "Gladsaxe Kommune"

# The sentence the case database uses ("Indsatsen er et projekt").
KIND_SENTENCES = {
    Kind.project: "Indsatsen er et projekt",
    Kind.programme: "Indsatsen er et program",
    Kind.core_operation: "Indsatsen er en del af kernedriften",
    Kind.trial_action: "Indsatsen er en prøvehandling",
}


class CodeName(BaseModel):
    code: str
    name: str


class AreaRef(BaseModel):
    slug: str
    name: str


class IndicatorRef(BaseModel):
    number: int
    name: str


class InterventionRef(BaseModel):
    id: int
    name: str
    status: Status


class Contact(BaseModel):
    name: str | None
    email: str | None


class Organisation(BaseModel):
    municipality: str = PydanticField(description="Kommune/organisation")
    department: CodeName = PydanticField(description="The owning department (forvaltning)")
    contact: Contact | None
    parent: InterventionRef | None = PydanticField(description="The programme this belongs to")
    children: list[InterventionRef] = PydanticField(description="Its parts (not archived)")


class FundingAmount(BaseModel):
    code: str
    name: str
    amount: MoneySum


class FinancingYear(BaseModel):
    year: int
    amount: MoneySum = PydanticField(description="The current plan of the year (equals `revised`)")
    by_funding_source: list[FundingAmount] = PydanticField(description="The current plan by funding source")
    budget: MoneySum = PydanticField(description="Oprindeligt budget: the original budget lines")
    revised: MoneySum = PydanticField(
        description="Revideret budget: the current plan (revised lines, and original lines without a revision)"
    )
    actual: MoneySum = PydanticField(description="Forbrug: the actual spending lines")
    difference: SignedMoneySum = PydanticField(description="revised − actual (negative when more was spent)")
    share_spent: Share | None = PydanticField(description="actual / revised, 4 decimals; null when revised is 0")


class Financing(BaseModel):
    """Økonomi pr. år: the budget lines of the intervention and of every (non-archived) intervention below it,
    so that a programme shows its whole budget: the original budget, the revised budget (the current plan) and
    the actual spending side by side."""

    currency: str = "DKK"
    stated: bool = PydanticField(description="false when there are no budget lines (the case database: «Ikke oplyst»)")
    years: list[FinancingYear] = PydanticField(description="Every year with a line of any type")
    total: MoneySum = PydanticField(description="The current plan in all (equals `revised`)")
    budget: MoneySum = PydanticField(description="The original budget in all")
    revised: MoneySum = PydanticField(description="The current plan in all")
    actual: MoneySum = PydanticField(description="The actual spending in all")
    difference: SignedMoneySum = PydanticField(description="revised − actual")
    share_spent: Share | None = PydanticField(description="actual / revised, 4 decimals; null when revised is 0")


class Funder(BaseModel):
    """An organisation that pays part of the intervention: named with the role funding, or as the funding
    organisation of a budget line. The amount is the current plan of its own lines; null when it is named
    without an amount."""

    name: str
    kind: OrganisationKind
    kind_label: str
    amount: MoneySum | None


class EvaluationStatus(BaseModel):
    evaluated: bool = PydanticField(description="At least one evaluation is recorded")
    label: str = PydanticField(description="«Ja, evalueret» or «Nej, ikke evalueret»")
    final_evaluation: bool = PydanticField(description="A final evaluation (slutevaluering) is recorded")
    rated_by: int | None = PydanticField(
        description="Id of the evaluation the ratings come from: the latest rated final evaluation, else the latest "
        "rated evaluation"
    )
    purpose_fulfilled: Rating | None = PydanticField(description="«Er formålet opfyldt?»")
    purpose_fulfilled_label: str | None
    implemented_as_planned: Rating | None = PydanticField(
        description="«Er indsatsen blevet implementeret som planlagt?»"
    )
    implemented_as_planned_label: str | None
    decision: Decision | None = PydanticField(description="The decision of the latest evaluation that made one")
    decision_label: str | None
    items: list[EvaluationPublic] = PydanticField(description="Every evaluation, oldest first")


class CaseCriterion(SuccessCriterionPublic):
    indicator_name: str | None


class CasePage(BaseModel):
    """One intervention as the national case record shows it."""

    id: int
    external_id: str | None
    name: str
    kind: Kind
    kind_label: str = PydanticField(description="«Type indsats», e.g. Projekt")
    status: Status
    status_label: str
    track: Track | None
    track_label: str | None
    purpose: str | None = PydanticField(description="Formål")
    description: str | None = PydanticField(description="Beskrivelse af indsats")
    target_group: str | None = PydanticField(description="Målgruppe")
    areas: list[AreaRef] = PydanticField(description="Arena: the areas it works in")
    themes: list[CodeName]
    indicators: list[IndicatorRef]
    start_date: dt.date | None
    end_date: dt.date | None
    organisation: Organisation
    partners: list[FundingAmount] = PydanticField(
        description="Samarbejdspartnere / medfinansiering: each funding source of the current plan, with its total"
    )
    financing: Financing
    funders: list[Funder] = PydanticField(
        description="Medfinansiering: the organisations that pay part (its own links and budget lines), with the "
        "current plan of their lines or null when named without an amount"
    )
    organisations: list[OrganisationLinkPublic] = PydanticField(
        description="Organisations taking part, with their roles (the intervention's own)"
    )
    people: list[PersonPublic] = PydanticField(description="People with roles: programme owner, leader, …")
    reach: list[ReachPublic] = PydanticField(description="Planned and actual participants per year and unit")
    in_kind: list[InKindPublic] = PydanticField(
        description="In-kind contributions (staff time): never part of a money total"
    )
    in_kind_total: InKindTotal = PydanticField(description="Staff hours and staff in all: apart from the money")
    evaluation: EvaluationStatus
    success_criteria: list[CaseCriterion]
    material: list[MaterialPublic]
    updated_at: dt.datetime
