"""The Members page: who is in the tab's workspace with which role; its admins add people by email,
change roles and remove members (the server checks the role on every change)."""

from __future__ import annotations

import asyncio
import logging
import uuid

import reflex as rx

from app.core import errors
from app.services import workspaces
from state.auth import AuthState, access_of
from state.messages import UNAVAILABLE, told

log = logging.getLogger(__name__)
ROLES = ["operator", "developer", "admin"]


class MembersState(rx.State):
    rows: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)  # user_id, email, role
    loaded: bool = False
    error: str = ""
    notice: str = ""

    @rx.event
    async def load(self):
        where = await access_of(self)
        try:
            found = await asyncio.to_thread(workspaces.members, where)
        except Exception as exc:  # noqa: BLE001 - the page says so instead of an empty table
            log.warning("members page: %s", (str(exc).splitlines() or [""])[0])
            self.error, self.loaded = UNAVAILABLE, True
            return
        self.rows = [{"user_id": str(m.user_id), "email": m.email, "role": m.role.value} for m in found]
        self.loaded = True

    async def _change(self, what: str, change, *args) -> None:
        where = await access_of(self)
        self.error, self.notice = "", ""
        try:
            await asyncio.to_thread(change, where, *args)
        except errors.RunpadError as exc:
            self.error = told(exc, what)
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("members page: %s", (str(exc).splitlines() or [""])[0])
            self.error = told(exc, what)
            return
        await self.load()

    @rx.event
    async def add(self, form: dict):
        email, role = str(form.get("email", "")).strip(), str(form.get("role", "developer"))
        await self._change("The member was not added", workspaces.add_by_email, email, role)
        if not self.error:
            self.notice = f"{email} is now a {role} here."
            yield rx.set_value("member-email", "")

    @rx.event
    async def set_role(self, user_id: str, role: str):
        await self._change("The role did not change", workspaces.set_member, uuid.UUID(user_id), role)

    @rx.event
    async def remove(self, user_id: str):
        await self._change("The member was not removed", workspaces.remove_member, uuid.UUID(user_id))
        auth = await self.get_state(AuthState)
        if not self.error and user_id not in {r["user_id"] for r in self.rows}:
            await auth.require_login()  # the list of workspaces changes when you leave one
