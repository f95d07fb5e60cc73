"""API tokens: random bearer strings shown once; only their SHA-256 is stored, so a database leak
reveals no usable token. Revoking one ends it at once."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import or_, select, update

from app.core import errors
from app.core.db import session
from app.models import ApiToken, User, utcnow
from app.services import audit
from app.services.access import Actor

PREFIX = "rp_"  # makes a leaked token recognisable to people and secret scanners
LAST_USED_EVERY = timedelta(minutes=1)  # at most one write per token per minute, not one per request
MAX_NAME = 100
EXPIRY_DAYS = range(1, 366)


class TokenError(errors.InvalidInput):
    """A token that cannot be issued as asked; nothing was written."""


def hash_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user_id: uuid.UUID, name: str = "api", expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the user: the row and the token itself, which is not kept anywhere.
    With expires_in_days (1 to 365) it stops working that long from now; without, never."""
    name = (name or "api").strip()
    if not name or len(name) > MAX_NAME:
        raise TokenError(f"a token name must be 1 to {MAX_NAME} characters")
    if expires_in_days is not None and expires_in_days not in EXPIRY_DAYS:
        raise TokenError("expires_in_days must be a whole number from 1 to 365, or left out for no expiry")
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days is not None else None
    row = ApiToken(user_id=user_id, name=name, token_hash=hash_of(token), expires_at=expires_at)
    with session() as s:
        s.add(row)
        audit.record(s, Actor(user_id), "token.create", str(row.id), details={"name": name})  # never the token
        s.commit()
    return row, token


def authenticate(token: str) -> tuple[User, ApiToken] | None:
    """The user and token row for a live token, else None (unknown, revoked, expired, or its user
    deleted or disabled)."""
    with session() as s:
        found = s.execute(
            select(User, ApiToken)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(
                ApiToken.token_hash == hash_of(token),
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()),
                User.disabled_at.is_(None),
            )
        ).one_or_none()
        if found is None:
            return None
        user, row = found
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
            s.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
            s.commit()
            row.last_used_at = now
        return user, row


def list_for(user_id: uuid.UUID) -> list[ApiToken]:
    with session() as s:
        return list(
            s.scalars(
                select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc(), ApiToken.id)
            )
        )


def revoke(token_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Revokes one of the user's tokens; False if the user has no such live token."""
    with session() as s:
        result = s.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        n = result.rowcount  # type: ignore[attr-defined]  # a CursorResult, typed as Result
        if n:
            audit.record(s, Actor(user_id), "token.revoke", str(token_id))
        s.commit()
    return bool(n)
