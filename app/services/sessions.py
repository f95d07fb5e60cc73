"""Browser sessions: a random token in an HttpOnly cookie set by the server (POST /auth/login), only its
SHA-256 in the database, so logout or expiry ends it on the server too. Also the checks around the
login form: same-origin posts only, and redirects to paths of this site only."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from app.core import errors
from app.core.db import session
from app.core.settings import settings
from app.models import User, WebSession, utcnow
from app.services import login_guard
from app.services.tokens import hash_of

LIFETIME = timedelta(days=7)
COOKIE = "runpad_session"
HOME = "/scripts"


class LoginError(errors.Unauthorized):
    """Wrong email or password; the message does not say which."""

    code = "invalid_credentials"


def start(user_id: uuid.UUID) -> str:
    """A new session token for the user (the cookie's value); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with session() as s:
        s.add(WebSession(user_id=user_id, token_hash=hash_of(token), expires_at=utcnow() + LIFETIME))
        s.commit()
    return token


def login(email: str, password: str, client_ip: str = "") -> tuple[User, str]:
    """The user and a new session token; LoginError, or login_guard.Throttled / Busy."""
    user = login_guard.authenticate(email or "", password or "", client_ip)
    if user is None:
        raise LoginError("That email and password do not match an account.")
    return user, start(user.id)


def user_for(token: str) -> User | None:
    """The user of a live session token, else None (unknown, expired, revoked, or user deleted or disabled).
    One query on the unique token_hash index: cheap enough to run for every UI event."""
    if not token:
        return None
    with session() as s:
        return s.scalars(
            select(User)
            .join(WebSession, WebSession.user_id == User.id)
            .where(
                WebSession.token_hash == hash_of(token),
                WebSession.revoked_at.is_(None),
                WebSession.expires_at > utcnow(),
                User.disabled_at.is_(None),
            )
        ).one_or_none()


def logout(token: str) -> None:
    if not token:
        return
    with session() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.token_hash == hash_of(token), WebSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        s.commit()


def revoke_all(user_id: uuid.UUID) -> None:
    with session() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        s.commit()


def token_in(cookie_header: str) -> str:
    """The session token in a Cookie header ("" when there is none)."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE:
            return value.strip()
    return ""


def cookie_options() -> dict:
    """Starlette set_cookie arguments: never readable by scripts, not sent on cross-site posts, and
    Secure when users reach Runpad over https."""
    return {
        "key": COOKIE,
        "max_age": int(LIFETIME.total_seconds()),
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": urlsplit(settings.public_url).scheme == "https",
    }


def public_origin() -> str:
    url = urlsplit(settings.public_url)
    return f"{url.scheme}://{url.netloc}".lower()


def same_origin(origin: str | None, fetch_site: str | None) -> bool:
    """Whether a state-changing post comes from Runpad's own pages (login CSRF defence). Browsers send
    Origin (and Sec-Fetch-Site) on every POST; a client that sends neither is not a browser page."""
    if origin is not None and origin.rstrip("/").lower() != public_origin():
        return False
    return fetch_site is None or fetch_site == "same-origin"


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this site, else the scripts list (no open redirect)."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(c < " " for c in target):
        return HOME
    if target.startswith(("/login", "/auth/")):
        return HOME
    return target
