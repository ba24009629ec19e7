"""The annual report to the Byråd (/rapport): the ambition computed for two rounds, in Danish sentences, with one
chart per theme and the figures in tables beside it; printable. The same service as GET /api/v1/reports/ambition."""

from fastapi import APIRouter, Request, Response

from app.deps import SessionDep
from app.errors import RuleViolation
from app.models.ambition import AmbitionReport
from app.services import ambition, reference, survey_rounds
from app.services.ambition_themes import MONEY_NOTE
from app.web.common import TEMPLATES, UserDep, WebRoute, render
from app.web.report_charts import number, theme_chart

router = APIRouter(route_class=WebRoute, include_in_schema=False)

BASIS_LABELS = {"population": "befolkningstal", "respondents": "antal besvarelser"}
VERDICT_CLASSES = {"met": "verdict-met", "not_met": "verdict-not-met"}
RULES = [
    "Hele kommunens tal er det målte tal, når der er et. Ellers beregnes det som gennemsnittet af de tre områder "
    "og resten af kommunen, vægtet med rundens befolkningstal (eller antal besvarelser, hvis befolkningstal mangler). "
    "Beregnede tal afrundes til to decimaler.",
    "Kommunen er forbedret på en indikator, når det seneste tal er bedre end udgangspunktet i indikatorens retning "
    "(for eksempel lavere for ensomhed og kriminalitet).",
    "Forskellen er mindsket, når et område ligger mindre under kommunen end ved udgangspunktet. Et område, der "
    "overhaler kommunen, tæller som mindsket forskel. De tre områder vurderes hver for sig og samlet. I tabellerne "
    "er 'bagud' hvor langt området ligger under hele kommunen i indikatorens retning; et negativt tal betyder, at "
    "området ligger foran.",
    "En indikator er opfyldt, når kommunen er forbedret og forskellen er mindsket for alle tre områder og samlet.",
    "Et tema vurderes kun, når alle dets aktive indikatorer har tal i begge runder; ellers står der "
    "'utilstrækkelige data' med de manglende indikatorer. Et tema er opfyldt, når alle dets indikatorer er.",
    "Ambitionen er opfyldt, når alle temaer er; ikke opfyldt, når et tema ikke er; og kan endnu ikke besvares, "
    "når intet tema fejler, men et eller flere ikke kan vurderes.",
]


def source_label(figure) -> str:
    if figure.source is None:
        return f"mangler ({figure.note})" if figure.note else "mangler"
    if figure.source == "measured":
        return "målt"
    return f"beregnet, vægtet med {BASIS_LABELS.get(figure.weight_basis, figure.weight_basis)} ({figure.weights_round})"


TEMPLATES.env.filters.update(num=number, source_label=source_label)


def _charts(report: AmbitionReport, names: dict[str, str]) -> dict[str, object]:
    return {
        t.code: theme_chart(t.code, t.name, [i for i in report.indicators if i.theme == t.code], names)
        for t in report.themes
        if t.indicators
    }


@router.get("/rapport", name="web_report")
def report_page(
    request: Request,
    session: SessionDep,
    user: UserDep,
    baseline: str | None = None,
    latest: str | None = None,
) -> Response:
    rounds = survey_rounds.list_rounds(session).items
    names = {a.slug: a.name for a in reference.list_areas(session)}
    try:
        report = ambition.ambition_report(session, baseline or None, latest or None)
    except RuleViolation:
        if baseline or latest:
            raise
        report = None
    return render(
        request,
        "report.html",
        title="Årlig afrapportering til byrådet",
        report=report,
        rounds=rounds,
        names=names,
        charts=_charts(report, names) if report else {},
        rules=RULES,
        money_note=MONEY_NOTE,
        verdict_classes=VERDICT_CLASSES,
    )
