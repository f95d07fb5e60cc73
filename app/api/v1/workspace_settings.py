"""A workspace's settings over REST (contract §4 "Failures reach someone"): its error handler."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.v1.deps import CurrentAccess
from app.api.v1.errors import documented
from app.api.v1.schemas import Strict
from app.models import Script
from app.services import error_handler

router = APIRouter(prefix="/settings", tags=["settings"])


class ErrorHandlerPut(Strict):
    script_id: uuid.UUID | None = Field(description="a script of the workspace, or null for none")


class ErrorHandlerOut(BaseModel):
    script_id: uuid.UUID | None
    script_name: str | None


def _out(script: Script | None) -> ErrorHandlerOut:
    return ErrorHandlerOut(script_id=script.id if script else None, script_name=script.name if script else None)


@router.get("/error-handler", response_model=ErrorHandlerOut, responses=documented(401, 404, 422))
def get_error_handler(access: CurrentAccess) -> ErrorHandlerOut:
    """The script the workspace runs when another of its runs fails or a trigger cannot start one."""
    return _out(error_handler.current(access))


@router.put("/error-handler", response_model=ErrorHandlerOut, responses=documented(401, 403, 404, 422))
def put_error_handler(body: ErrorHandlerPut, access: CurrentAccess) -> ErrorHandlerOut:
    """Names the workspace's error handler, or none with `null` (the workspace's admins). It runs
    with `event.trigger = "error"` and `body = {script_id, script_name, run_id, status, error,
    trigger, at}`; its own failures do not call it again."""
    return _out(error_handler.choose(access, body.script_id))
