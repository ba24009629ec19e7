"""Liveness and database check."""

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from app.deps import SessionDep
from app.errors import problem_responses

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", summary="200 when the service and its database work", responses=problem_responses(503))
def get_health(session: SessionDep) -> Health:
    session.exec(text("SELECT 1"))
    return Health(status="ok", database=session.get_bind().dialect.name)
