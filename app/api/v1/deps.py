"""What routes depend on: the caller, from `Authorization: Bearer <api token>`, and the workspace
it acts in, from `X-Runpad-Workspace: <slug>` (the caller's personal workspace without it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.v1.errors import ApiError
from app.models import ApiToken, User
from app.services import access, tokens

bearer = HTTPBearer(auto_error=False, description="an API token from POST /api/v1/auth/token")
CHALLENGE = {"WWW-Authenticate": "Bearer"}


@dataclass
class Caller:
    user: User
    token: ApiToken


def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    if credentials is None:
        raise ApiError(401, "send an API token as 'Authorization: Bearer <token>'", headers=CHALLENGE)
    found = tokens.authenticate(credentials.credentials)
    if found is None:
        raise ApiError(401, "the API token is not valid (unknown or revoked)", headers=CHALLENGE)
    return Caller(*found)


def current_user(who: Annotated[Caller, Depends(caller)]) -> User:
    return who.user


def current_access(
    who: Annotated[Caller, Depends(caller)],
    x_runpad_workspace: Annotated[
        str | None, Header(description="the slug of the workspace to act in; your personal one without it")
    ] = None,
) -> access.Access:
    """Resolved once per request; a workspace the caller is not a member of answers 404."""
    return access.resolve(access.actor_of(who.user), x_runpad_workspace)


CurrentCaller = Annotated[Caller, Depends(caller)]
CurrentUser = Annotated[User, Depends(current_user)]
CurrentAccess = Annotated[access.Access, Depends(current_access)]
