"""Annotated dependency aliases shared by the routers."""

from typing import Annotated

from fastapi import Depends, Path
from sqlmodel import Session

from app.db import get_session

SessionDep = Annotated[Session, Depends(get_session)]
InterventionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The intervention's id")]
