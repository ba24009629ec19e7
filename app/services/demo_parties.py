"""Demo data of the parties (app/demo/parties.json): the organisations, people, reach and in-kind staff time
that the source documents name (app/demo/NOTES.md cites the lines). Loaded through the services the API uses,
after the interventions; safe to run twice (an organisation that exists is left alone, and an intervention
that has any parties already is left alone)."""

import json
from importlib import resources

from sqlmodel import Session, select

from app.models.intervention import Intervention, InterventionUpdate
from app.models.organisation import Organisation, OrganisationCreate
from app.services.interventions import get_intervention, update_intervention
from app.services.organisations import create_organisation
from app.services.parties import PARTY_FIELDS

DEMO_FILE = "parties.json"


def load_demo_parties(session: Session) -> dict[str, int]:
    data = json.loads(resources.files("app.demo").joinpath(DEMO_FILE).read_text(encoding="utf-8"))
    counts = {"organisations": 0, "interventions": 0}
    for entry in data["organisations"]:
        if session.exec(select(Organisation.id).where(Organisation.name == entry["name"])).first() is None:
            create_organisation(session, OrganisationCreate(**entry))
            counts["organisations"] += 1
    for external_id, parties in data["interventions"].items():
        found = session.exec(select(Intervention.id).where(Intervention.external_id == external_id)).first()
        if found is None:
            continue
        current = get_intervention(session, found)
        session.rollback()  # the read's transaction: the update opens its own write
        if any(getattr(current, field) for field in PARTY_FIELDS):
            continue
        update_intervention(session, found, InterventionUpdate(**parties))
        counts["interventions"] += 1
    return counts
