"""Liveness, database and schema check."""

from fastapi import APIRouter
from pydantic import BaseModel

from app.deps import SessionDep
from app.errors import problem_responses
from app.services import health

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get(
    "/health",
    summary="200 when the service and its database work and the schema is at the migration head",
    description=(
        "503 (problem+json) when the database cannot be reached (`/problems/database-unavailable`) or its schema "
        "is not at the migration head this version expects (`/problems/schema-not-current`, with "
        "`expected_revision` and `database_revision`), e.g. an empty database that was never migrated."
    ),
    responses=problem_responses(503),
)
def get_health(session: SessionDep) -> Health:
    health.check_schema(session)
    return Health(status="ok", database=session.get_bind().dialect.name)
