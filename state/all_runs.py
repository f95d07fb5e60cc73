"""The Runs page: the workspace's runs across its scripts, filtered by script, status, trigger and
time, a page at a time (Older / Newer by the listing's cursors), unfinished rows kept fresh."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from app.core import errors
from app.services import run_history
from app.services.access import Access
from app.views import listings, run_views
from app.views.run_views import RunListRow
from state.auth import access_of
from state.messages import UNAVAILABLE
from state.run_rows import keep_fresh

log = logging.getLogger(__name__)
PAGE_SIZE = 25
FILTERS = ("script", "status", "trigger", "since", "until")
ANY = "any"  # a select's "no filter" choice (a select item cannot have an empty value)
NOTHING = run_history.Page([], None, None)


class AllRunsState(rx.State):
    """/runs; ?script=&status=&trigger=&since=&until= preset the filters."""

    rows: rx.Field[list[RunListRow]] = rx.field(default_factory=list)
    scripts: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)  # id, name: the script filter
    script: str = ""  # the filters, as the page's controls hold them; "" is any
    status: str = ""
    trigger: str = ""
    since: str = ""  # "2026-12-01T08:00" (a datetime-local input), UTC
    until: str = ""
    older: str = ""  # the cursors of the pages beside this one; "" when there is none
    newer: str = ""
    loaded: bool = False
    error: str = ""
    _generation: int = 0

    @rx.event
    async def load(self):
        where = await access_of(self)
        query = self.router.url.query_parameters
        for name in FILTERS:
            setattr(self, name, str(query.get(name, ""))[:100])
        self.loaded = False
        return await self._show(where, None)

    @rx.event
    async def filter_by(self, name: str, value: str):
        """One filter changed (a select's choice or a time typed): the newest matching runs."""
        where = await access_of(self)
        if name not in FILTERS or not isinstance(value, str):
            return None
        setattr(self, name, "" if value == ANY else value[:100])
        return await self._show(where, None)

    @rx.event
    async def clear_filters(self):
        where = await access_of(self)
        for name in FILTERS:
            setattr(self, name, "")
        return await self._show(where, None)

    @rx.event
    async def show_older(self):
        where = await access_of(self)
        return await self._show(where, self.older) if self.older else None

    @rx.event
    async def show_newer(self):
        where = await access_of(self)
        return await self._show(where, self.newer) if self.newer else None

    async def _show(self, where: Access, after: str | None):
        """The page of runs `after` a cursor (None: the newest) under the filters, then keeps it fresh."""
        self._generation += 1
        self.error, found = "", NOTHING
        try:
            names = await asyncio.to_thread(listings.script_names, where)
            what = run_history.RunFilter.parse(self.script, self.status, self.trigger, self.since, self.until)
            found = await asyncio.to_thread(run_history.page, where, what, after, PAGE_SIZE)
        except errors.NotFound:  # a script filter naming no script of this workspace
            self.error = "There is no such script in this workspace."
        except errors.InvalidInput as exc:  # a filter or cursor that is not one: the message says which
            self.error = f"These filters do not work: {exc}"
        except Exception as exc:  # noqa: BLE001 - the page says what to do instead of failing
            log.warning("runs page: %s", (str(exc).splitlines() or [""])[0])
            self.error, self.loaded = UNAVAILABLE, True
            return None
        self.scripts = [{"id": sid, "name": name} for sid, name in names]
        by_id = dict(names)
        self.rows = [run_views.list_row(run, script=by_id.get(str(run.script_id), "")) for run in found.runs]
        self.older, self.newer, self.loaded = found.older or "", found.newer or "", True
        return AllRunsState.refresh(self._generation)

    @rx.event(background=True)
    async def refresh(self, generation: int):
        """Keeps unfinished rows' status and duration fresh while the page is open."""
        await keep_fresh(self, generation)

    @rx.event
    def resume(self):
        self._generation += 1
        return AllRunsState.refresh(self._generation)

    @rx.event
    def leave(self):
        self._generation += 1
