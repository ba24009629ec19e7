"""One party set of an intervention as a sub-resource (organisations, people, reach, in-kind): read it, or
replace it whole in one transaction, audited as a change of the intervention (as its budget lines are)."""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from app.models.party import InKindSet, InKindTotal, OrganisationLinkSet, PersonSet, ReachSet
from app.services.intervention_changes import begin_change, finish_change
from app.services.intervention_public import load_intervention
from app.services.parties import check_parties, parties_of, set_parties
from app.services.reference import CodeChecker

_SETS = {"organisations": OrganisationLinkSet, "people": PersonSet, "reach": ReachSet, "in_kind": InKindSet}


def _answer(field: str, items: list) -> Any:
    if field == "in_kind":
        total = InKindTotal(hours=sum(k.hours or 0 for k in items), staff=sum(k.staff or 0 for k in items))
        return InKindSet(items=items, total=total)
    return _SETS[field](items=items)


def list_party_set(session: Session, intervention_id: int, field: str) -> Any:
    load_intervention(session, intervention_id)
    return _answer(field, parties_of(session, [intervention_id])[intervention_id][field])


def replace_party_set(session: Session, intervention_id: int, field: str, items: Sequence[Any]) -> Any:
    row, before = begin_change(session, intervention_id)
    checker = CodeChecker(session)
    check_parties(checker, {field: items}, ["body"])
    # The checks name the set after the prefix; the body is the set itself.
    for err in checker.errors:
        del err["loc"][1]
    checker.raise_if_any()
    set_parties(session, intervention_id, {field: list(items)})
    after = finish_change(session, row, f"{field}.replace", before)
    return _answer(field, getattr(after, field))
