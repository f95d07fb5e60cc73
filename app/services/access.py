"""Who may do what, decided here and nowhere else.

An edge (a REST route, a page's event handler, the CLI) turns its caller into an Actor and resolves
the workspace it acts in once, with `resolve`; every service that reads or changes workspace data
takes the resulting Access as a required argument and asks it:
- `access.see(workspace_id)` for an object it loaded: one outside the caller's workspace raises
  NotFound, the very error a missing object raises, so ids of other workspaces reveal nothing;
- `access.require(role)` before a change: a member whose role is too low gets Forbidden.
Internal callers (scheduler, worker, hooks) act as `system(workspace_id)`, never as "anyone".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.core import errors
from app.core.db import session
from app.models import Membership, Role, User, Workspace

RANK = {Role.operator: 1, Role.developer: 2, Role.admin: 3}
WHAT_ROLES_DO = {
    Role.operator: "read scripts, runs and logs and start runs",
    Role.developer: "write scripts, try code out and set secrets",
    Role.admin: "manage members and the workspace's settings",
}


class NotMember(errors.NotFound):
    """No such workspace for this caller (it may exist: the caller is not a member)."""


class RoleTooLow(errors.Forbidden):
    code = "forbidden"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (with whether they are an installation admin), or Runpad itself."""

    user_id: uuid.UUID | None
    is_admin: bool = False

    @property
    def system(self) -> bool:
        return self.user_id is None


SYSTEM = Actor(None, is_admin=True)


def actor_of(user: User) -> Actor:
    if user.disabled_at is not None:  # the edges refuse disabled users first; this is the backstop
        raise errors.Unauthorized("this account is disabled")
    return Actor(user.id, user.is_admin)


@dataclass(frozen=True)
class Access:
    """An actor acting in one workspace with a role there."""

    actor: Actor
    workspace_id: uuid.UUID
    slug: str
    role: Role

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.actor.user_id

    def can(self, role: Role) -> bool:
        return RANK[self.role] >= RANK[role]

    def require(self, role: Role) -> Access:
        if not self.can(role):
            raise RoleTooLow(
                f"your role in workspace {self.slug!r} is {self.role.value}; to {WHAT_ROLES_DO[role]} "
                f"you need {role.value} (ask one of its admins)"
            )
        return self

    def see(self, workspace_id: uuid.UUID | None, what: str = "object") -> None:
        """Raises NotFound unless the object is of this workspace."""
        if workspace_id != self.workspace_id:
            raise errors.NotFound(f"no such {what}")


def system(workspace_id: uuid.UUID) -> Access:
    """Runpad acting in a workspace for itself (scheduler, worker, hooks, error handler)."""
    return Access(SYSTEM, workspace_id, "", Role.admin)


def resolve(actor: Actor, slug: str | None = None) -> Access:
    """The caller's access to the workspace `slug`, or to their personal workspace without one.
    NotMember when they are not a member (whether or not it exists)."""
    query = _memberships(actor)
    query = query.where(Workspace.slug == slug) if slug else query.where(Workspace.personal_of == actor.user_id)
    return _one(actor, query, f"no workspace {slug!r} of yours" if slug else "you have no personal workspace")


def of_workspace(actor: Actor, workspace_id: uuid.UUID) -> Access:
    """The caller's access to the workspace an object is of, for a link that names only the object
    (a log download); NotMember, a NotFound, when they are not a member."""
    return _one(actor, _memberships(actor).where(Workspace.id == workspace_id), "no such workspace of yours")


def _memberships(actor: Actor):
    if actor.system:
        raise ValueError("the system actor acts through access.system(workspace_id)")
    return (
        select(Workspace.id, Workspace.slug, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == actor.user_id)
    )


def _one(actor: Actor, query, missing: str) -> Access:
    with session() as s:
        row = s.execute(query).one_or_none()
    if row is None:
        raise NotMember(missing)
    return Access(actor, row.id, row.slug, Role(row.role))
