"""Users: argon2-hashed passwords, one-use invitation links, disabling, installation admins. Every user
gets a personal workspace when created. Managing users is for installation admins (`actor.is_admin`)."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import errors
from app.core.db import session
from app.core.settings import settings
from app.models import ApiToken, Invitation, Membership, Role, User, WebSession, Workspace, utcnow
from app.services import audit
from app.services.access import Actor
from app.services.tokens import hash_of

_hasher = PasswordHasher()
# Checked against when the email is unknown, so that costs one verification like a known email does.
_UNKNOWN_USER_HASH = _hasher.hash("no such user")
INVITE_LIFETIME = timedelta(days=7)
MIN_PASSWORD = 8
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class UserError(errors.InvalidInput):
    """A user that cannot be created or changed as asked; nothing was written."""


class InvitationError(errors.NotFound):
    """An invitation link that is unknown, used or expired (the message does not say which)."""


def _check_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise UserError("an email address is needed, e.g. ada@example.com")
    return email


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise errors.Forbidden("only an installation admin can manage users")


def personal_slug(email: str, user_id: uuid.UUID) -> str:
    """The personal workspace's slug: the email's local part, made unique by the user id (as migration 0008)."""
    local = re.sub(r"[^a-z0-9]+", "-", email.split("@")[0].lower()).strip("-")[:30].strip("-")
    return f"{local or 'user'}-{user_id.hex[:6]}"


def _add_personal_workspace(s: Session, user: User) -> Workspace:
    workspace = Workspace(slug=personal_slug(user.email, user.id), name=user.email, personal_of=user.id)
    s.add(workspace)
    s.flush()
    s.add(Membership(workspace_id=workspace.id, user_id=user.id, role=Role.admin))
    return workspace


def create(email: str, password: str, is_admin: bool = False, by: Actor | None = None) -> User:
    """A user who can log in at once, with their personal workspace."""
    return _new_user(_check_email(email), _hasher.hash(_check_password(password)), is_admin, None, by)


def invite(email: str, is_admin: bool = False, by: Actor | None = None) -> tuple[User, str]:
    """A user with their personal workspace and an invitation (one use, 7 days): the returned token,
    shown once, is the link's secret. They cannot log in until they set a password with it."""
    token = secrets.token_urlsafe(32)
    return _new_user(_check_email(email), "", is_admin, token, by), token


def _new_user(email: str, password_hash: str, is_admin: bool, invite_token: str | None, by: Actor | None) -> User:
    with session() as s:
        user = User(email=email, password_hash=password_hash, is_admin=is_admin)
        s.add(user)
        try:
            s.flush()
        except IntegrityError:
            raise errors.Conflict(f"there is already a user {email}") from None
        _add_personal_workspace(s, user)
        if is_admin:
            _adopt_default_workspace(s, user)
        if invite_token is not None:
            s.add(Invitation(user_id=user.id, token_hash=hash_of(invite_token), expires_at=utcnow() + INVITE_LIFETIME))
        action = "user.invite" if invite_token else "user.create"
        audit.record(s, by, action, email, details={"is_admin": is_admin})  # by: None for the CLI
        s.commit()
        s.refresh(user)
        return user


def _adopt_default_workspace(s: Session, admin: User) -> None:
    """The first installation admin made after migration 0008 becomes admin of the workspace
    "default" it made for data that had no user, while that workspace has no members (however the
    admin is made: ensure-admin, create-user, an invitation), so that data never stays unreachable."""
    default = s.scalars(
        select(Workspace).where(Workspace.slug == "default", Workspace.personal_of.is_(None)).with_for_update()
    ).first()
    if (
        default is not None
        and s.scalar(select(Membership.user_id).where(Membership.workspace_id == default.id).limit(1)) is None
    ):
        s.add(Membership(workspace_id=default.id, user_id=admin.id, role=Role.admin))


def invite_url(token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/invite/{token}"


def invited(token: str) -> User:
    """The user a live invitation is for; InvitationError otherwise."""
    with session() as s:
        found = s.execute(_live_invitation(token)).one_or_none()
    if found is None:
        raise InvitationError("this invitation link is unknown, already used or expired: ask for a new one")
    return found[1]


def accept(token: str, password: str) -> User:
    """Sets the invited user's password and uses the invitation up (one use)."""
    hashed = _hasher.hash(_check_password(password))
    with session() as s:
        found = s.execute(_live_invitation(token).with_for_update()).one_or_none()
        if found is None:
            raise InvitationError("this invitation link is unknown, already used or expired: ask for a new one")
        invitation, user = found
        invitation.used_at = utcnow()
        user.password_hash = hashed
        s.commit()
        s.refresh(user)
        return user


def _live_invitation(token: str):
    return (
        select(Invitation, User)
        .join(User, User.id == Invitation.user_id)
        .where(
            Invitation.token_hash == hash_of(token or ""),
            Invitation.used_at.is_(None),
            Invitation.expires_at > utcnow(),
            User.disabled_at.is_(None),
        )
    )


def authenticate(email: str, password: str) -> User | None:
    with session() as s:
        user = s.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    try:
        # the same work either way, so timing does not reveal which emails exist
        _hasher.verify(user.password_hash if user and user.password_hash else _UNKNOWN_USER_HASH, password)
    except VerificationError:
        return None
    if user is None or not user.password_hash or user.disabled_at is not None:
        return None
    return user


def is_admin(user_id) -> bool:
    with session() as s:
        user = s.get(User, user_id)
    return bool(user and user.is_admin and user.disabled_at is None)


def get(user_id: uuid.UUID) -> User:
    with session() as s:
        user = s.get(User, user_id)
    if user is None:
        raise errors.NotFound(f"no user {user_id}")
    return user


def list_all(actor: Actor) -> list[User]:
    require_admin(actor)
    with session() as s:
        return list(s.scalars(select(User).order_by(User.created_at, User.id)))


def change(actor: Actor, user_id: uuid.UUID, disabled: bool | None = None, admin: bool | None = None) -> User:
    """Disables or enables a user (a disabled user's sessions and tokens stop at once: both are
    checked against disabled_at on every request) and makes or unmakes installation admins. An admin
    cannot disable or demote themself, so an installation always keeps one."""
    require_admin(actor)
    if user_id == actor.user_id and (disabled or admin is False):
        raise UserError("you cannot disable yourself or take away your own admin rights")
    with session() as s:
        user = s.get(User, user_id, with_for_update=True)
        if user is None:
            raise errors.NotFound(f"no user {user_id}")
        if disabled is not None:
            user.disabled_at = (user.disabled_at or utcnow()) if disabled else None
        if admin is not None:
            user.is_admin = admin
        audit.record(s, actor, "user.change", user.email, details={"disabled": disabled, "is_admin": admin})
        s.commit()
        s.refresh(user)
    if disabled:
        _end_sessions_and_tokens(user_id)
    return user


def _end_sessions_and_tokens(user_id: uuid.UUID) -> None:
    """Revoked too, so enabling the user again does not bring old credentials back."""
    now = utcnow()
    with session() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        s.execute(
            update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        )
        s.commit()


def reset_password(email: str, password: str) -> User:
    """Sets a user's password (the CLI's reset-password, run by whoever runs the installation)."""
    hashed = _hasher.hash(_check_password(password))
    with session() as s:
        user = s.scalars(select(User).where(User.email == _check_email(email))).one_or_none()
        if user is None:
            raise errors.NotFound(f"no user {email}")
        user.password_hash = hashed
        audit.record(s, None, "user.reset_password", user.email)  # never the password
        s.commit()
        s.refresh(user)
    _end_sessions_and_tokens(user.id)
    return user


def ensure_admin() -> tuple[str, str | None]:
    """Creates the first admin if there is no user yet. Returns (email, password) where the password
    is the generated one to print once, or None when it came from settings or the admin existed.
    Like any first admin, it joins the workspace "default" of data that had no user (see
    _adopt_default_workspace)."""
    with session() as s:
        if s.scalars(select(User).limit(1)).first() is not None:
            return settings.admin_email, None
    password = settings.admin_password or secrets.token_urlsafe(18)
    create(settings.admin_email, password, is_admin=True)
    return settings.admin_email, None if settings.admin_password else password
