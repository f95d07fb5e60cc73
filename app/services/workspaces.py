"""Workspaces and their members. Any user may create a workspace (and is its admin); a workspace's
admins add members with a role, change roles and remove members. A workspace always keeps an admin."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import errors
from app.core.db import session
from app.models import Membership, Role, User, Workspace
from app.services import audit
from app.services.access import Access, Actor

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")


class WorkspaceError(errors.InvalidInput):
    """A workspace or membership change that cannot be made as asked; nothing was written."""


@dataclass(frozen=True)
class Mine:
    slug: str
    name: str
    role: Role
    personal: bool


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    email: str
    role: Role


def create(actor: Actor, slug: str, name: str) -> Mine:
    if actor.user_id is None:
        raise ValueError("a workspace is created by a user")
    slug, name = (slug or "").strip().lower(), (name or "").strip()
    if not SLUG.match(slug):
        raise WorkspaceError("a slug is 3 to 40 lowercase letters, digits and -, not starting or ending with -")
    if not name or len(name) > 100:
        raise WorkspaceError("a name is 1 to 100 characters")
    with session() as s:
        workspace = Workspace(slug=slug, name=name)
        s.add(workspace)
        try:
            s.flush()
        except IntegrityError:
            raise errors.Conflict(f"the slug {slug!r} is taken: choose another") from None
        s.add(Membership(workspace_id=workspace.id, user_id=actor.user_id, role=Role.admin))
        audit.record(s, actor, "workspace.create", slug, workspace.id, {"name": name})
        s.commit()
    return Mine(slug, name, Role.admin, False)


def mine(actor: Actor) -> list[Mine]:
    """The workspaces the user is a member of: the personal one first, then by name."""
    with session() as s:
        rows = s.execute(
            select(Workspace, Membership.role)
            .join(Membership, Membership.workspace_id == Workspace.id)
            .where(Membership.user_id == actor.user_id)
            .order_by(Workspace.personal_of.is_(None), Workspace.name, Workspace.slug)
        ).all()
    return [Mine(w.slug, w.name, Role(role), w.personal_of is not None) for w, role in rows]


def members(access: Access) -> list[Member]:
    """Any member may see who else is in the workspace."""
    with session() as s:
        rows = s.execute(
            select(User.id, User.email, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == access.workspace_id)
            .order_by(User.email)
        ).all()
    return [Member(uid, email, Role(role)) for uid, email, role in rows]


def set_member(access: Access, user_id: uuid.UUID, role: str) -> Member:
    """Adds a user with a role, or changes a member's role (workspace admins only)."""
    access.require(Role.admin)
    try:
        wanted = Role(role)
    except ValueError:
        raise WorkspaceError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    with session() as s:
        user = s.get(User, user_id)
        if user is None or user.disabled_at is not None:
            raise errors.NotFound(f"no user {user_id}")
        current = s.get(Membership, (access.workspace_id, user_id), with_for_update=True)
        if current is None:
            s.add(Membership(workspace_id=access.workspace_id, user_id=user_id, role=wanted))
        else:
            if current.role == Role.admin and wanted != Role.admin:
                _keep_an_admin(s, access)
            current.role = wanted
        audit.record(s, access.actor, "member.put", user.email, access.workspace_id, {"role": wanted.value})
        s.commit()
        return Member(user.id, user.email, wanted)


def add_by_email(access: Access, email: str, role: str) -> Member:
    """Adds the user with this email (installation admins create users: Settings > Users)."""
    with session() as s:
        user_id = s.scalar(select(User.id).where(User.email == (email or "").strip().lower()))
    if user_id is None:
        access.require(Role.admin)  # a non-admin learns nothing about which emails exist
        raise errors.NotFound(f"no user {email.strip()!r}: an installation admin can create or invite them")
    return set_member(access, user_id, role)


def remove_member(access: Access, user_id: uuid.UUID) -> None:
    """Removes a member (workspace admins only; anyone may leave by removing themself)."""
    if user_id != access.user_id:
        access.require(Role.admin)
    with session() as s:
        current = s.get(Membership, (access.workspace_id, user_id), with_for_update=True)
        if current is None:
            raise errors.NotFound(f"user {user_id} is not a member of {access.slug!r}")
        if current.role == Role.admin:
            _keep_an_admin(s, access)
        s.delete(current)
        audit.record(s, access.actor, "member.remove", audit.email_of(s, user_id), access.workspace_id)
        s.commit()


def _keep_an_admin(s, access: Access) -> None:
    """Refuses a change that would leave the workspace without an admin. Locks every admin row, so
    two admins demoting each other at once cannot both succeed."""
    admins = s.scalars(
        select(Membership)
        .where(Membership.workspace_id == access.workspace_id, Membership.role == Role.admin)
        .with_for_update()
    ).all()
    if len(admins) <= 1:
        raise WorkspaceError(f"{access.slug!r} needs at least one admin: make another member admin first")
