"""Users, workspaces and members (contract §6). Managing users is for installation admins; members
are managed by a workspace's admins."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from app.api.v1.deps import CurrentCaller
from app.api.v1.errors import documented
from app.api.v1.schemas import (
    Me,
    MemberOut,
    MemberPut,
    QuotasOut,
    QuotasPut,
    UserChange,
    UserCreate,
    UserOut,
    WorkspaceCreate,
    WorkspaceOut,
)
from app.services import access, quotas, users, workspaces

router = APIRouter(tags=["teams"])


def _workspaces(actor: access.Actor) -> list[WorkspaceOut]:
    return [
        WorkspaceOut(slug=w.slug, name=w.name, role=w.role.value, personal=w.personal) for w in workspaces.mine(actor)
    ]


@router.get("/me", response_model=Me, responses=documented(401))
def me(who: CurrentCaller) -> Me:
    """Who the token is for, and the workspaces they are a member of with their role."""
    actor = access.actor_of(who.user)
    return Me(id=who.user.id, email=who.user.email, is_admin=who.user.is_admin, workspaces=_workspaces(actor))


@router.post("/users", status_code=201, response_model=UserOut, responses=documented(401, 403, 409, 422))
async def create_user(body: UserCreate, who: CurrentCaller) -> UserOut:
    """Creates a user with a personal workspace (installation admins). Without a password the answer
    holds `invite_url`: one use, valid 7 days, where the invitee sets a password."""
    actor = access.actor_of(who.user)
    users.require_admin(actor)
    if body.password is not None:
        user = await run_in_threadpool(users.create, body.email, body.password, body.is_admin, actor)
        return UserOut.of(user)
    user, token = await run_in_threadpool(users.invite, body.email, body.is_admin, actor)
    return UserOut.of(user, users.invite_url(token))


@router.get("/users", response_model=list[UserOut], responses=documented(401, 403))
def list_users(who: CurrentCaller) -> list[UserOut]:
    return [UserOut.of(user) for user in users.list_all(access.actor_of(who.user))]


@router.patch("/users/{user_id}", response_model=UserOut, responses=documented(401, 403, 404, 422))
def change_user(user_id: uuid.UUID, body: UserChange, who: CurrentCaller) -> UserOut:
    """Disables or enables a user (a disabled user's sessions and tokens stop at once), or makes or
    unmakes an installation admin."""
    return UserOut.of(users.change(access.actor_of(who.user), user_id, body.disabled, body.is_admin))


@router.post("/workspaces", status_code=201, response_model=WorkspaceOut, responses=documented(401, 409, 422))
def create_workspace(body: WorkspaceCreate, who: CurrentCaller) -> WorkspaceOut:
    """A new workspace; you are its admin. Act in it with `X-Runpad-Workspace: <slug>`."""
    made = workspaces.create(access.actor_of(who.user), body.slug, body.name)
    return WorkspaceOut(slug=made.slug, name=made.name, role=made.role.value, personal=made.personal)


@router.get("/workspaces", response_model=list[WorkspaceOut], responses=documented(401))
def list_workspaces(who: CurrentCaller) -> list[WorkspaceOut]:
    """Yours, with your role in each: the personal one first."""
    return _workspaces(access.actor_of(who.user))


@router.get("/workspaces/{slug}/members", response_model=list[MemberOut], responses=documented(401, 404, 422))
def list_members(slug: str, who: CurrentCaller) -> list[MemberOut]:
    where = access.resolve(access.actor_of(who.user), slug)
    return [MemberOut(user_id=m.user_id, email=m.email, role=m.role.value) for m in workspaces.members(where)]


@router.put("/workspaces/{slug}/members/{user_id}", response_model=MemberOut, responses=documented(401, 403, 404, 422))
def put_member(slug: str, user_id: uuid.UUID, body: MemberPut, who: CurrentCaller) -> MemberOut:
    """Adds a user to the workspace with a role, or changes their role (the workspace's admins)."""
    where = access.resolve(access.actor_of(who.user), slug)
    member = workspaces.set_member(where, user_id, body.role)
    return MemberOut(user_id=member.user_id, email=member.email, role=member.role.value)


@router.delete("/workspaces/{slug}/members/{user_id}", status_code=204, responses=documented(401, 403, 404, 422))
def delete_member(slug: str, user_id: uuid.UUID, who: CurrentCaller) -> Response:
    """Removes a member (the workspace's admins; anyone may remove themself). A workspace keeps an admin."""
    workspaces.remove_member(access.resolve(access.actor_of(who.user), slug), user_id)
    return Response(status_code=204)


def _quotas(where: access.Access) -> QuotasOut:
    used = quotas.usage(where)
    return QuotasOut(
        **vars(used.quotas),
        own=used.own,
        active_runs=used.active_runs,
        waiting_runs=used.waiting_runs,
        scripts=used.scripts,
    )


@router.get("/workspaces/{slug}/quotas", response_model=QuotasOut, responses=documented(401, 404, 422))
def get_quotas(slug: str, who: CurrentCaller) -> QuotasOut:
    """The workspace's quotas and what it uses of them (any member)."""
    return _quotas(access.resolve(access.actor_of(who.user), slug))


@router.put("/workspaces/{slug}/quotas", response_model=QuotasOut, responses=documented(401, 403, 404, 422))
def put_quotas(slug: str, body: QuotasPut, who: CurrentCaller) -> QuotasOut:
    """Sets the workspace's own quotas (installation admins; a workspace's admins cannot raise theirs)."""
    changed = quotas.change(access.actor_of(who.user), slug, body.model_dump(exclude_unset=True))
    return _quotas(access.system(changed.id))  # the admin need not be a member
