"""The organisation rollup (no tables): per organisation, the money it pays on budget lines and the staff time
it gives in kind, side by side and never added together."""

from pydantic import BaseModel, Field

from app.models.intervention import Status
from app.models.organisation import OrganisationKind, OrganisationPublic
from app.models.party import OrganisationRole
from app.models.types import MoneySum


class OrganisationRollupRow(BaseModel):
    organisation_id: int
    organisation: str = Field(description="The organisation's name")
    kind: OrganisationKind
    kind_label: str
    roles: list[OrganisationRole] = Field(description="The roles it has on the selected interventions")
    interventions: int = Field(description="Selected interventions that name it (role, budget line or in-kind)")
    amount: MoneySum = Field(description="Money: the current plan of the lines it pays (funding_organisation)")
    actual: MoneySum = Field(description="Money: the actual spending lines it pays")
    in_kind_hours: int = Field(description="Staff hours it gives in kind: not money, never in `amount`")
    in_kind_staff: int = Field(description="Staff members it gives in kind")


class OrganisationRollupTotal(BaseModel):
    amount: MoneySum = Field(description="Sum of the rows' `amount` (money only)")
    actual: MoneySum = Field(description="Sum of the rows' `actual`")
    in_kind_hours: int = Field(description="Sum of the rows' staff hours, apart from the money")
    in_kind_staff: int


class OrganisationRollup(BaseModel):
    rows: list[OrganisationRollupRow]
    total: OrganisationRollupTotal


class OrganisationInterventionRow(BaseModel):
    intervention_id: int
    name: str = Field(description="The intervention's name")
    department: str = Field(description="The intervention's owning department")
    status: Status
    roles: list[OrganisationRole] = Field(description="The organisation's roles on the intervention (may be none)")
    amount: MoneySum = Field(description="Money: the current plan of the intervention's lines it pays")
    actual: MoneySum = Field(description="Money: the actual spending lines it pays")
    in_kind_hours: int = Field(description="Staff hours it gives in kind: not money, never in `amount`")
    in_kind_staff: int = Field(description="Staff members it gives in kind")


class OrganisationInterventions(BaseModel):
    """The current interventions an organisation takes part in (by role, as the funding organisation of a budget
    line, or as the payer of in-kind time), with its figures in each: the organisation rollup's row, per
    intervention."""

    organisation: OrganisationPublic
    rows: list[OrganisationInterventionRow]
    total: OrganisationRollupTotal


ORGANISATION_ROLLUP_COLUMNS = [
    "organisation_id",
    "organisation",
    "kind",
    "kind_label",
    "roles",
    "interventions",
    "amount",
    "actual",
    "in_kind_hours",
    "in_kind_staff",
]
