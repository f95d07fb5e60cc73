"""The audit log (contract §6): who did what and when. A service records a change in the session that
makes it, so the event commits (or rolls back) with the change; without a session, in one of its own.
Workspace admins read their workspace's events, installation admins the installation's (users, tokens,
settings, failed logins: workspace_id null), newest first.

Never record a secret's value, a password, a token or a hook secret: a target is a name, an id or an
email, and details are small facts (a role, the names of changed fields)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import errors
from app.core.db import session
from app.models import AuditEvent, Role, User
from app.services.access import Access, Actor

MAX_PAGE = 200
MAX_TEXT = 320  # an email's length and then some: a target or an email tried is cut there


def _text(value: str | None) -> str | None:
    """Storable text: at most MAX_TEXT characters, no NUL, no lone surrogates (a login form's email)."""
    if value is None:
        return None
    return value[:MAX_TEXT].replace("\x00", "").encode("utf-8", "replace").decode()


def record(
    s: Session | None,
    actor: Actor | None,
    action: str,
    target: str | None,
    workspace_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    *,
    actor_email: str | None = None,
) -> None:
    """Adds an event to `s` (the caller commits it with its change), or commits it alone without `s`.
    actor None or the system actor: Runpad itself, or with actor_email someone unknown (a failed login)."""
    if s is None:
        with session() as own:
            record(own, actor, action, target, workspace_id, details, actor_email=actor_email)
            own.commit()
        return
    actor_id = actor.user_id if actor is not None else None
    if actor_id is not None:
        actor_email = s.scalar(select(User.email).where(User.id == actor_id))
    s.add(
        AuditEvent(
            workspace_id=workspace_id,
            actor_id=actor_id,
            actor_email=_text(actor_email),
            action=action,
            target=_text(target),
            details=details or None,
        )
    )


def email_of(s: Session, user_id: uuid.UUID) -> str | None:
    """A user's email, for an event whose target is a user the caller names by id."""
    return s.scalar(select(User.email).where(User.id == user_id))


def for_workspace(access: Access, limit: int = 50, before_id: int | None = None) -> list[AuditEvent]:
    """The workspace's events, newest first (its admins); before_id: the last id of the previous page."""
    access.require(Role.admin)
    return _page(AuditEvent.workspace_id == access.workspace_id, limit, before_id)


def for_installation(actor: Actor, limit: int = 50, before_id: int | None = None) -> list[AuditEvent]:
    """The installation's events (users, tokens, settings, failed logins), newest first (installation admins)."""
    if not actor.is_admin:
        raise errors.Forbidden("only an installation admin can read the installation's audit log")
    return _page(AuditEvent.workspace_id.is_(None), limit, before_id)


def _page(where: Any, limit: int, before_id: int | None) -> list[AuditEvent]:
    query = select(AuditEvent).where(where).order_by(AuditEvent.id.desc())
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    with session() as s:
        return list(s.scalars(query.limit(max(1, min(limit, MAX_PAGE)))))
