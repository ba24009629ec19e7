"""The pools: each pool's balance, its balance month by month, its allocations by status, and where its money
went (by intervention, theme, area and department), each table downloadable."""

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlmodel import Session

from app.core.tabular import OutputFormat
from app.deps import SessionDep
from app.errors import Forbidden, NotFound, Unauthorized
from app.models.pool import AllocationStatus
from app.models.rollup import PoolSummaryDimension
from app.models.types import from_ore
from app.services import allocations, pools, rollups
from app.web import filters as web_filters
from app.web.charts import bar_chart
from app.web.common import ALLOCATION_STATUS_LABELS, UserDep, WebRoute, render
from app.web.pool_forms import funding_choices, require_manager
from app.web.tables import TOTAL_LABEL, Column, Table

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PoolId = Annotated[int, Path(ge=1, le=2**31 - 1)]

MONTHS = ["jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."]
POOL_NOTICES = {"oprettet": "Puljen er oprettet.", "gemt": "Ændringerne af puljen er gemt."}
SUMMARY_HEADINGS = {
    PoolSummaryDimension.intervention: ("pr-indsats", "Indsats"),
    PoolSummaryDimension.theme: ("pr-tema", "Tema"),
    PoolSummaryDimension.area: ("pr-omraade", "Område"),
    PoolSummaryDimension.department: ("pr-forvaltning", "Forvaltning"),
}


# A pool's balance as table columns: the pool list and the month-by-month balance show the same four figures.
BALANCE_COLUMNS = [
    Column("amount", "Puljens beløb (kr.)", "money"),
    Column("granted", "Bevilget (kr.)", "money"),
    Column("requested", "Ansøgt, ikke afgjort (kr.)", "money"),
    Column("remaining", "Tilbage (kr.)", "money"),
]


def _balance_cells(balance) -> dict:
    return {column.key: getattr(balance, column.key) for column in BALANCE_COLUMNS}


def _all_pools(session: Session, year: int | None):
    found, cursor = [], None
    while True:
        page = pools.list_pools(session, year=year, limit=500, cursor=cursor)
        found += page.items
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def pools_list_table(items) -> Table:
    rows = [
        {
            "label": p.name,
            "href": f"/puljer/{p.id}",
            "year": p.year,
            **_balance_cells(p.balance),
        }
        for p in items
    ]
    columns = [
        Column("label", "Pulje"),
        Column("year", "År"),
        *BALANCE_COLUMNS,
    ]
    total = (
        {"label": TOTAL_LABEL, "year": "", **{c.key: sum(r[c.key] for r in rows) for c in columns[2:]}}
        if rows
        else None
    )
    table = Table(name="puljer", caption="Puljer og deres saldo", columns=columns, rows=rows, total=total)
    table.chart = bar_chart(
        "chart-puljer",
        "Puljernes saldo: søjler for bevilget og tilbage (tallene står i tabellen)",
        [f"{r['label']} ({r['year']})" for r in rows],
        [("Bevilget", [r["granted"] for r in rows]), ("Tilbage", [r["remaining"] for r in rows])],
    )
    return table


def balance_table(session: Session, pool_id: int) -> Table:
    balances = pools.balance_by_month(session, pool_id, date.today())
    rows = [
        {
            "label": f"{MONTHS[b.as_of.month - 1]} {b.as_of.year}",
            "as_of": b.as_of.strftime("%d.%m.%Y"),
            **_balance_cells(b),
        }
        for b in balances
    ]
    columns = [
        Column("label", "Måned"),
        Column("as_of", "Saldo pr."),
        *BALANCE_COLUMNS,
    ]
    table = Table(name="saldo-pr-maaned", caption="Saldo måned for måned", columns=columns, rows=rows)
    table.chart = bar_chart(
        "chart-saldo",
        "Saldo måned for måned: søjler for bevilget og tilbage (tallene står i tabellen)",
        [r["label"] for r in rows],
        [("Bevilget", [r["granted"] for r in rows]), ("Tilbage", [r["remaining"] for r in rows])],
    )
    table.note = "Saldoen ved udgangen af hver måned (denne måned: i dag), som puljens bogføring viser den."
    return table


def allocations_tables(session: Session, pool_id: int) -> tuple[Table, Table]:
    """The allocations grouped by status (count and money), and every allocation."""
    items = allocations.list_allocations(session, pool_id, []).items
    names = pools.intervention_names(session, [a.intervention_id for a in items])
    return _status_table(items), _allocation_listing(items, names)


def _status_table(items: list) -> Table:
    by_status = []
    for status in AllocationStatus:
        chosen = [a for a in items if a.status is status]
        by_status.append(
            {
                "label": ALLOCATION_STATUS_LABELS[status],
                "count": len(chosen),
                "requested": sum((a.requested for a in chosen), from_ore(0)),
                "net": sum((a.net for a in chosen), from_ore(0)),
            }
        )
    columns = [
        Column("label", "Status"),
        Column("count", "Antal", "int"),
        Column("requested", "Ansøgt (kr.)", "money"),
        Column("net", "Bevilget, netto (kr.)", "money"),
    ]
    total = {
        "label": TOTAL_LABEL,
        "count": len(items),
        "requested": sum((r["requested"] for r in by_status), from_ore(0)),
        "net": sum((r["net"] for r in by_status), from_ore(0)),
    }
    summary = Table(
        name="pr-status", caption="Ansøgninger og bevillinger pr. status", columns=columns, rows=by_status, total=total
    )
    summary.chart = bar_chart(
        "chart-status",
        "Ansøgninger og bevillinger pr. status: søjler for ansøgt og bevilget (tallene står i tabellen)",
        [r["label"] for r in by_status],
        [("Ansøgt", [r["requested"] for r in by_status]), ("Bevilget, netto", [r["net"] for r in by_status])],
    )
    return summary


def _allocation_listing(items: list, names: dict[int, str]) -> Table:
    rows = [
        {
            "label": names.get(a.intervention_id, f"Indsats {a.intervention_id}"),
            "href": f"/indsatser/{a.intervention_id}",
            "status": ALLOCATION_STATUS_LABELS[a.status],
            "requested": a.requested,
            "granted": a.granted,
            "released": a.released,
            "net": a.net,
            "requested_at": a.requested_at.strftime("%d.%m.%Y"),
            "decided_at": a.decided_at.strftime("%d.%m.%Y") if a.decided_at else "",
        }
        for a in items
    ]
    columns = [
        Column("label", "Indsats"),
        Column("status", "Status"),
        Column("requested", "Ansøgt (kr.)", "money"),
        Column("granted", "Bevilget (kr.)", "money"),
        Column("released", "Frigivet (kr.)", "money"),
        Column("net", "Netto (kr.)", "money"),
        Column("requested_at", "Ansøgt den"),
        Column("decided_at", "Afgjort den"),
    ]
    return Table(name="bevillinger", caption="Alle ansøgninger og bevillinger", columns=columns, rows=rows)


def summary_table(session: Session, pool_id: int, by: PoolSummaryDimension) -> Table:
    result = rollups.pool_summary(session, pool_id, by)
    stem, heading = SUMMARY_HEADINGS[by]
    rows = rollups.rows_for_table(result.rows)
    for row in rows:
        code, name = row.get(by.value), row.get(f"{by.value}_name")
        if by is PoolSummaryDimension.intervention:
            row["label"], row["href"] = name or f"Indsats {code}", f"/indsatser/{code}"
        else:
            row["label"] = name if code is None else f"{code} {name}" if by is PoolSummaryDimension.theme else name
    columns = [Column("label", heading), Column("amount", "Bevilget, netto (kr.)", "money")]
    if by is not PoolSummaryDimension.intervention:
        columns.append(Column("interventions", "Indsatser", "int"))
    total = {"label": TOTAL_LABEL, "amount": result.granted, "interventions": ""}
    table = Table(
        name=stem, caption=f"Hvor pengene gik hen: pr. {heading.lower()}", columns=columns, rows=rows, total=total
    )
    table.chart = bar_chart(
        f"chart-{stem}",
        f"Bevilget pr. {heading.lower()} (tallene står i tabellen)",
        [r["label"] for r in rows],
        [("Bevilget, netto", [r["amount"] for r in rows])],
    )
    return table


def pool_tables(session: Session, pool_id: int) -> list[Table]:
    summary, listing = allocations_tables(session, pool_id)
    return [
        balance_table(session, pool_id),
        summary,
        listing,
        *(summary_table(session, pool_id, by) for by in PoolSummaryDimension),
    ]


POOL_FIGURES: dict[str, Callable[[Session, int], Table]] = {
    "saldo-pr-maaned": balance_table,
    "pr-status": lambda s, p: allocations_tables(s, p)[0],
    "bevillinger": lambda s, p: allocations_tables(s, p)[1],
    **{stem: (lambda s, p, by=by: summary_table(s, p, by)) for by, (stem, _) in SUMMARY_HEADINGS.items()},
}


def _may_decide() -> bool:
    try:
        require_manager()
    except (Forbidden, Unauthorized):
        return False
    return True


def pools_listing(request: Request, session: Session, new=None, status_code: int = 200) -> Response:
    """The pools, and for the pool manager the form for a new one (`new`: as typed, when it was refused)."""
    form = web_filters.Form()
    year = web_filters._year(request.query_params, "year", form)
    table = pools_list_table(_all_pools(session, year))
    may_create = _may_decide()
    if may_create and new is None:
        new = web_filters.Form(values={"funding_source": "SOB-PULJE", "department": "SOB"})
    return render(
        request,
        "pools.html",
        status_code=422 if form.errors and status_code == 200 else status_code,
        title="Puljer",
        form=form,
        table=table,
        years=web_filters.YEARS,
        new=new if may_create else None,
        new_choices={
            "funding_source": funding_choices(session),
            "department": web_filters.choices(session)["department"],
        }
        if may_create
        else {},
    )


@router.get("/puljer", name="web_pools")
def pools_page(request: Request, session: SessionDep, user: UserDep) -> Response:
    return pools_listing(request, session)


@router.get("/puljer.{fmt}", name="web_pools_download")
def pools_download(request: Request, session: SessionDep, user: UserDep, fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Der er ingen sådan fil at hente")
    form = web_filters.Form()
    year = web_filters._year(request.query_params, "year", form)
    return pools_list_table(_all_pools(session, year)).download(OutputFormat(fmt))


@router.get("/puljer/{pool_id}", name="web_pool")
def pool_page(request: Request, session: SessionDep, user: UserDep, pool_id: PoolId) -> Response:
    pool = pools.get_pool(session, pool_id)
    tables = pool_tables(session, pool_id)
    pending = next(r for r in tables[1].rows if r["label"] == ALLOCATION_STATUS_LABELS[AllocationStatus.requested])
    open_items = allocations.list_allocations(
        session,
        pool_id,
        [AllocationStatus.requested, AllocationStatus.changes_requested, AllocationStatus.granted],
    ).items
    names = pools.intervention_names(session, [a.intervention_id for a in open_items])
    return render(
        request,
        "pool.html",
        title=pool.name,
        pool=pool,
        tables=tables,
        pending=pending,
        may_decide=_may_decide(),
        notice=POOL_NOTICES.get(request.query_params.get("besked", "")),
        may_apply=bool(allocations.applicable_interventions(session)),
        open_items=open_items,
        names=names,
        download_base=f"/puljer/{pool_id}",
    )


@router.get("/puljer/{pool_id}/{figure}.{fmt}", name="web_pool_download")
def pool_download(
    request: Request, session: SessionDep, user: UserDep, pool_id: PoolId, figure: str, fmt: str
) -> Response:
    if figure not in POOL_FIGURES or fmt not in ("csv", "xlsx"):
        raise NotFound("Der er ingen sådan figur at hente")
    pools.get_pool(session, pool_id)
    return POOL_FIGURES[figure](session, pool_id).download(OutputFormat(fmt))
