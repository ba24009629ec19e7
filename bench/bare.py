"""The same-database ceilings of the cold paths: what W1 and W2 cost with the service's work and nothing else.

- `bare_page(conn, limit)`: the first page of GET /api/v1/interventions (sort by id, no filter) as JSON bytes,
  from the same SQL the service runs (the page; its links and children in one UNION ALL; its own sums per
  year; those two each read as one JSON row built by the database, as the service reads them; the data of
  bench/rollups.py has no programmes, so no subtree query), read with SQLAlchemy Core on one
  connection, built as plain dicts and written with one json.dumps. Its parsed items equal the service's
  (bench/cpu.py checks that).
- `bare_create(conn, body)`: the rows a create of W2 writes (the intervention, its link rows with ranks, its
  budget lines with their plan flags, its success criteria, one audit record, the new data version), inserted
  with Core in one transaction, answering the new id. No check, no read-back, no model.

Used in-process by bench/cpu.py and over HTTP by bench/ceiling_app.py (GET/POST /bare/interventions).
"""

import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text

# The service's SQL for a page of 50 (app/services/intervention_public.py), written out.
_PAGE = text(
    "SELECT id, external_id, name, description, purpose, kind, status, track, department_code, parent_id, "
    "target_group, start_date, end_date, contact_name, contact_email, created_at, updated_at, archived_at "
    "FROM intervention WHERE archived_at IS NULL ORDER BY id LIMIT :n"
)
# Links and children in one statement, as the service reads them.
_RELATED = (
    "SELECT 'a' AS k, ia.intervention_id AS i, ia.area_slug AS c, area.position AS n, 0 AS l FROM intervention_area ia "
    "JOIN area ON area.slug = ia.area_slug WHERE ia.intervention_id IN ({ids}) "
    "UNION ALL SELECT 't', intervention_id, theme_code, 0, 0 FROM intervention_theme WHERE intervention_id IN ({ids}) "
    "UNION ALL SELECT 'i', intervention_id, NULL, indicator_number, 0 FROM intervention_indicator "
    "WHERE intervention_id IN ({ids}) "
    "UNION ALL SELECT 'c', parent_id, NULL, id, CASE WHEN archived_at IS NULL THEN 1 ELSE 0 END FROM intervention "
    "WHERE parent_id IN ({ids})"
)
_SUMS = (
    "SELECT intervention_id AS i, year AS y, CAST(SUM(CASE WHEN in_plan THEN amount_ore END) AS BIGINT) AS p, "
    "CAST(SUM(CASE WHEN type = 'budget' THEN amount_ore END) AS BIGINT) AS o, "
    "CAST(SUM(CASE WHEN type = 'actual' THEN amount_ore END) AS BIGINT) AS a "
    "FROM budget_line WHERE intervention_id IN ({ids}) GROUP BY intervention_id, year"
)


def _one_row(conn, sql: str, columns: str) -> list:
    """The rows of `sql` as the service reads them: one JSON array of arrays, built by the database."""
    if conn.dialect.name == "postgresql":
        return conn.execute(text(f"SELECT json_agg(json_build_array({columns})) FROM ({sql}) s")).scalar() or []
    return json.loads(conn.execute(text(f"SELECT json_group_array(json_array({columns})) FROM ({sql}) s")).scalar())


def _money(ore: int | None) -> str:
    return f"{Decimal(ore or 0) / 100:.2f}"


def _stamp(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite without the service's column type
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


def _day(value: Any) -> str | None:
    return None if value is None else str(value)


def bare_page(conn, limit: int = 50) -> bytes:
    rows = conn.execute(_PAGE, {"n": limit + 1}).all()
    more = len(rows) > limit
    rows = rows[:limit]
    ids = ",".join(str(r[0]) for r in rows) or "NULL"
    areas: dict[int, list] = {r[0]: [] for r in rows}
    themes: dict[int, list] = {r[0]: [] for r in rows}
    indicators: dict[int, list] = {r[0]: [] for r in rows}
    children: dict[int, list] = {r[0]: [] for r in rows}
    related = _one_row(conn, _RELATED.format(ids=ids), "k, i, c, n, l")
    related.sort(key=lambda r: (r[3], r[2] or ""))
    targets = {"a": areas, "t": themes}
    for kind, iid, code, number, live in related:
        if kind in targets:
            targets[kind][iid].append(code)
        elif kind == "i":
            indicators[iid].append(number)
        elif live:
            children[iid].append(number)
    if any(children.values()):
        raise NotImplementedError("the bare page covers pages without programmes (bench/rollups.py data)")
    plan: dict[int, dict] = {r[0]: {} for r in rows}
    actual: dict[int, dict] = {r[0]: {} for r in rows}
    original: dict[int, int] = {}
    sums = _one_row(conn, _SUMS.format(ids=ids), "i, y, p, o, a")
    sums.sort(key=lambda r: r[1])  # by year
    for iid, year, p, o, a in sums:
        if p is not None:
            plan[iid][year] = p
        if o is not None:
            original[iid] = original.get(iid, 0) + o
        if a is not None:
            actual[iid][year] = a
    items = []
    for r in rows:
        iid = r[0]
        p, a = plan[iid], actual[iid]
        items.append(
            {
                "id": iid,
                "external_id": r[1],
                "name": r[2],
                "description": r[3],
                "purpose": r[4],
                "kind": r[5],
                "status": r[6],
                "track": r[7],
                "department": r[8],
                "parent_id": r[9],
                "areas": areas[iid],
                "themes": themes[iid],
                "indicators": indicators[iid],
                "target_group": r[10],
                "start_date": _day(r[11]),
                "end_date": _day(r[12]),
                "contact_name": r[13],
                "contact_email": r[14],
                "budget_total": _money(sum(p.values())),
                "budget_total_with_descendants": _money(sum(p.values())),
                "budget_by_year": [{"year": y, "amount": _money(v)} for y, v in p.items()],
                "original_budget_total": _money(original.get(iid)),
                "actual_total": _money(sum(a.values())),
                "actual_total_with_descendants": _money(sum(a.values())),
                "actual_by_year": [{"year": y, "amount": _money(v)} for y, v in a.items()],
                "children": children[iid],
                "created_at": _stamp(r[15]),
                "updated_at": _stamp(r[16]),
                "archived_at": _stamp(r[17]),
            }
        )
    # The bare page names no cursor format of its own: a next page exists or not.
    page = {"items": items, "next_cursor": "more" if more else None}
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()


# --- W2 ------------------------------------------------------------------------------------------------------

_INSERT_INTERVENTION = (
    "INSERT INTO intervention (name, kind, status, department_code, search_text, created_at, updated_at) "
    "VALUES (:name, :kind, :status, :department_code, :search_text, :now, :now) RETURNING id"
)
_INSERT_THEME = text(
    "INSERT INTO intervention_theme (intervention_id, theme_code, rank, siblings) VALUES (:i, :code, :rank, :n)"
)
_INSERT_LINE = text(
    "INSERT INTO budget_line (intervention_id, year, category, funding_source_code, type, in_plan, first_in_year, "
    "first_in_plan, amount_ore, note) VALUES (:i, :year, :category, :source, 'budget', :in_plan, :first_year, "
    ":first_plan, :ore, NULL)"
)
_INSERT_AUDIT = text(
    "INSERT INTO audit_record (occurred_at, actor, action, resource, resource_id, changes, request_id) "
    "VALUES (:now, 'bench', 'create', 'intervention', :rid, :changes, NULL)"
)
_NEW_VERSION = text("UPDATE data_version SET version = :v WHERE id = :slot")  # one slot, as app/db.py


def bare_create(conn, body: dict) -> int:
    """Insert what a create of `body` (bench/run.py write_body: themes and original budget lines) writes, in the
    connection's transaction (the caller commits). Multi-row INSERTs, one per table."""
    now = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    iid = conn.execute(
        text(_INSERT_INTERVENTION),
        {
            "name": body["name"],
            "kind": body["kind"],
            "status": body["status"],
            "department_code": body["department"],
            "search_text": body["name"].casefold(),
            "now": now,
        },
    ).scalar_one()
    themes = sorted(body.get("themes", []))
    if themes:
        conn.execute(_INSERT_THEME, [{"i": iid, "code": c, "rank": k, "n": len(themes)} for k, c in enumerate(themes)])
    lines, years = [], set()
    for k, line in enumerate(body.get("budget_lines", [])):
        lines.append(
            {
                "i": iid,
                "year": line["year"],
                "category": line["category"],
                "source": line["funding_source"],
                "in_plan": True,
                "first_year": line["year"] not in years,
                "first_plan": k == 0,
                "ore": int(Decimal(line["amount"]) * 100),
            }
        )
        years.add(line["year"])
    if lines:
        conn.execute(_INSERT_LINE, lines)
    conn.execute(
        _INSERT_AUDIT, {"now": now, "rid": str(iid), "changes": json.dumps(body, ensure_ascii=False, sort_keys=True)}
    )
    conn.execute(_NEW_VERSION, {"v": secrets.randbits(56), "slot": 1 + secrets.randbelow(64)})
    return iid
