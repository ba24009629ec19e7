"""API tokens (admin only): create, list, revoke."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from app.deps import OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role, TokenCreate, TokenCreated, TokenList, TokenPublic
from app.services import auth

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/tokens",
    tags=["access"],
    dependencies=[Depends(authorize(Role.admin))],
    responses=problem_responses(400, 401, 403),
)
TokenId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", summary="List API tokens (never the tokens themselves)", responses=problem_responses(401, 403))
def list_tokens(session: SessionDep) -> TokenList:
    auth.require(Role.admin)
    return auth.list_tokens(session)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API token; the answer shows it once",
    responses=problem_responses(401, 403, 409, 422),
)
def create_token(session: SessionDep, body: TokenCreate) -> TokenCreated:
    return auth.create_token(session, body)


@router.delete(
    "/{token_id}",
    summary="Revoke an API token (it stays listed, with revoked_at)",
    description="The last active admin token cannot be revoked (409): create another admin token first.",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def revoke_token(session: SessionDep, token_id: TokenId) -> TokenPublic:
    return auth.revoke_token(session, token_id=token_id)
