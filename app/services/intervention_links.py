"""The link tables of an intervention (areas, themes, indicators), with the rank of each code among the
intervention's codes and how many it has: the rollups split money by them. Written here only: set_links for one
intervention, link_rows for the import's multi-row INSERTs."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from app.models.intervention import InterventionArea, InterventionIndicator, InterventionTheme

# (link table, its code column, the field of InterventionCreate / ImportRecord that holds the codes)
LINK_TABLES = (
    (InterventionArea, "area_slug", "areas"),
    (InterventionTheme, "theme_code", "themes"),
    (InterventionIndicator, "indicator_number", "indicators"),
)


def link_rows(intervention_id: int, column: str, codes: Iterable[Any]) -> list[dict[str, Any]]:
    """The rows of one link table for one intervention: the codes in code order (theme code, indicator number,
    area slug), each with its 0-based rank and the number of siblings."""
    ordered = sorted(codes)
    return [
        {"intervention_id": intervention_id, column: code, "rank": rank, "siblings": len(ordered)}
        for rank, code in enumerate(ordered)
    ]


def set_links(session: Session, intervention_id: int, areas=None, themes=None, indicators=None) -> None:
    """Replace the given link sets (None leaves a set alone), with the ranks the rollups split money by."""
    for (model, column, _field), codes in zip(LINK_TABLES, (areas, themes, indicators), strict=True):
        if codes is None:
            continue
        session.execute(delete(model).where(col(model.intervention_id) == intervention_id))
        session.add_all(model(**row) for row in link_rows(intervention_id, column, codes))
