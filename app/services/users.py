"""Users and their argon2-hashed passwords; the first admin comes from settings or is generated."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select

from app.core.db import session
from app.core.settings import settings
from app.models import User

_hasher = PasswordHasher()
# Checked against when the email is unknown, so that costs one verification like a known email does.
_UNKNOWN_USER_HASH = _hasher.hash("no such user")


def create(email: str, password: str, is_admin: bool = False) -> User:
    if "@" not in email or len(password) < 8:
        raise ValueError("an email address and a password of at least 8 characters are needed")
    with session() as s:
        user = User(email=email.strip().lower(), password_hash=_hasher.hash(password), is_admin=is_admin)
        s.add(user)
        s.commit()
        return user


def authenticate(email: str, password: str) -> User | None:
    with session() as s:
        user = s.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    try:
        # the same work either way, so timing does not reveal which emails exist
        _hasher.verify(user.password_hash if user else _UNKNOWN_USER_HASH, password)
    except VerificationError:
        return None
    return user


def is_admin(user_id) -> bool:
    with session() as s:
        user = s.get(User, user_id)
    return bool(user and user.is_admin)


def ensure_admin() -> tuple[str, str | None]:
    """Creates the first admin if there is no user yet. Returns (email, password) where the password
    is the generated one to print once, or None when it came from settings or the admin existed."""
    with session() as s:
        if s.scalars(select(User).limit(1)).first() is not None:
            return settings.admin_email, None
    password = settings.admin_password or secrets.token_urlsafe(18)
    create(settings.admin_email, password, is_admin=True)
    return settings.admin_email, None if settings.admin_password else password
