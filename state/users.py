"""Settings > Users, for installation admins: everyone with an account; create one with a password
or an invitation link (shown once), disable or enable, make or unmake admins."""

from __future__ import annotations

import asyncio
import logging
import uuid

import reflex as rx

from app.core import errors
from app.services import access, users
from state.auth import actor_of
from state.messages import UNAVAILABLE, told

log = logging.getLogger(__name__)


class UsersState(rx.State):
    rows: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)  # id, email, admin, disabled
    loaded: bool = False
    allowed: bool = False
    error: str = ""
    invite_link: str = ""  # shown once, right after an invitation was made
    notice: str = ""
    saving: bool = False

    @rx.event
    async def load(self):
        actor = await actor_of(self)
        self.allowed, self.invite_link, self.notice = actor.is_admin, "", ""
        if actor.is_admin:
            await self._refresh(actor)
        self.loaded = True

    async def _refresh(self, actor: access.Actor) -> None:
        try:
            found = await asyncio.to_thread(users.list_all, actor)
        except Exception as exc:  # noqa: BLE001
            log.warning("users page: %s", (str(exc).splitlines() or [""])[0])
            self.error = UNAVAILABLE
            return
        self.rows = [
            {
                "id": str(u.id),
                "email": u.email,
                "admin": "yes" if u.is_admin else "",
                "disabled": "yes" if u.disabled_at else "",
                "invited": "yes" if not u.password_hash else "",
            }
            for u in found
        ]

    @rx.event
    async def create(self, form: dict):
        actor = await actor_of(self)
        email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
        is_admin = bool(form.get("is_admin"))
        self.error, self.notice, self.invite_link, self.saving = "", "", "", True
        yield
        try:
            users.require_admin(actor)
            if password:
                await asyncio.to_thread(users.create, email, password, is_admin, actor)
                self.notice = f"{email} can log in now."
            else:
                _, token = await asyncio.to_thread(users.invite, email, is_admin, actor)
                self.invite_link = users.invite_url(token)
                self.notice = f"Send {email} this link: it works once, for 7 days, and is not shown again."
        except errors.RunpadError as exc:
            self.error = told(exc, "The user was not created")
        finally:
            self.saving = False
        yield rx.set_value("user-email", "")
        yield rx.set_value("user-password", "")
        await self._refresh(actor)

    @rx.event
    async def set_disabled(self, user_id: str, disabled: bool):
        await self._change(user_id, "The user did not change", disabled=disabled)

    @rx.event
    async def set_admin(self, user_id: str, admin: bool):
        await self._change(user_id, "The user did not change", admin=admin)

    async def _change(self, user_id: str, what: str, **change) -> None:
        actor = await actor_of(self)
        self.error = ""
        try:
            await asyncio.to_thread(users.change, actor, uuid.UUID(user_id), **change)
        except errors.RunpadError as exc:
            self.error = told(exc, what)
        await self._refresh(actor)
