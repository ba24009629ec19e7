"""IATI activity XML (standard 2.03) for the selected interventions: an open-standard export that validates
against the official schema (tests/iati-2.03/iati-activities-schema.xsd).

How the registry maps to IATI:

- `iati-identifier`: REPORTING_ORG_REF + "-" + external_id, or REPORTING_ORG_REF + "-REG-" + id when the
  intervention has no external_id. Once published an identifier must not change: give every intervention an
  external_id before publishing and never change it afterwards.
- `reporting-org`: REPORTING_ORG_REF, type 11 (local government), «Gladsaxe Kommune».
- `title`, `description` (type 1 general = description, else the name; type 2 objectives = purpose; type 3
  target groups = target_group): narratives with xml:lang="da" (the activity's default language).
- `participating-org`: role 2 (accountable) = the owning department; role 1 (funding) = each funding source of
  the intervention's own budget lines (type 11 for the municipality's own budgets and pool), each organisation
  linked with the role funding, named as the funding organisation of a line, or paying in-kind staff time; role
  4 (implementing) = each organisation linked as implementing or partner (IATI has no role of its own for a
  partner that takes part in the work). An organisation has `ref` DK-CVR-<cvr> where its CVR is known, and the
  type of its kind (ORGANISATION_TYPES).
- In-kind staff time is not money: no budget or transaction counts it; it is told in a description of type 4
  (other), «Bidrag i form af arbejdstid», per year and payer in hours and staff.
- `activity-status`: ACTIVITY_STATUS below.
- `activity-date`: start and end; actual (2, 4) once the status says it happened and the date is not in the
  future, planned (1, 3) otherwise. An intervention registered without a start date gets a planned start (or,
  once under way, an actual start) on the day it was registered, with a narrative that says so: the schema
  requires at least one date.
- `activity-scope` 7 (sub-national: one second-level administrative area, the municipality), `recipient-country`
  DK.
- `budget` per year of the intervention's own lines (1 January – 31 December, value in DKK, value-date = the
  period start): type 1 (original) with the sum of the original lines (type budget); in a year with revised
  lines also type 2 (revised) with the year's current plan (revised lines plus the original lines without a
  revision). Status 2 (committed) once the intervention is beyond idea/planned, 1 (indicative) before. A
  programme's children are activities of their own (hierarchy 2, 3, …, linked by `related-activity` 1 parent /
  2 child), so no money is counted twice.
- `transaction` type 4 (Expenditure) per year and funding source of the actual spending lines: transaction
  date and value-date 31 December of the year (today while the year is not over), the funding source as
  `provider-org` (type 11 for the municipality's own budgets and pool), description «Forbrug <year>».
- `document-link` for each material: category A02 description, A05 budget, A07 evaluation, A08 results; format
  from the URL's file extension (text/html otherwise); language; document date.
- `result` (type 2, outcome) for each success criterion, with one indicator: reference vocabulary 99 (reporting
  organisation) code = our indicator number when the criterion names one; baseline (year of the start date),
  and a period from start to target date (or end date) with target and actual value, the outcome as comment.
  Indicators of the results framework linked to the intervention but named by no criterion come as one more
  result, «Social balance – resultatramme», one indicator each with its vocabulary-99 reference.
"""

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models.budget_line import BudgetLine, BudgetLineType
from app.models.case import MUNICIPALITY
from app.models.filters import InterventionFilters
from app.models.intervention import Intervention, InterventionIndicator, Status
from app.models.material import Material
from app.models.organisation import Organisation, OrganisationKind
from app.models.party import OrganisationRole
from app.models.reference import Department, FundingSource, Indicator
from app.models.success_criterion import OUTCOME_LABELS, Outcome, SuccessCriterion
from app.models.types import from_ore, utcnow
from app.services.interventions import list_interventions
from app.services.organisations import all_organisations
from app.services.parties import parties_of

IATI_VERSION = "2.03"
# The reporting organisation's IATI organisation identifier. "DK-COK-GLADSAXE" is a placeholder of the form
# {agency}-{number}: before publishing to the IATI Registry, replace it with the identifier the municipality
# registers (for a Danish public body usually its CVR number, "DK-CVR-<number>"), and keep it for good.
REPORTING_ORG_REF = "DK-COK-GLADSAXE"
LOCAL_GOVERNMENT = "11"  # IATI OrganisationType
CURRENCY = "DKK"
LANGUAGE = "da"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PAGE = 500

# Our status → IATI ActivityStatus: 1 pipeline/identification, 2 implementation, 3 finalisation, 4 closed,
# 5 cancelled, 6 suspended. `anchored` is closed: the time-boxed activity ended and lives on in core operations
# (outside this activity). `stopped` is closed when it had started, cancelled when it never did.
ACTIVITY_STATUS = {
    Status.idea: "1",
    Status.planned: "1",
    Status.active: "2",
    Status.completed: "4",
    Status.anchored: "4",
    Status.stopped: "4",
}
CANCELLED = "5"
STARTED = {"2", "3", "4"}  # implementation, finalisation, closed: the activity has started
CLOSED = {"4"}

DOCUMENT_CATEGORY = {"description": "A02", "budget": "A05", "evaluation": "A07", "results": "A08"}
FILE_FORMATS = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "csv": "text/csv",
    "txt": "text/plain",
    "htm": "text/html",
    "html": "text/html",
}
MUNICIPAL_FUNDING = {"SOB-BUDGET", "SOB-PULJE", "FAGFORVALTNING"}
ORIGINAL, REVISED = "1", "2"  # IATI BudgetType
EXPENDITURE = "4"  # IATI TransactionType
PERCENT_UNITS = {"%", "pct", "pct.", "procent", "procentpoint", "percent"}
FRAMEWORK_RESULT_TITLE = "Social balance – resultatramme"

# Characters XML 1.0 cannot carry at all (C0 controls other than tab, newline, carriage return; surrogates;
# U+FFFE/U+FFFF). A JSON string may hold them; the export drops them rather than write a broken file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def identifier(row_id: int, external_id: str | None) -> str:
    return f"{REPORTING_ORG_REF}-{external_id}" if external_id else f"{REPORTING_ORG_REF}-REG-{row_id}"


def activity_status(status: Status, start: dt.date | None, today: dt.date) -> str:
    if status is Status.stopped and (start is None or start > today):
        return CANCELLED
    return ACTIVITY_STATUS[status]


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, **attrs: object) -> ET.Element:
    return ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attrs.items() if v is not None})


def _narrative(parent: ET.Element, text: str, lang: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, "narrative", {XML_LANG: lang} if lang else {})
    element.text = _clean(text)
    return element


def _text_element(parent: ET.Element, tag: str, text: str, **attrs: object) -> ET.Element:
    element = _sub(parent, tag, **attrs)
    _narrative(element, text)
    return element


_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _uri(url: str) -> str:
    """A stored link as the URI that xs:anyURI wants: what a URI cannot hold (letters beyond ASCII, controls,
    brackets outside an IPv6 host, a lone %) percent-encoded as UTF-8, as RFC 3987 maps an IRI to a URI."""
    ipv6_host = url.split("://", 1)[-1].startswith("[")
    return quote(_LONE_PERCENT.sub("%25", url), safe=":/?#@!$&'()*+,;=%" + ("[]" if ipv6_host else ""))


def _file_format(url: str) -> str:
    # By plain string steps: a stored link need only match the material's pattern, not parse in urllib.
    after_host = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0].partition("/")[2]
    name = after_host.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return FILE_FORMATS.get(extension, "text/html")


def _measure(unit: str | None, has_values: bool) -> str:
    """IATI IndicatorMeasure: 2 percentage, 1 unit, 5 qualitative (no figures at all)."""
    if unit and unit.strip().lower() in PERCENT_UNITS:
        return "2"
    return "1" if has_values else "5"


def _chunks(values: Sequence[int], size: int = PAGE) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _selected_ids(session: Session, filters: InterventionFilters) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = list_interventions(session, filters, sort="id", limit=PAGE, cursor=cursor)
        ids.extend(item.id for item in page.items)
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def export_iati(session: Session, filters: InterventionFilters, *, today: dt.date | None = None) -> bytes:
    """The IATI activities file (UTF-8) for every intervention the filters select."""
    today = today or dt.date.today()
    ids = _selected_ids(session, filters)
    if not ids:
        raise NotFound("no intervention matches these filters, and an IATI file must hold at least one activity")
    names = _Names.load(session)
    selection = _Selection.load(session, ids)
    root = ET.Element(
        "iati-activities", {"version": IATI_VERSION, "generated-datetime": utcnow().replace(microsecond=0).isoformat()}
    )
    for iid in ids:
        _activity(root, iid, selection, names, today)
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


@dataclass
class _Names:
    """The code lists an activity names things by, and the whole tree of interventions (ids, parents, keys: it is
    small), which gives hierarchy levels and related-activity references."""

    departments: dict[str, str]
    sources: dict[str, str]
    indicators: dict[int, Indicator]
    organisations: dict[int, Organisation]
    tree: dict[int, tuple[int | None, str | None, dt.datetime | None]]  # id: (parent_id, external_id, archived_at)

    @classmethod
    def load(cls, session: Session) -> "_Names":
        return cls(
            departments=dict(session.exec(select(Department.code, Department.name)).all()),
            sources=dict(session.exec(select(FundingSource.code, FundingSource.name)).all()),
            indicators={i.number: i for i in session.exec(select(Indicator)).all()},
            organisations=all_organisations(session),
            tree={
                i: (p, e, a)
                for i, p, e, a in session.exec(
                    select(Intervention.id, Intervention.parent_id, Intervention.external_id, Intervention.archived_at)
                )
            },
        )


@dataclass
class _Selection:
    """The selected interventions and their parts, each keyed by intervention id, loaded in batches."""

    rows: dict[int, Intervention]
    budgets: dict[int, dict[int, int]]  # original lines per year
    plans: dict[int, dict[int, int]]  # the current plan per year
    revised_years: dict[int, set[int]]
    spending: dict[int, dict[tuple[int, str], int]]  # actual per (year, funding source)
    funders: dict[int, set[str]]
    funding_organisations: dict[int, set[int]]  # organisation ids named on lines
    parties: dict[int, dict[str, list]]
    criteria: dict[int, list[SuccessCriterion]]
    material: dict[int, list[Material]]
    linked: dict[int, list[int]]  # indicator numbers

    @classmethod
    def load(cls, session: Session, ids: list[int]) -> "_Selection":
        selection = cls(
            rows={},
            budgets={i: {} for i in ids},
            plans={i: {} for i in ids},
            revised_years={i: set() for i in ids},
            spending={i: {} for i in ids},
            funders={i: set() for i in ids},
            funding_organisations={i: set() for i in ids},
            parties={},
            criteria={i: [] for i in ids},
            material={i: [] for i in ids},
            linked={i: [] for i in ids},
        )
        for chunk in _chunks(ids):
            for row in session.exec(select(Intervention).where(col(Intervention.id).in_(chunk))):
                selection.rows[row.id] = row
            selection._add_lines(session, chunk)
            selection._add_parts(session, chunk)
            selection.parties.update(parties_of(session, chunk))
        return selection

    def _add_lines(self, session: Session, chunk: Sequence[int]) -> None:
        for iid, year, code, kind, in_plan, ore, org_id in session.exec(
            select(
                BudgetLine.intervention_id,
                BudgetLine.year,
                BudgetLine.funding_source_code,
                BudgetLine.type,
                BudgetLine.in_plan,
                BudgetLine.amount_ore,
                BudgetLine.funding_organisation_id,
            ).where(col(BudgetLine.intervention_id).in_(chunk))
        ):
            if org_id is not None:
                self.funding_organisations[iid].add(org_id)
            if kind == BudgetLineType.budget:
                self.budgets[iid][year] = self.budgets[iid].get(year, 0) + ore
            elif kind == BudgetLineType.revised:
                self.revised_years[iid].add(year)
            else:
                self.spending[iid][(year, code)] = self.spending[iid].get((year, code), 0) + ore
            if in_plan:
                self.plans[iid][year] = self.plans[iid].get(year, 0) + ore
            self.funders[iid].add(code)

    def _add_parts(self, session: Session, chunk: Sequence[int]) -> None:
        """Success criteria, material and linked indicators, each in its order."""
        for crit in session.exec(
            select(SuccessCriterion)
            .where(col(SuccessCriterion.intervention_id).in_(chunk))
            .order_by(col(SuccessCriterion.position), col(SuccessCriterion.id))
        ):
            self.criteria[crit.intervention_id].append(crit)
        for item in session.exec(
            select(Material)
            .where(col(Material.intervention_id).in_(chunk))
            .order_by(col(Material.document_date).is_(None), col(Material.document_date), col(Material.id))
        ):
            self.material[item.intervention_id].append(item)
        for iid, number in session.exec(
            select(InterventionIndicator.intervention_id, InterventionIndicator.indicator_number)
            .where(col(InterventionIndicator.intervention_id).in_(chunk))
            .order_by(col(InterventionIndicator.indicator_number))
        ):
            self.linked[iid].append(number)


def _activity(root: ET.Element, iid: int, selection: _Selection, names: _Names, today: dt.date) -> None:
    """One iati-activity, its elements in the order the schema requires."""
    row = selection.rows[iid]
    activity = _sub(
        root,
        "iati-activity",
        **{
            "last-updated-datetime": row.updated_at.replace(microsecond=0).isoformat(),
            XML_LANG: LANGUAGE,
            "default-currency": CURRENCY,
            "hierarchy": _level(names.tree, iid),
        },
    )
    _sub(activity, "iati-identifier").text = _clean(identifier(iid, row.external_id))
    reporting = _sub(activity, "reporting-org", ref=REPORTING_ORG_REF, type=LOCAL_GOVERNMENT)
    _narrative(reporting, MUNICIPALITY)
    _text_element(activity, "title", row.name)
    _text_element(activity, "description", row.description or row.name, type="1")
    if row.purpose:
        _text_element(activity, "description", row.purpose, type="2")
    if row.target_group:
        _text_element(activity, "description", row.target_group, type="3")
    _in_kind_description(activity, selection.parties[iid]["in_kind"])
    _text_element(
        activity, "participating-org", names.departments[row.department_code], role="2", type=LOCAL_GOVERNMENT
    )
    for code in sorted(selection.funders[iid]):
        _text_element(
            activity,
            "participating-org",
            names.sources[code],
            role="1",
            type=LOCAL_GOVERNMENT if code in MUNICIPAL_FUNDING else None,
        )
    for org_id, role in _organisation_roles(selection, iid):
        org = names.organisations[org_id]
        element = _text_element(
            activity, "participating-org", org.name, role=role, type=ORGANISATION_TYPES[OrganisationKind(org.kind)]
        )
        if org.cvr:
            element.set("ref", f"DK-CVR-{org.cvr}")
    code = activity_status(Status(row.status), row.start_date, today)
    _sub(activity, "activity-status", code=code)
    _activity_dates(activity, row, code, today)
    _sub(activity, "activity-scope", code="7")
    _sub(activity, "recipient-country", code="DK", percentage="100")
    _money(activity, iid, selection, names, today)
    for item in selection.material[iid]:
        _document_link(activity, item)
    _related_activities(activity, iid, names.tree)
    _results(activity, row, selection.criteria[iid], selection.linked[iid], names.indicators)


# IATI OrganisationType per kind: 11 local government, 15 other public sector, 22 national NGO (the non-profit
# housing organisations and associations), 70 private sector, 80 academic, training and research, 90 other.
ORGANISATION_TYPES = {
    OrganisationKind.housing_organisation: "22",
    OrganisationKind.association: "22",
    OrganisationKind.school: "80",
    OrganisationKind.institution: "15",
    OrganisationKind.administration: "11",
    OrganisationKind.company: "70",
    OrganisationKind.other: "90",
}
_IATI_ROLES = {OrganisationRole.funding: "1", OrganisationRole.implementing: "4", OrganisationRole.partner: "4"}


def _organisation_roles(selection: _Selection, iid: int) -> list[tuple[int, str]]:
    """(organisation id, IATI role) of each organisation the intervention names, once per role, funders first."""
    parties = selection.parties[iid]
    found = {(org_id, "1") for org_id in selection.funding_organisations[iid]}
    found |= {(k.organisation_id, "1") for k in parties["in_kind"]}
    found |= {(link.organisation_id, _IATI_ROLES[link.role]) for link in parties["organisations"]}
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def _in_kind_description(activity: ET.Element, in_kind: list) -> None:
    if not in_kind:
        return
    parts = []
    for k in in_kind:
        figures = [f"{k.hours} timer" if k.hours is not None else "", f"{k.staff} medarbejdere" if k.staff else ""]
        parts.append(f"{k.year}: {k.organisation}, " + ", ".join(f for f in figures if f))
    text = "Bidrag i form af arbejdstid (ikke penge): " + "; ".join(parts)
    _text_element(activity, "description", text, type="4")


def _money(activity: ET.Element, iid: int, selection: _Selection, names: _Names, today: dt.date) -> None:
    """The budgets per year (original, and revised in a year with revised lines), then the spending."""
    status = Status(selection.rows[iid].status)
    budget_status = "1" if status in (Status.idea, Status.planned) else "2"
    budgets = selection.budgets[iid]
    revised = {year: selection.plans[iid].get(year, 0) for year in selection.revised_years[iid]}
    for year in sorted(budgets.keys() | revised.keys()):
        for budget_type, values in ((ORIGINAL, budgets), (REVISED, revised)):
            if year in values:
                _budget(activity, budget_type, budget_status, year, values[year])
    for (year, code), ore in sorted(selection.spending[iid].items()):
        _expenditure(activity, year, code, names.sources[code], ore, today)


def _related_activities(activity: ET.Element, iid: int, tree: dict) -> None:
    """The parent (type 1) and the non-archived children (type 2)."""
    parent_id = tree[iid][0]
    if parent_id is not None and parent_id in tree:
        _sub(activity, "related-activity", ref=identifier(parent_id, tree[parent_id][1]), type="1")
    for child_id, (child_parent, child_key, archived) in sorted(tree.items()):
        if child_parent == iid and archived is None:
            _sub(activity, "related-activity", ref=identifier(child_id, child_key), type="2")


def _budget(activity: ET.Element, budget_type: str, status: str, year: int, ore: int) -> None:
    budget = _sub(activity, "budget", type=budget_type, status=status)
    start = dt.date(year, 1, 1)
    _sub(budget, "period-start", iso_date=start.isoformat())
    _sub(budget, "period-end", iso_date=dt.date(year, 12, 31).isoformat())
    _sub(budget, "value", currency=CURRENCY, value_date=start.isoformat()).text = f"{from_ore(ore):.2f}"


def _expenditure(activity: ET.Element, year: int, code: str, source: str, ore: int, today: dt.date) -> None:
    """A year's actual spending from one funding source, as an Expenditure transaction dated at the end of the
    year (or today, while the year is not over: IATI transactions are not dated in the future)."""
    date = min(dt.date(year, 12, 31), today).isoformat()
    transaction = _sub(activity, "transaction")
    _sub(transaction, "transaction-type", code=EXPENDITURE)
    _sub(transaction, "transaction-date", iso_date=date)
    _sub(transaction, "value", currency=CURRENCY, value_date=date).text = f"{from_ore(ore):.2f}"
    _text_element(transaction, "description", f"Forbrug {year}")
    _text_element(transaction, "provider-org", source, type=LOCAL_GOVERNMENT if code in MUNICIPAL_FUNDING else None)


def _level(tree: dict, iid: int) -> int:
    level, seen, node = 1, {iid}, tree[iid][0]
    while node is not None and node in tree and node not in seen:
        level += 1
        seen.add(node)
        node = tree[node][0]
    return level


def _activity_dates(activity: ET.Element, row: Intervention, code: str, today: dt.date) -> None:
    """Start and end, actual once the IATI status says they happened (and not in the future), else planned."""
    if row.start_date is not None:
        actual = code in STARTED and row.start_date <= today
        _sub(activity, "activity-date", type="2" if actual else "1", iso_date=row.start_date.isoformat())
    else:
        registered = row.created_at.date()
        date = _sub(activity, "activity-date", type="2" if code in STARTED else "1", iso_date=registered.isoformat())
        _narrative(date, "Startdato ikke registreret; datoen er indsatsens registrering i registret")
    if row.end_date is not None:
        actual = code in CLOSED and row.end_date <= today
        _sub(activity, "activity-date", type="4" if actual else "3", iso_date=row.end_date.isoformat())


def _document_link(activity: ET.Element, item: Material) -> None:
    link = _sub(activity, "document-link", url=_uri(item.url), format=_file_format(item.url))
    title = _sub(link, "title")
    _narrative(title, item.title, None if item.language == LANGUAGE else item.language)
    _sub(link, "category", code=DOCUMENT_CATEGORY[item.kind])
    _sub(link, "language", code=item.language)
    if item.document_date is not None:
        _sub(link, "document-date", iso_date=item.document_date.isoformat())


def _value(value: Decimal) -> str:
    return format(value, "f")


def _results(
    activity: ET.Element,
    row: Intervention,
    criteria: list[SuccessCriterion],
    linked: list[int],
    indicators: dict[int, Indicator],
) -> None:
    for crit in criteria:
        _criterion_result(activity, row, crit, indicators)
    named = {c.indicator_number for c in criteria}
    rest = [n for n in linked if n not in named and n in indicators]
    if rest:
        result = _sub(activity, "result", type="2")
        _text_element(result, "title", FRAMEWORK_RESULT_TITLE)
        for number in rest:
            framework = indicators[number]
            indicator = _sub(
                result, "indicator", measure="1", ascending="true" if framework.higher_is_better else "false"
            )
            _text_element(indicator, "title", framework.name)
            _sub(indicator, "reference", vocabulary="99", code=str(number))


def _criterion_result(
    activity: ET.Element, row: Intervention, crit: SuccessCriterion, indicators: dict[int, Indicator]
) -> None:
    """A success criterion as an outcome result with one indicator: the framework's when it names one."""
    result = _sub(activity, "result", type="2")
    _text_element(result, "title", crit.description)
    framework = indicators.get(crit.indicator_number) if crit.indicator_number is not None else None
    has_values = any(v is not None for v in (crit.baseline, crit.target, crit.actual_value))
    indicator = _sub(
        result,
        "indicator",
        measure=_measure(crit.unit, has_values),
        ascending=("true" if framework.higher_is_better else "false") if framework else None,
    )
    _text_element(indicator, "title", framework.name if framework else crit.description)
    if framework:
        _text_element(indicator, "description", crit.description)
        _sub(indicator, "reference", vocabulary="99", code=str(framework.number))
    if crit.baseline is not None and row.start_date is not None:
        _sub(
            indicator,
            "baseline",
            year=row.start_date.year,
            iso_date=row.start_date.isoformat(),
            value=_value(crit.baseline),
        )
    end = crit.target_date or row.end_date
    outcome = Outcome(crit.outcome)
    if (
        row.start_date is not None
        and end is not None
        and end >= row.start_date
        and (crit.target is not None or crit.actual_value is not None or outcome is not Outcome.not_assessed)
    ):
        period = _sub(indicator, "period")
        _sub(period, "period-start", iso_date=row.start_date.isoformat())
        _sub(period, "period-end", iso_date=end.isoformat())
        if crit.target is not None:
            _sub(period, "target", value=_value(crit.target))
        if crit.actual_value is not None or outcome is not Outcome.not_assessed:
            actual = _sub(period, "actual", value=_value(crit.actual_value) if crit.actual_value is not None else None)
            _text_element(actual, "comment", OUTCOME_LABELS[outcome])
