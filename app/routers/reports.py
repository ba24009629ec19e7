"""The annual report to the Byråd: the ambition computed for two rounds."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.deps import OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.ambition import AmbitionReport
from app.models.survey_round import ROUND_CODE
from app.services import ambition

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/reports",
    tags=["reports"],
    dependencies=[Depends(authorize())],
    responses=problem_responses(401),
)

RoundQuery = Annotated[str | None, Query(max_length=40, pattern=ROUND_CODE, description="A round's code")]

AMBITION_DESCRIPTION = """
*Årlig afrapportering til byrådet*: the Byråd's ambition — *"Hele Gladsaxe kommune skal forbedre sig på alle ni
temaer og forskellen mellem Gladsaxe Kommune og de tre Social Balance-områder skal mindskes."* — computed for two
rounds (`baseline`, `latest`; by default the first and the last survey round).

**Figures.** An area's figure for a round is its observation (`actual`, else `baseline`) of the round's year, from
that round or the register year of the same year. The municipality as a whole is its measured `hele-gladsaxe`
figure when there is one (it wins); otherwise it is **derived**: the mean of the three focus areas and the rest of
the municipality weighted by the round's population (when given for all four) or else its respondents, rounded to
two decimals half up. `source` and `weight_basis` say which was used. The three areas together are weighted the
same way.

**Per indicator.** `municipality.improved`: strictly better, by `higher_is_better`. A gap is how far an area is
behind the municipality (positive = behind). Its `status`: `narrowed` (behind, less so), `overtaken` (was behind,
now level or ahead: **counts as closing the gap**), `not_behind` (was not behind and still is not: counts as
closed), `not_narrowed`, `fell_behind`, `insufficient_data`. `verdict` is `met` when the municipality improved and
every gap (each area and the three together) closed, `not_met` otherwise, `insufficient_data` when a figure is
missing (`missing` names them).

**Per theme.** A verdict only when **every active indicator** of the theme has its figures for both rounds;
otherwise `insufficient_data` with `missing_indicators`. `met` when every indicator is met.

**Overall.** `not_met` when a theme is not met; `not_answerable` when none fails but some theme cannot be judged;
`met` when all themes are met. `reasons` say why, in Danish.

**Beside it.** Targets (observations of kind `target`, per indicator, area and year) and whether the latest figure
meets them; per theme the plan and actual spending from the baseline year to the latest year, both included — not
a causal claim. `framework` names the framework version (set of active indicators) used; retired indicators are
left out.
"""


@router.get(
    "/ambition",
    summary="The annual report to the Byråd: is the 2030 ambition met between two rounds?",
    description=AMBITION_DESCRIPTION,
    responses=problem_responses(404, 422),
)
def get_ambition_report(session: SessionDep, baseline: RoundQuery = None, latest: RoundQuery = None) -> AmbitionReport:
    return ambition.ambition_report(session, baseline, latest)
