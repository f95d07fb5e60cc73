"""The Quotas card of the Workspace page: the tab's workspace's quotas and what it uses of them, for
any member; installation admins change them. Delegates to app.services.quotas, which checks who may."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from app.core import errors
from app.services import quotas
from state.auth import access_of, actor_of
from state.messages import UNAVAILABLE, told

log = logging.getLogger(__name__)
LABELS = {
    "max_concurrent_runs": "Runs at once",
    "min_schedule_seconds": "Fastest schedule (s)",
    "max_scripts": "Scripts",
}


def quota_rows(used: quotas.Usage) -> list[dict[str, str]]:
    """One row per quota: its label, value, whether it is the default, and what is in use."""
    in_use = {
        "max_concurrent_runs": f"{used.active_runs} running, {used.waiting_runs} waiting",
        "min_schedule_seconds": "",
        "max_scripts": f"{used.scripts} saved",
    }
    return [
        {
            "field": name,
            "label": LABELS[name],
            "value": str(getattr(used.quotas, name)),
            "own": "" if used.own[name] is None else str(used.own[name]),
            "source": "default" if used.own[name] is None else "this workspace",
            "in_use": in_use[name],
        }
        for name in quotas.FIELDS
    ]


def form_values(form: dict) -> dict[str, int | None]:
    """The form's fields as quota values: blank means the installation's default."""
    values: dict[str, int | None] = {}
    for name in quotas.FIELDS:
        text = str(form.get(name, "")).strip()
        if text and not text.isdigit():
            raise errors.InvalidInput(f"{LABELS[name]} must be a whole number, or blank for the default")
        values[name] = int(text) if text else None
    return values


class WorkspaceQuotasState(rx.State):
    rows: list[dict[str, str]] = []
    message: str = ""
    failed: bool = False

    @rx.event
    async def load(self):
        self.message, self.failed = "", False
        await self._reload()

    async def _reload(self) -> None:
        where = await access_of(self)  # outside the try: an ended session goes to the login page
        try:
            used = await asyncio.to_thread(quotas.usage, where)
        except Exception as exc:  # noqa: BLE001 - the card says the database is down instead of failing
            log.warning("quotas card: cannot load: %s", (str(exc).splitlines() or [""])[0])
            self.rows, self.message, self.failed = [], UNAVAILABLE, True
            return
        self.rows = quota_rows(used)

    @rx.event
    async def save(self, form: dict):
        where, actor = await access_of(self), await actor_of(self)
        try:
            await asyncio.to_thread(quotas.change, actor, where.slug, form_values(form))
        except Exception as exc:  # noqa: BLE001 - told in the card
            self.message, self.failed = told(exc, "Not saved"), True
            return
        await self._reload()
        self.message, self.failed = "Saved.", False
