"""The case page of one intervention: what the national case record shows (seed 000), as JSON and as a plain,
printable, accessible HTML page in Danish. Every value in the HTML is escaped; the page has no scripts."""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.models.budget_line import BUDGET_LINE_TYPE_LABELS, BudgetLine, BudgetLineType
from app.models.case import (
    KIND_LABELS,
    KIND_SENTENCES,
    MUNICIPALITY,
    STATUS_LABELS,
    TRACK_LABELS,
    AreaRef,
    CaseCriterion,
    CasePage,
    CodeName,
    Contact,
    EvaluationStatus,
    Financing,
    FinancingYear,
    FundingAmount,
    IndicatorRef,
    InterventionRef,
    Organisation,
)
from app.models.evaluation import (
    DECISION_LABELS,
    IMPLEMENTATION_QUESTION,
    PURPOSE_QUESTION,
    RATING_LABELS,
    EvaluationKind,
    EvaluationPublic,
)
from app.models.intervention import Intervention
from app.models.reference import Area, Department, FundingSource, Indicator, Theme
from app.models.types import from_ore, share_of
from app.services.case_parties import (
    case_parties,
    financing_and_partners_html,
    in_kind_html,
    people_html,
    reach_html,
)
from app.services.evaluations import evaluations_of
from app.services.filters import subtree_ids
from app.services.interventions import get_intervention
from app.services.material import material_of


def subtree(session: Session, root_id: int) -> list[int]:
    """The intervention's id and those of every non-archived intervention below it (children, their children, …):
    one recursive statement, however deep the programme."""
    tree = subtree_ids(root_id, "case_subtree", include_archived=False)
    return list(session.exec(select(tree.c.node_id)).all())


def _financing(session: Session, ids: Sequence[int], sources: dict[str, str]) -> tuple[Financing, list[FundingAmount]]:
    """Per year: the current plan by funding source, and the original budget, the plan and the spending."""
    amount = col(BudgetLine.amount_ore)
    rows = session.exec(
        select(
            BudgetLine.year,
            BudgetLine.funding_source_code,
            func.sum(case((col(BudgetLine.in_plan), amount), else_=0)),
            func.sum(case((col(BudgetLine.type) == BudgetLineType.budget.value, amount), else_=0)),
            func.sum(case((col(BudgetLine.type) == BudgetLineType.actual.value, amount), else_=0)),
            func.count(case((col(BudgetLine.in_plan), BudgetLine.id))),
        )
        .where(col(BudgetLine.intervention_id).in_(ids))
        .group_by(col(BudgetLine.year), col(BudgetLine.funding_source_code))
        .order_by(col(BudgetLine.year), col(BudgetLine.funding_source_code))
    ).all()
    years: dict[int, list[FundingAmount]] = {}
    sums: dict[int, list[int]] = {}  # year → [plan, original, actual]
    per_source: dict[str, int] = {}
    for year, code, plan, original, actual, plan_lines in rows:
        years.setdefault(year, [])
        if plan_lines:
            years[year].append(FundingAmount(code=code, name=sources[code], amount=from_ore(int(plan))))
            per_source[code] = per_source.get(code, 0) + int(plan)
        totals = sums.setdefault(year, [0, 0, 0])
        for i, ore in enumerate((plan, original, actual)):
            totals[i] += int(ore)
    everything = [sum(t[i] for t in sums.values()) for i in range(3)]
    financing = Financing(
        stated=bool(rows),
        years=[FinancingYear(year=y, by_funding_source=fs, **_measures(*sums[y])) for y, fs in years.items()],
        total=from_ore(everything[0]),
        **{k: v for k, v in _measures(*everything).items() if k != "amount"},
    )
    partners = [FundingAmount(code=c, name=sources[c], amount=from_ore(o)) for c, o in sorted(per_source.items())]
    return financing, partners


def _measures(plan: int, original: int, actual: int) -> dict:
    return {
        "amount": from_ore(plan),
        "budget": from_ore(original),
        "revised": from_ore(plan),
        "actual": from_ore(actual),
        "difference": from_ore(plan - actual),
        "share_spent": share_of(actual, plan),
    }


def _evaluation_status(items: list[EvaluationPublic]) -> EvaluationStatus:
    rated = [e for e in items if e.purpose_fulfilled or e.implemented_as_planned]
    # The latest rated final evaluation, else the latest rated one (items are oldest first).
    source = max(rated, key=lambda e: (e.kind is EvaluationKind.final, e.date, e.id), default=None)
    decided = [e for e in items if e.decision is not None]
    decision = decided[-1] if decided else None
    return EvaluationStatus(
        evaluated=bool(items),
        label="Ja, evalueret" if items else "Nej, ikke evalueret",
        final_evaluation=any(e.kind is EvaluationKind.final for e in items),
        rated_by=source.id if source else None,
        purpose_fulfilled=source.purpose_fulfilled if source else None,
        purpose_fulfilled_label=source.purpose_fulfilled_label if source else None,
        implemented_as_planned=source.implemented_as_planned if source else None,
        implemented_as_planned_label=source.implemented_as_planned_label if source else None,
        decision=decision.decision if decision else None,
        decision_label=decision.decision_label if decision else None,
        items=items,
    )


def _refs(session: Session, ids: Iterable[int]) -> list[InterventionRef]:
    ids = list(ids)
    if not ids:
        return []
    rows = session.exec(
        select(Intervention.id, Intervention.name, Intervention.status)
        .where(col(Intervention.id).in_(ids))
        .order_by(col(Intervention.id))
    ).all()
    return [InterventionRef(id=i, name=n, status=s) for i, n, s in rows]


def get_case(session: Session, intervention_id: int) -> CasePage:
    found = get_intervention(session, intervention_id)
    departments = dict(session.exec(select(Department.code, Department.name)).all())
    sources = dict(session.exec(select(FundingSource.code, FundingSource.name)).all())
    areas = dict(session.exec(select(Area.slug, Area.name)).all())
    themes = dict(session.exec(select(Theme.code, Theme.name)).all())
    indicators = dict(session.exec(select(Indicator.number, Indicator.name)).all())

    financing, partners = _financing(session, subtree(session, found.id), sources)
    contact = (
        Contact(name=found.contact_name, email=found.contact_email)
        if found.contact_name or found.contact_email
        else None
    )
    parent = _refs(session, [found.parent_id]) if found.parent_id is not None else []
    return CasePage(
        id=found.id,
        external_id=found.external_id,
        name=found.name,
        kind=found.kind,
        kind_label=KIND_LABELS[found.kind],
        status=found.status,
        status_label=STATUS_LABELS[found.status],
        track=found.track,
        track_label=TRACK_LABELS[found.track] if found.track else None,
        purpose=found.purpose,
        description=found.description,
        target_group=found.target_group,
        areas=[AreaRef(slug=s, name=areas[s]) for s in found.areas],
        themes=[CodeName(code=c, name=themes[c]) for c in found.themes],
        indicators=[IndicatorRef(number=n, name=indicators[n]) for n in found.indicators],
        start_date=found.start_date,
        end_date=found.end_date,
        organisation=Organisation(
            municipality=MUNICIPALITY,
            department=CodeName(code=found.department, name=departments[found.department]),
            contact=contact,
            parent=parent[0] if parent else None,
            children=_refs(session, found.children),
        ),
        partners=partners,
        financing=financing,
        **case_parties(session, found),
        evaluation=_evaluation_status(evaluations_of(session, [found.id])[found.id]),
        success_criteria=[
            CaseCriterion(**c.model_dump(), indicator_name=indicators.get(c.indicator) if c.indicator else None)
            for c in found.success_criteria
        ],
        material=material_of(session, [found.id])[found.id],
        updated_at=found.updated_at,
    )


# --- HTML ----------------------------------------------------------------------------------------------------

LANGUAGES = {"da": "dansk", "en": "engelsk", "sv": "svensk", "no": "norsk", "nb": "norsk", "de": "tysk"}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; line-height: 1.5; color: #111;
       max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.8rem; margin-bottom: .25rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #999; }
h3 { font-size: 1.1rem; }
h4 { font-size: 1rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
th, td { border: 1px solid #999; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.amount, th.amount { text-align: right; font-variant-numeric: tabular-nums; }
a { color: #0645ad; }
@media print { body { margin: 0; max-width: none; } a::after { content: " (" attr(href) ")"; font-size: .85em; }
               h2 { break-after: avoid; } table, li { break-inside: avoid; } }
""".strip()


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _date(value) -> str:
    return value.strftime("%d.%m.%Y") if value else "Ikke oplyst"


def _kr(amount: Decimal) -> str:
    """477500.00 → 477.500,00 (Danish grouping and decimal comma)."""
    return f"{amount:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _measure(value: Decimal | None, unit: str | None) -> str:
    """12.5, "pct." → "12,5 pct."; nothing when there is no value."""
    if value is None:
        return ""
    return format(value, "f").replace(".", ",") + (f" {unit}" if unit else "")


def _text(value: str | None, missing: str = "Ikke oplyst") -> str:
    """Paragraphs from blank lines, line breaks kept; escaped."""
    if not value:
        return f"<p>{_e(missing)}</p>"
    paragraphs = [p for p in value.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "\n".join("<p>" + "<br>\n".join(_e(line) for line in p.split("\n")) + "</p>" for p in paragraphs)


def _dl(pairs: Iterable[tuple[str, str]]) -> str:
    """Pairs of (term, already-escaped HTML)."""
    return "<dl>\n" + "\n".join(f"<dt>{_e(t)}</dt><dd>{d}</dd>" for t, d in pairs) + "\n</dl>"


def _period(case: CasePage) -> str:
    if case.start_date is None and case.end_date is None:
        return "Ikke oplyst"
    return f"{_date(case.start_date)} - {_date(case.end_date)}"


def _share(value: Decimal | None) -> str:
    """0.9512 → "95,12 %"; a dash when nothing was planned."""
    return "–" if value is None else f"{value * 100:.2f}".replace(".", ",") + " %"


def _signed_kr(amount: Decimal) -> str:
    return ("−" if amount < 0 else "") + _kr(abs(amount))


def _spending_html(case: CasePage) -> str:
    """The original budget, the revised budget (the current plan) and the actual spending side by side."""
    labels = BUDGET_LINE_TYPE_LABELS
    scope = " for indsatsen og dens delindsatser" if case.organisation.children else ""
    head = "".join(
        f'<th scope="col" class="amount">{_e(t)}</th>'
        for t in (
            labels[BudgetLineType.budget],
            labels[BudgetLineType.revised],
            labels[BudgetLineType.actual],
            "Forskel (revideret budget − forbrug)",
            "Forbrugt andel",
        )
    )

    def cells(m) -> str:
        return "".join(
            f'<td class="amount">{v}</td>'
            for v in (_kr(m.budget), _kr(m.revised), _kr(m.actual), _signed_kr(m.difference), _share(m.share_spent))
        )

    body = "\n".join(f'<tr><th scope="row">{y.year}</th>{cells(y)}</tr>' for y in case.financing.years)
    return (
        "<table>\n"
        f"<caption>Budget og forbrug pr. år i kr.{_e(scope)}</caption>\n"
        f'<thead><tr><th scope="col">År</th>{head}</tr></thead>\n'
        "<tbody>\n" + body + "\n</tbody>\n"
        f'<tfoot><tr><th scope="row">I alt</th>{cells(case.financing)}</tr></tfoot>\n'
        "</table>"
    )


def _financing_html(case: CasePage) -> str:
    if not case.financing.stated:
        return "<p>Ikke oplyst</p>"
    return _plan_html(case) + "\n" + _spending_html(case)


def _plan_html(case: CasePage) -> str:
    sources = [p.code for p in case.partners]
    names = {p.code: p.name for p in case.partners}
    scope = " og dens delindsatser" if case.organisation.children else ""
    head = "".join(f'<th scope="col" class="amount">{_e(names[c])}</th>' for c in sources)
    body = []
    for year in case.financing.years:
        cells = {f.code: f.amount for f in year.by_funding_source}
        row = "".join(f'<td class="amount">{_kr(cells[c]) if c in cells else "–"}</td>' for c in sources)
        body.append(f'<tr><th scope="row">{year.year}</th>{row}<td class="amount">{_kr(year.amount)}</td></tr>')
    totals = "".join(f'<td class="amount">{_kr(p.amount)}</td>' for p in case.partners)
    return (
        "<table>\n"
        f"<caption>Gældende budget pr. år i kr. for indsatsen{_e(scope)}, fordelt på finansieringskilde</caption>\n"
        f'<thead><tr><th scope="col">År</th>{head}<th scope="col" class="amount">I alt</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(body) + "\n</tbody>\n"
        f'<tfoot><tr><th scope="row">I alt</th>{totals}'
        f'<td class="amount">{_kr(case.financing.total)}</td></tr></tfoot>\n'
        "</table>"
    )


def _criteria_html(case: CasePage) -> str:
    if not case.success_criteria:
        return "<p>Ingen succeskriterier registreret.</p>"
    rows = []
    for c in case.success_criteria:
        indicator = f"{c.indicator}. {c.indicator_name}" if c.indicator else ""
        baseline, target, actual = (_e(_measure(v, c.unit)) for v in (c.baseline, c.target, c.actual_value))
        rows.append(
            f"<tr><td>{_e(c.description)}</td><td>{_e(indicator)}</td><td>{baseline}</td>"
            f"<td>{target}</td><td>{actual}</td><td>{_e(c.outcome_label)}</td></tr>"
        )
    return (
        "<table>\n<caption>Succeskriterier og resultater</caption>\n"
        '<thead><tr><th scope="col">Succeskriterium</th><th scope="col">Indikator</th><th scope="col">Udgangspunkt</th>'
        '<th scope="col">Mål</th><th scope="col">Opnået</th><th scope="col">Vurdering</th></tr></thead>\n'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
    )


def _evaluation_html(case: CasePage) -> str:
    ev = case.evaluation
    titles = {m.id: m for m in case.material}
    parts = [_dl([("Evalueret", _e(ev.label))])]
    parts.append('<h3 id="vurdering">Vurdering</h3>')
    parts.append(
        _dl(
            [
                (PURPOSE_QUESTION, _e(ev.purpose_fulfilled_label or "Ikke vurderet")),
                (IMPLEMENTATION_QUESTION, _e(ev.implemented_as_planned_label or "Ikke vurderet")),
                ("Beslutning", _e(ev.decision_label or "Ingen beslutning registreret")),
            ]
        )
    )
    parts.append("<p>Skala: " + ", ".join(_e(label) for label in RATING_LABELS.values()) + ".</p>")
    if ev.items:
        parts.append('<h3 id="evalueringer">Evalueringer</h3>')
    for item in ev.items:
        parts.append(f"<h4>{_e(item.kind_label)} {_e(_date(item.date))}</h4>")
        department = case.organisation.department
        evaluator = f"{department.name} ({department.code})" if item.department == department.code else item.department
        pairs = [
            ("Evaluerende forvaltning", _e(evaluator)),
            (PURPOSE_QUESTION, _e(item.purpose_fulfilled_label or "Ikke vurderet")),
            (IMPLEMENTATION_QUESTION, _e(item.implemented_as_planned_label or "Ikke vurderet")),
            ("Beslutning", _e(DECISION_LABELS[item.decision] if item.decision else "Ingen")),
        ]
        if item.material_ids:
            pairs.append(
                (
                    "Materiale",
                    ", ".join(
                        f'<a href="{_e(titles[m].url)}">{_e(titles[m].title)}</a>'
                        for m in item.material_ids
                        if m in titles
                    ),
                )
            )
        parts.append(_dl(pairs))
        if item.findings:
            parts.append(_text(item.findings))
    return "\n".join(parts)


def _material_html(case: CasePage) -> str:
    if not case.material:
        return "<p>Intet materiale registreret.</p>"
    items = []
    for m in case.material:
        details = [m.kind_label, LANGUAGES.get(m.language, m.language)]
        if m.date:
            details.append(_date(m.date))
        items.append(
            f'<li><a href="{_e(m.url)}" hreflang="{_e(m.language)}">{_e(m.title)}</a> ({_e(", ".join(details))})</li>'
        )
    return "<ul>\n" + "\n".join(items) + "\n</ul>"


def _organisation_html(case: CasePage) -> str:
    org = case.organisation
    pairs = [
        ("Kommune/organisation", _e(org.municipality)),
        ("Ejende forvaltning", _e(f"{org.department.name} ({org.department.code})")),
    ]
    if org.contact:
        contact = _e(org.contact.name or "")
        if org.contact.email:
            email = _e(org.contact.email)
            contact += (", " if contact else "") + f'<a href="mailto:{email}">{email}</a>'
        pairs.append(("Kontakt", contact))
    if org.parent:
        pairs.append(("Del af", _e(org.parent.name)))
    if org.children:
        pairs.append(("Delindsatser", "<ul>" + "".join(f"<li>{_e(c.name)}</li>" for c in org.children) + "</ul>"))
    if case.people:
        pairs.append(("Roller", people_html(case)))
    pairs.append(("Finansiering og samarbejdspartnere", financing_and_partners_html(case, _kr)))
    return _dl(pairs)


def render_body(case: CasePage) -> str:
    """The case itself (its heading, facts and sections) as HTML, for this page and for the web interface's."""
    arena = ", ".join(a.name for a in case.areas) or "Ikke oplyst"
    facts = [("Type indsats", _e(KIND_SENTENCES[case.kind])), ("Status", _e(case.status_label))]
    if case.track_label:
        facts.append(("Spor", _e(case.track_label)))
    facts.append(("Periode", _e(_period(case))))
    if case.themes:
        facts.append(("Temaer", _e(", ".join(f"{t.code} {t.name}" for t in case.themes))))
    if case.indicators:
        facts.append(("Indikatorer", _e(", ".join(f"{i.number}. {i.name}" for i in case.indicators))))
    sections = [
        ("formaal", "Formål", _text(case.purpose)),
        ("maalgruppe", "Målgruppe &amp; arena", _text(case.target_group) + "\n" + _dl([("Arena", _e(arena))])),
        ("beskrivelse", "Beskrivelse af indsats", _text(case.description)),
        ("organisering", "Organisering og samarbejdspartnere", _organisation_html(case)),
        ("oekonomi", "Økonomi pr. år", _financing_html(case)),
        ("arbejdstid", "Bidrag i form af arbejdstid", in_kind_html(case)),
        ("deltagere", "Deltagere", reach_html(case)),
        ("succeskriterier", "Succeskriterier", _criteria_html(case)),
        ("evaluering", "Evaluering", _evaluation_html(case)),
        ("materiale", "Materiale", _material_html(case)),
    ]
    body = "\n".join(
        f'<section aria-labelledby="{sid}">\n<h2 id="{sid}">{title}</h2>\n{content}\n</section>'
        for sid, title, content in sections
    )
    return f"<h1>{_e(case.name)}</h1>\n{_dl(facts)}\n{body}"


def render_html(case: CasePage) -> str:
    updated = case.updated_at.strftime("%d.%m.%Y")
    return f"""<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(case.name)} – Social balance, {_e(MUNICIPALITY)}</title>
<style>
{STYLE}
</style>
</head>
<body>
<header>
<p>Social balance i {_e(MUNICIPALITY)} · Case</p>
</header>
<main>
{render_body(case)}
</main>
<footer>
<p>Fra registret for Social balance, {_e(MUNICIPALITY)}. Senest ændret {_e(updated)}.</p>
</footer>
</body>
</html>
"""
