"""Who tests and benches act as: a user in their personal workspace (an Access, as the edges resolve
it), or a member of a shared workspace with a role."""

from __future__ import annotations

import uuid

from app.models import Role, User
from app.services import access, users, workspaces

_default: dict[str, access.Access] = {}


def acting(user: User | uuid.UUID | None = None) -> access.Access:
    """That user (or user id) in their personal workspace, as its admin; without one, the process's
    default test user, created on first use (each test session starts from an empty database)."""
    if user is None:
        if "access" not in _default:
            made = users.create(f"tests-{uuid.uuid4().hex[:10]}@runpad.local", "tests password 1")
            _default["access"] = access.resolve(access.actor_of(made))
        return _default["access"]
    row = users.get(user) if isinstance(user, uuid.UUID) else user
    return access.resolve(access.actor_of(row))


def new_user(prefix: str = "user") -> User:
    return users.create(f"{prefix}-{uuid.uuid4().hex[:10]}@runpad.local", "a long enough password")


def shared_workspace(admin: User, members: list[tuple[User, Role]] | None = None) -> str:
    """A new workspace whose admin is `admin`, with these (member, role) pairs; returns its slug."""
    slug = f"team-{uuid.uuid4().hex[:8]}"
    workspaces.create(access.actor_of(admin), slug, slug)
    where = access.resolve(access.actor_of(admin), slug)
    for member, role in members or []:
        workspaces.set_member(where, member.id, role)
    return slug


def in_workspace(user: User, slug: str) -> access.Access:
    return access.resolve(access.actor_of(user), slug)
