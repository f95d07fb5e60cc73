"""The runs page: a script's run history, paged, its unfinished rows kept fresh, and the hook calls
it turned away."""

from __future__ import annotations

import asyncio
import logging
import uuid

import reflex as rx

from app.core import errors
from app.services import launch, scripts
from app.views import listings, run_views
from app.views.run_views import RunListRow, TurnedAwayRow
from state.auth import access_of
from state.messages import UNAVAILABLE, told
from state.paths import path_id
from state.run_rows import keep_fresh

log = logging.getLogger(__name__)
PAGE_SIZE = 25
TURNED_AWAY_UNAVAILABLE = "The hook calls turned away cannot be read now (Redis is not answering). Reload in a moment."


class RunsState(rx.State):
    """/scripts/[script_id]/runs."""

    history_of: str = ""  # the script's id
    script_name: str = ""
    rows: rx.Field[list[RunListRow]] = rx.field(default_factory=list)
    turned_away: rx.Field[list[TurnedAwayRow]] = rx.field(default_factory=list)
    turned_away_error: str = ""  # they are kept in Redis: the runs still show when it does not answer
    has_more: bool = False
    loaded: bool = False
    not_found: bool = False
    error: str = ""
    loading_more: bool = False
    starting: bool = False
    event_open: bool = False  # the Run now dialog
    event_text: str = "{}"
    event_error: str = ""  # what is wrong with the JSON typed
    start_error: str = ""  # why the run did not start
    _generation: int = 0

    @rx.event
    async def load(self):
        self._generation += 1
        self.loaded, self.not_found, self.error, self.rows, self.has_more = False, False, "", [], False
        self.turned_away, self.turned_away_error = [], ""
        where, sid = await access_of(self), path_id(self, "scripts")
        try:
            if sid is None:
                raise errors.NotFound("not a script id")
            script = await asyncio.to_thread(scripts.get, where, sid)
            page = await asyncio.to_thread(listings.runs_of, where, sid, None, PAGE_SIZE, None)
        except errors.NotFound:
            self.not_found, self.loaded = True, True
            return
        except Exception as exc:  # noqa: BLE001 - the page says what to do instead of failing
            log.warning("runs page: %s", (str(exc).splitlines() or [""])[0])
            self.error, self.loaded = UNAVAILABLE, True
            return
        self.history_of, self.script_name = str(sid), script.name
        self.rows, self.has_more, self.loaded = [run_views.list_row(r) for r in page], len(page) == PAGE_SIZE, True
        try:
            self.turned_away = await asyncio.to_thread(run_views.turned_away_rows, where, sid)
        except Exception as exc:  # noqa: BLE001 - the runs are shown all the same
            log.warning("runs page, turned-away calls: %s", (str(exc).splitlines() or [""])[0])
            self.turned_away_error = TURNED_AWAY_UNAVAILABLE
        return RunsState.refresh(self._generation)

    @rx.event
    async def load_more(self):
        where = await access_of(self)
        if not self.rows or self.loading_more:
            return
        self.loading_more = True
        yield
        try:
            page = await asyncio.to_thread(
                listings.runs_of, where, uuid.UUID(self.history_of), None, PAGE_SIZE, uuid.UUID(self.rows[-1].id)
            )
            self.rows = self.rows + [run_views.list_row(r) for r in page]
            self.has_more = len(page) == PAGE_SIZE
        except Exception as exc:  # noqa: BLE001
            log.warning("runs page, next page: %s", (str(exc).splitlines() or [""])[0])
            self.error = UNAVAILABLE
        self.loading_more = False

    @rx.event
    def open_event(self, open_: bool):
        """Run now asks for the event first; the last one typed is offered again."""
        self.event_open, self.event_error, self.start_error = bool(open_), "", ""

    @rx.event
    def set_event_text(self, text: str):
        self.event_text = text if isinstance(text, str) else ""
        self.event_error = run_views.event_json_error(self.event_text)

    @rx.event
    async def run_now(self):
        """A manual run of the saved script with the typed event as its body; it appears at the top."""
        where = await access_of(self)
        if self.starting or not self.history_of:
            return
        self.event_error = run_views.event_json_error(self.event_text)
        if self.event_error:
            return
        self.starting, self.start_error = True, ""
        yield
        try:
            body = run_views.parsed_event(self.event_text)
            run = await asyncio.to_thread(launch.manual_run, where, uuid.UUID(self.history_of), body)
            self.rows = [run_views.list_row(run), *self.rows]
            self.event_open = False
        except Exception as exc:  # noqa: BLE001 - told to the person
            self.start_error = told(exc, "The run did not start")
        self.starting = False
        self._generation += 1
        yield RunsState.refresh(self._generation)

    @rx.event(background=True)
    async def refresh(self, generation: int):
        """Keeps unfinished rows' status and duration fresh while the page is open."""
        await keep_fresh(self, generation)

    @rx.event
    def resume(self):
        """The page is shown (again): keep unfinished rows fresh. Mount and unmount come in pairs, also
        when React's strict mode mounts twice, so the last word is always the right one."""
        self._generation += 1
        return RunsState.refresh(self._generation)

    @rx.event
    def leave(self):
        self._generation += 1
