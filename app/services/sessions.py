"""Browser sessions: a random token in an HttpOnly-less Reflex cookie (Reflex reads cookies in the
browser), only its SHA-256 in the database, so logout or expiry ends it on the server too."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from app.db import session
from app.models import User, WebSession, utcnow
from app.services import users
from app.services.tokens import hash_of

LIFETIME = timedelta(days=7)


class LoginError(ValueError):
    """Wrong email or password; the message does not say which."""


def login(email: str, password: str) -> tuple[User, str]:
    """The user and a new session token, or LoginError."""
    user = users.authenticate(email or "", password or "")
    if user is None:
        raise LoginError("That email and password do not match an account.")
    token = secrets.token_urlsafe(32)
    with session() as s:
        s.add(WebSession(user_id=user.id, token_hash=hash_of(token), expires_at=utcnow() + LIFETIME))
        s.commit()
    return user, token


def user_for(token: str) -> User | None:
    """The user of a live session token, else None (unknown, expired, revoked, or user deleted)."""
    if not token:
        return None
    with session() as s:
        return s.scalars(select(User).join(WebSession, WebSession.user_id == User.id)
                         .where(WebSession.token_hash == hash_of(token), WebSession.revoked_at.is_(None),
                                WebSession.expires_at > utcnow())).one_or_none()


def logout(token: str) -> None:
    if not token:
        return
    with session() as s:
        s.execute(update(WebSession).where(WebSession.token_hash == hash_of(token), WebSession.revoked_at.is_(None))
                  .values(revoked_at=utcnow()))
        s.commit()


def revoke_all(user_id: uuid.UUID) -> None:
    with session() as s:
        s.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
                  .values(revoked_at=utcnow()))
        s.commit()
