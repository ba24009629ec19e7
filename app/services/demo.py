"""Demo data: the Mørkhøj programme (the budget of its programme document, parts 1 and 2 on the programme and
part 3's money on part 3), the interventions the source documents describe, and a trial-action pool with an
application in each state (a constructed example, marked so in its name and notes). app/demo/NOTES.md names the
source of every record.

Loaded through the same service functions the API uses, so the demo obeys every rule; safe to run twice
(an intervention whose external_id exists already, or a pool of the same name, is left alone)."""

import json
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from app.models.evaluation import EvaluationCreate
from app.models.intervention import Intervention, InterventionCreate
from app.models.material import MaterialCreate
from app.models.pool import AllocationCreate, AllocationUpdate, Pool, PoolCreate
from app.services.allocations import create_allocation, update_allocation
from app.services.demo_parties import load_demo_parties
from app.services.demo_report import load_demo_observations
from app.services.evaluations import create_evaluation
from app.services.interventions import create_intervention
from app.services.material import add_material
from app.services.pools import create_pool

DEMO_FILES = ("morkhoj_programme.json", "example_interventions.json")
POOL_FILE = "trial_action_pool.json"


def _load(session: Session, item: dict[str, Any], parent_id: int | None, counts: dict[str, int]) -> None:
    children = item.pop("children", [])
    material = item.pop("material", [])
    evaluations = item.pop("evaluations", [])
    existing = session.exec(select(Intervention.id).where(Intervention.external_id == item.get("external_id"))).first()
    if existing is not None:
        counts["skipped"] += 1
        own_id = existing
    else:
        created = create_intervention(session, InterventionCreate(**item, parent_id=parent_id))
        counts["created"] += 1
        own_id = created.id
        # Material first: an evaluation names the material it rests on by the material's "key" in the file.
        ids = {}
        for entry in material:
            key = entry.pop("key", None)
            ids[key] = add_material(session, own_id, MaterialCreate(**entry)).id
        for entry in evaluations:
            keys = entry.pop("material", [])
            create_evaluation(session, own_id, EvaluationCreate(**entry, material_ids=[ids[k] for k in keys]))
    for child in children:
        _load(session, child, own_id, counts)


def _read(name: str) -> list[dict[str, Any]]:
    return json.loads(resources.files("app.demo").joinpath(name).read_text(encoding="utf-8"))


def _load_pool(session: Session, item: dict[str, Any]) -> None:
    """A pool and its applications; each names its intervention by external_id, and an application with a
    `decision` is decided (rejected, released) after it is made."""
    allocations = item.pop("allocations", [])
    if session.exec(select(Pool.id).where(Pool.name == item["name"])).first() is not None:
        return
    pool = create_pool(session, PoolCreate(**item))
    for entry in allocations:
        decision = entry.pop("decision", None)
        intervention_id = session.exec(
            select(Intervention.id).where(Intervention.external_id == entry.pop("intervention"))
        ).one()
        made = create_allocation(
            session, pool.id, AllocationCreate(**_with_reason(entry), intervention_id=intervention_id)
        )
        if decision is not None:
            update_allocation(session, pool.id, made.id, AllocationUpdate(**_with_reason(decision)))


def _with_reason(entry: dict[str, Any]) -> dict[str, Any]:
    """A decision needs a reason: the demo's decisions give theirs as the decision note."""
    if entry.get("status") in ("granted", "rejected", "changes_requested") and "reason" not in entry:
        return {**entry, "reason": entry.get("decision_note")}
    return entry


def load_demo_data(session: Session) -> dict[str, int]:
    counts = {"created": 0, "skipped": 0}
    for name in DEMO_FILES:
        for item in _read(name):
            _load(session, item, None, counts)
    for item in _read(POOL_FILE):
        _load_pool(session, item)
    counts["observations"] = sum(load_demo_observations(session).values())  # the report's figures
    load_demo_parties(session)  # the parties the sources name (a file of its own, app/demo/parties.json)
    return counts
