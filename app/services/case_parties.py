"""The parties on the case page (organisations with roles, funders with or without an amount, people, reach,
in-kind staff time): built from the intervention's public shape, and shown as HTML in Danish. In-kind time is
hours and people, shown apart from the money and never added to it."""

from collections.abc import Callable
from decimal import Decimal
from html import escape

from sqlmodel import Session

from app.models.case import CasePage, Funder
from app.models.intervention import InterventionPublic
from app.models.organisation import ORGANISATION_KIND_LABELS, OrganisationKind
from app.models.party import InKindTotal, OrganisationRole
from app.models.types import from_ore, to_ore
from app.services.organisations import all_organisations


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def case_parties(session: Session, found: InterventionPublic) -> dict:
    """The CasePage fields of the parties."""
    return {
        "funders": funders(session, found),
        "organisations": found.organisations,
        "people": found.people,
        "reach": found.reach,
        "in_kind": found.in_kind,
        "in_kind_total": InKindTotal(
            hours=sum(k.hours or 0 for k in found.in_kind), staff=sum(k.staff or 0 for k in found.in_kind)
        ),
    }


def funders(session: Session, found: InterventionPublic) -> list[Funder]:
    """Organisations named as funders, by link or on a plan line: in order of first mention, each with the sum
    of its plan lines (None when it has none)."""
    amounts: dict[str, int | None] = {}
    for link in found.organisations:
        if link.role == OrganisationRole.funding:
            amounts.setdefault(link.organisation, None)
    for line in found.budget_lines:
        if line.funding_organisation and line.in_plan:
            amounts[line.funding_organisation] = (amounts.get(line.funding_organisation) or 0) + to_ore(line.amount)
    if not amounts:
        return []
    by_name = {o.name: o for o in all_organisations(session).values()}
    return [
        Funder(
            name=name,
            kind=by_name[name].kind,
            kind_label=ORGANISATION_KIND_LABELS[OrganisationKind(by_name[name].kind)],
            amount=None if ore is None else from_ore(ore),
        )
        for name, ore in amounts.items()
    ]


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}".replace(",", ".")


def financing_and_partners_html(case: CasePage, kr: Callable[[Decimal], str]) -> str:
    """«Finansiering og samarbejdspartnere»: funding sources, funders (with or without an amount) and the other
    organisations with their roles; «Ikke oplyst» only when none is named."""
    items = [f"<li>{_e(p.name)}</li>" for p in case.partners]
    for f in case.funders:
        amount = f" – {kr(f.amount)} kr." if f.amount is not None else " – beløb ikke oplyst"
        items.append(f"<li>{_e(f.name)} ({_e(f.kind_label)}), medfinansierer{_e(amount)}</li>")
    for link in case.organisations:
        if link.role != OrganisationRole.funding:
            note = f": {_e(link.note)}" if link.note else ""
            items.append(f"<li>{_e(link.organisation)} ({_e(link.role_label.lower())}){note}</li>")
    return "<ul>" + "".join(items) + "</ul>" if items else "Ikke oplyst"


def people_html(case: CasePage) -> str:
    items = []
    for p in case.people:
        text = f"{_e(p.role_label)}: {_e(p.name)}" + (f", {_e(p.title)}" if p.title else "")
        if p.email:
            text += f', <a href="mailto:{_e(p.email)}">{_e(p.email)}</a>'
        items.append(f"<li>{text}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def reach_html(case: CasePage) -> str:
    if not case.reach:
        return "<p>Ikke oplyst</p>"
    rows = "".join(
        f'<tr><th scope="row">{r.year}</th><td>{_e(r.unit_label)}</td>'
        f'<td class="amount">{_count(r.planned)}</td><td class="amount">{_count(r.actual)}</td></tr>'
        for r in case.reach
    )
    return (
        '<table>\n<caption>Deltagere pr. år</caption>\n<thead><tr><th scope="col">År</th><th scope="col">Enhed</th>'
        '<th scope="col" class="amount">Planlagt</th><th scope="col" class="amount">Faktisk</th></tr></thead>\n'
        f"<tbody>{rows}</tbody>\n</table>"
    )


def in_kind_html(case: CasePage) -> str:
    """Staff time paid in kind: its own table, in hours and people, never in kroner."""
    if not case.in_kind:
        return "<p>Ingen bidrag i form af arbejdstid registreret.</p>"
    rows = "".join(
        f'<tr><th scope="row">{k.year}</th><td>{_e(k.organisation)}</td><td class="amount">{_count(k.hours)}</td>'
        f'<td class="amount">{_count(k.staff)}</td><td>{_e(k.description or "")}</td></tr>'
        for k in case.in_kind
    )
    total = case.in_kind_total
    return (
        "<p>Arbejdstid, som organisationerne selv betaler. Den er ikke penge og indgår ikke i beløbene ovenfor.</p>\n"
        '<table>\n<caption>Bidrag i form af arbejdstid</caption>\n<thead><tr><th scope="col">År</th>'
        '<th scope="col">Betales af</th><th scope="col" class="amount">Timer</th>'
        '<th scope="col" class="amount">Medarbejdere</th><th scope="col">Beskrivelse</th></tr></thead>\n'
        f"<tbody>{rows}</tbody>\n"
        f'<tfoot><tr><th scope="row">I alt</th><td></td><td class="amount">{_count(total.hours)} timer</td>'
        f'<td class="amount">{_count(total.staff)}</td><td></td></tr></tfoot>\n</table>'
    )
