"""The secret picker: which secret names (from the built-in store and Infisical) the draft's handler
gets as environment variables. Only names reach the browser, never a value."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from app.views import env_reads, secret_catalog
from state.auth import access_of
from state.draft import DraftState

log = logging.getLogger(__name__)


def toggled(current: list[str], name: str, on: bool) -> list[str]:
    """current with name added (on) or removed, sorted and without repeats."""
    return sorted(set(current) | {name}) if on else [n for n in current if n != name]


class SecretPickerState(rx.State):
    available: list[dict[str, str]] = []  # {"name", "sources": "store" | "infisical" | "store infisical"}
    infisical: str = "off"  # off | ok | down
    infisical_error: str = ""
    load_error: str = ""
    loaded: bool = False

    @rx.var
    async def rows(self) -> list[dict[str, str]]:
        """Every name to show: the available ones, then selected ones that exist nowhere ("missing"),
        or that cannot be checked while Infisical is down ("unknown")."""
        draft = await self.get_state(DraftState)
        chosen = set(draft.secret_names)
        known = {row["name"] for row in self.available}
        rows = [{**row, "selected": "yes" if row["name"] in chosen else "", "status": ""} for row in self.available]
        if self.loaded and not self.load_error:
            status = "unknown" if self.infisical == "down" else "missing"
            rows += [{"name": n, "sources": "", "selected": "yes", "status": status} for n in sorted(chosen - known)]
        return rows

    @rx.var
    async def unticked_reads(self) -> list[str]:
        """Secrets the draft's code reads but are not ticked (the editor warns of them)."""
        draft = await self.get_state(DraftState)
        names = {row["name"] for row in self.available}
        return env_reads.unticked_secrets(draft.runtime, draft.code, names, set(draft.secret_names))

    @rx.event(background=True)
    async def load(self):
        async with self:
            where = await access_of(self)
        try:
            found = await asyncio.to_thread(secret_catalog.catalog, where)
        except Exception as exc:  # noqa: BLE001 - the database is down or restarting: say so, keep the page usable
            log.warning("secret picker: cannot list secrets: %s", (str(exc).splitlines() or [""])[0])
            async with self:
                self.load_error, self.loaded = "Couldn't load the secret names: try again in a moment.", True
            return
        async with self:
            self.available = [{"name": e.name, "sources": " ".join(e.sources)} for e in found.entries]
            self.infisical, self.infisical_error = found.infisical, found.infisical_error
            self.load_error, self.loaded = "", True

    @rx.event
    async def toggle(self, name: str, on: bool):
        draft = await self.get_state(DraftState)
        draft.secret_names = toggled(draft.secret_names, name, bool(on))
