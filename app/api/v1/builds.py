"""Dependency builds: status and log. A build is shared by every version with the same dependency
set, so a workspace may read it when one of its script versions or runs uses that set."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from app.api.v1.deps import CurrentAccess
from app.api.v1.errors import documented
from app.api.v1.runs import LOG_RESPONSES, log_response
from app.api.v1.schemas import BuildOut, LogLineOut
from app.services import logs
from app.views import listings

router = APIRouter(prefix="/builds", tags=["builds"])


@router.get("/{build_id}", response_model=BuildOut, responses=documented(401, 404, 422))
def get_build(build_id: uuid.UUID, access: CurrentAccess) -> BuildOut:
    return BuildOut.of(listings.build_for(access, build_id))


@router.get(
    "/{build_id}/logs",
    response_model=list[LogLineOut],
    responses={
        **LOG_RESPONSES,
        200: {
            "description": "the lines as JSON; as text/plain with format=text or `Accept: text/plain`",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
    },
)
def build_log(
    build_id: uuid.UUID,
    access: CurrentAccess,
    fmt: Annotated[Literal["json", "text"] | None, Query(alias="format")] = None,
    accept: Annotated[str, Header(include_in_schema=False)] = "",
) -> Response:
    listings.build_for(access, build_id)
    return log_response(logs.read("build", build_id), f"build-{build_id}.log", fmt, accept)
