"""The Audit page: the tab's workspace's events for its admins and, for installation admins, the
installation's (users, tokens, settings, failed logins), newest first, a page at a time. The service
decides who may read which (app/services/audit.py); this only asks it and shows the answer."""

from __future__ import annotations

import asyncio
import functools
import logging

import reflex as rx

from app.core import errors
from app.services import audit
from app.views.audit_log import AuditRow, audit_row
from state.auth import access_of, actor_of
from state.messages import UNAVAILABLE

log = logging.getLogger(__name__)
PAGE_SIZE = 50
SCOPES = ("workspace", "installation")


class AuditState(rx.State):
    rows: rx.Field[list[AuditRow]] = rx.field(default_factory=list)
    scope: str = "workspace"  # or "installation"
    installation_admin: bool = False  # offers the Installation scope (the service still checks)
    allowed: bool = True  # the caller may read the scope shown
    has_more: bool = False
    loaded: bool = False
    loading_more: bool = False
    error: str = ""

    @rx.event
    async def load(self):
        actor = await actor_of(self)
        self.installation_admin = actor.is_admin
        if not actor.is_admin:
            self.scope = "workspace"
        await self._first_page()

    @rx.event
    async def choose_scope(self, scope: str | list[str]):
        """The segmented control's value: "workspace" or "installation" (anything else is ignored)."""
        if not isinstance(scope, str) or scope not in SCOPES or scope == self.scope:
            return
        self.scope = scope
        await self._first_page()

    @rx.event
    async def load_more(self):
        if not self.rows or self.loading_more:
            return
        self.loading_more = True
        yield
        page = await self._page(before=self.rows[-1].id)
        if page is not None:
            self.rows = self.rows + page
        self.loading_more = False

    async def _first_page(self) -> None:
        self.rows, self.has_more, self.error = [], False, ""
        self.rows = await self._page(before=None) or []
        self.loaded = True

    async def _page(self, before: int | None) -> list[AuditRow] | None:
        """The next page of the scope's events, or None when refused or failing (the page says which)."""
        # outside the try: an ended session goes to the login (state/auth.py), not into the message
        if self.scope == "installation":
            read = functools.partial(audit.for_installation, await actor_of(self))
        else:
            read = functools.partial(audit.for_workspace, await access_of(self))
        try:
            events = await asyncio.to_thread(read, PAGE_SIZE, before)
        except errors.Forbidden:
            self.allowed, self.has_more = False, False
            return None
        except Exception as exc:  # noqa: BLE001 - the page says what to do instead of failing
            log.warning("audit page: %s", (str(exc).splitlines() or [""])[0])
            self.error = UNAVAILABLE
            return None
        self.allowed, self.has_more = True, len(events) == PAGE_SIZE
        return [audit_row(e) for e in events]
