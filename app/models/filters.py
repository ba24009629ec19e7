"""The one set of intervention filters, taken as query parameters by every endpoint that selects interventions:
the list, the exports (JSON, CSV, XLSX and IATI) and the rollups (budget and coverage). The SQL they turn into
is app/services/filters.py.

Filters combine with AND; repeating one (`theme=T1&theme=T4`) means any of those values."""

from typing import Annotated

from pydantic import BaseModel, Field

from app.models.budget_line import Year
from app.models.codes import AreaParam, DepartmentParam, FundingSourceParam, Indicator, ThemeParam
from app.models.intervention import Kind, Status, Track
from app.models.types import MAX_ID

InterventionRef = Annotated[int, Field(ge=1, le=MAX_ID)]
RollupYear = Annotated[int, Field(ge=2000, le=2100)]


class InterventionFilters(BaseModel):
    """Which interventions an endpoint answers for. Bound with `Annotated[InterventionFilters, Query()]`: each
    field is a query parameter of its own."""

    department: list[DepartmentParam] = Field(default=[], max_length=50, description="Department code(s)")
    area: list[AreaParam] = Field(default=[], max_length=50, description="Area slug(s)")
    theme: list[ThemeParam] = Field(default=[], max_length=50, description="Theme code(s), T1–T9")
    indicator: list[Indicator] = Field(default=[], max_length=50, description="Indicator number(s)")
    kind: list[Kind] = Field(default=[], max_length=10)
    status: list[Status] = Field(default=[], max_length=10)
    track: list[Track] = Field(default=[], max_length=10)
    year: list[Year] = Field(default=[], max_length=101, description="Has a budget line in this year")
    parent_id: InterventionRef | None = Field(
        default=None,
        description=(
            "Direct children of this intervention; on the rollups (budget and coverage) the intervention and its "
            "whole subtree, as `subtree_of`"
        ),
    )
    subtree_of: InterventionRef | None = Field(
        default=None,
        description="The intervention and its whole subtree (every intervention below it, at any depth)",
    )
    external_id: str | None = Field(default=None, max_length=100)
    q: str | None = Field(default=None, max_length=200, description="Search in name and description")
    include_archived: bool = False


class RollupFilters(InterventionFilters):
    """The intervention filters, and which of the selected interventions' money a rollup counts."""

    year_from: RollupYear | None = Field(default=None, description="Count only the money of this year and later")
    year_to: RollupYear | None = Field(default=None, description="Count only the money of this year and earlier")
    funding_source: list[FundingSourceParam] = Field(
        default=[], max_length=50, description="Count only the money of these funding source(s)"
    )
    include_pool_grants: bool = Field(
        default=False,
        description=(
            "Also count money granted from trial-action pools (net of releases), in the pool's year and funding "
            'source, category "Bevilling fra pulje". A grant is left out when its intervention already has a '
            "budget line of that funding source in that year: then the money is taken to be entered there. A grant "
            "carries such a line (see GET /api/v1/pools/{id}/reconciliation), so this adds only grants whose line is "
            "missing; either way nothing is counted twice."
        ),
    )
