"""The audit log (contract §6): who did what and when, newest first. A workspace's admins read its
events (script, secret and member changes); installation admins read the installation's with
`scope=installation` (users, tokens, settings, failed logins)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.api.v1.deps import CurrentAccess
from app.api.v1.errors import documented
from app.api.v1.schemas import AuditEventOut
from app.services import audit

router = APIRouter(tags=["audit"])
BIGINT = 2**63 - 1


@router.get("/audit", response_model=list[AuditEventOut], responses=documented(401, 403, 404, 422))
def list_audit(
    request: Request,
    response: Response,
    access: CurrentAccess,
    scope: Annotated[
        Literal["workspace", "installation"],
        Query(
            description="workspace: the X-Runpad-Workspace workspace's (its admins); installation: "
            "users, tokens, settings and failed logins (installation admins)"
        ),
    ] = "workspace",
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=BIGINT, description="the id of the last event of the previous page")
    ] = None,
) -> list[AuditEventOut]:
    """Events newest first. To page, pass the last event's id as `before`; while there may be more,
    the answer has a `Link: <...>; rel="next"` header."""
    if scope == "installation":
        page = audit.for_installation(access.actor, limit, before)
        slug = None
    else:
        page = audit.for_workspace(access, limit, before)
        slug = access.slug
    if len(page) == limit:
        response.headers["Link"] = f'<{request.url.include_query_params(before=str(page[-1].id))}>; rel="next"'
    return [
        AuditEventOut(
            id=e.id,
            at=e.at,
            workspace=slug,
            actor_id=e.actor_id,
            actor_email=e.actor_email,
            action=e.action,
            target=e.target,
            details=e.details,
        )
        for e in page
    ]
