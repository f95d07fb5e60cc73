"""Reflex state for the scripts list: the user's scripts as rows, filtered by name as they type."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from app.views import overview
from state.auth import access_of

log = logging.getLogger(__name__)


class ScriptsState(rx.State):
    rows: rx.Field[list[dict]] = rx.field(default_factory=list)
    search: str = ""
    loaded: bool = False
    load_error: str = ""

    @rx.var
    def shown(self) -> list[dict]:
        """The rows whose name holds the search text (any case)."""
        needle = self.search.strip().casefold()
        return [row for row in self.rows if needle in row["name"].casefold()] if needle else self.rows

    @rx.event
    def set_search(self, text: str):
        self.search = text

    @rx.event
    async def load(self):
        where = await access_of(self)
        try:
            rows = await asyncio.to_thread(overview.script_rows, where)
        except Exception as exc:  # noqa: BLE001 - the page says so instead of a blank table
            log.warning("scripts list: %s", (str(exc).splitlines() or [""])[0])
            self.load_error = "Your scripts could not be loaded: the database is not answering. Reload in a moment."
        else:
            self.rows, self.load_error = [row.as_dict() for row in rows], ""
        self.loaded = True
