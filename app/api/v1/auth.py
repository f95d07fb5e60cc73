"""API tokens: log in with email and password for a token; list and revoke your tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.v1.deps import CurrentCaller, CurrentUser
from app.api.v1.errors import ApiError, documented
from app.api.v1.schemas import TokenCreated, TokenOut, TokenRequest
from app.core import errors
from app.services import login_guard, tokens

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", status_code=201, response_model=TokenCreated, responses=documented(401, 422, 429, 503))
async def create_token(body: TokenRequest, request: Request) -> TokenCreated:
    """Exchanges an email and password for an API token (shown once), valid for `expires_in_days` or
    without end. No token needed for this call. After 10 failed logins for one account within 15
    minutes, its logins answer 429 (with Retry-After) until the window passes."""
    client_ip = request.client.host if request.client else ""
    user = await run_in_threadpool(login_guard.authenticate, body.email, body.password, client_ip)  # or 429/503
    if user is None:
        raise ApiError(401, "wrong email or password", code="invalid_credentials")
    row, token = await run_in_threadpool(tokens.issue, user.id, body.name, body.expires_in_days)
    return TokenCreated(token=token, id=row.id, name=row.name, expires_at=row.expires_at)


@router.delete("/token", status_code=204, responses=documented(401))
def revoke_this_token(who: CurrentCaller) -> Response:
    """Revokes the token this request was made with (log out)."""
    tokens.revoke(who.token.id, who.user.id)
    return Response(status_code=204)


@router.get("/tokens", response_model=list[TokenOut], responses=documented(401))
def list_tokens(user: CurrentUser) -> list[TokenOut]:
    """Your tokens, newest first, revoked ones included; a token itself is never shown again."""
    return [TokenOut.model_validate(t, from_attributes=True) for t in tokens.list_for(user.id)]


@router.delete("/tokens/{token_id}", status_code=204, responses=documented(401, 404, 422))
def revoke_token(token_id: uuid.UUID, user: CurrentUser) -> Response:
    if not tokens.revoke(token_id, user.id):
        raise errors.NotFound(f"you have no live token {token_id}")
    return Response(status_code=204)
