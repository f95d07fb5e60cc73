"""The run page: one run with its log, followed live while the run goes, and searchable."""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import aclosing

import reflex as rx

from app.core import errors
from app.models import FINAL_RUN_STATUSES
from app.services import launch, logs, runs, scripts
from app.views import listings, live_log, run_views
from app.views.run_views import LogRow
from state.auth import access_of
from state.messages import UNAVAILABLE, told
from state.paths import path_id

log = logging.getLogger(__name__)


class RunState(rx.State):
    """/runs/[run_id]."""

    shown_run: str = ""
    loaded: bool = False
    not_found: bool = False
    error: str = ""
    script_link: str = ""  # "" for a try-out
    script_name: str = ""
    summary: run_views.RunSummary = run_views.RunSummary()
    event: str = ""  # pretty JSON, credential headers left out
    event_cut: bool = False
    rerun_of: str = ""  # the run this one ran again
    rerunning: bool = False
    search: str = ""
    shown: rx.Field[list[LogRow]] = rx.field(default_factory=list)
    total_lines: int = 0
    matching_lines: int = 0
    following: bool = False
    _rows: list[LogRow] = []  # the whole log, kept on the server; `shown` is what the browser gets
    _generation: int = 0

    def _refresh_shown(self) -> None:
        found = run_views.search(self._rows, self.search)
        self.total_lines, self.matching_lines = len(self._rows), len(found)
        self.shown = found[-run_views.MAX_SHOWN_LINES :]

    @rx.event
    async def load(self):
        self._generation += 1
        self.loaded, self.not_found, self.error, self.search, self.following = False, False, "", "", False
        self._rows, self.summary, self.script_link, self.script_name = [], run_views.RunSummary(), "", ""
        self.event, self.event_cut, self.rerun_of, self.rerunning = "", False, "", False
        self._refresh_shown()
        where, rid = await access_of(self), path_id(self, "runs")
        try:
            if rid is None:
                raise errors.NotFound("not a run id")
            run = await asyncio.to_thread(listings.run_of, where, rid)
            stored = await asyncio.to_thread(logs.read, "run", rid)
            summary = await asyncio.to_thread(run_views.summary_of, run)
            script = await asyncio.to_thread(scripts.get, where, run.script_id) if run.script_id else None
        except errors.NotFound:
            self.not_found, self.loaded = True, True
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("run page: %s", (str(exc).splitlines() or [""])[0])
            self.error, self.loaded = UNAVAILABLE, True
            return
        self.shown_run, self.summary, self.loaded = str(rid), summary, True
        self.script_link, self.script_name = (f"/scripts/{script.id}", script.name) if script else ("", "")
        self.event, self.event_cut = run_views.event_text(run.event)
        self.rerun_of = str(run.rerun_of) if run.rerun_of else ""
        self._rows = [run_views.log_row(ln.seq, ln.ts, ln.stream, ln.line) for ln in stored]
        self._refresh_shown()
        if run.status not in FINAL_RUN_STATUSES:
            self.following = True
            return RunState.follow(str(rid), self._generation, stored[-1].seq if stored else 0)

    @rx.event(background=True)
    async def follow(self, run_id: str, generation: int, after_seq: int):
        async with self:
            where = await access_of(self)  # a log is data: only while the tab's session lives
            # only the run this page loaded for its owner: an event sent by hand must not follow another
            if self._generation != generation or self.shown_run != run_id:
                return
        try:  # and only a run of the tab's workspace, whatever the tab's vars say
            await asyncio.to_thread(listings.run_of, where, uuid.UUID(run_id))
        except errors.NotFound:
            return
        async with aclosing(live_log.with_summaries(uuid.UUID(run_id), after_seq)) as stream:
            async for batch, summary in stream:
                async with self:
                    if self._generation != generation:
                        return
                    if batch.rows:
                        self._rows = run_views.merged(self._rows, batch.rows)
                        self._refresh_shown()
                    if summary is not None:
                        self.summary = summary
                    if batch.status is not None:
                        self.following = False
                        return

    @rx.event
    async def cancel(self):
        where = await access_of(self)
        if not self.shown_run or self.summary.final:
            return
        try:
            run_id = uuid.UUID(self.shown_run)
            await asyncio.to_thread(listings.run_of, where, run_id)
            await asyncio.to_thread(runs.cancel, run_id)
        except Exception as exc:  # noqa: BLE001
            log.warning("run page, cancel: %s", (str(exc).splitlines() or [""])[0])
            self.error = "Cancelling did not go through: a back-end service is not answering. Try again."

    @rx.event
    async def rerun(self):
        """Runs the script again with this run's event, then shows the new run."""
        where = await access_of(self)
        if not self.shown_run or self.rerunning:
            return
        self.rerunning, self.error = True, ""
        yield
        try:
            run = await asyncio.to_thread(launch.rerun, where, uuid.UUID(self.shown_run))
        except Exception as exc:  # noqa: BLE001 - told to the person
            self.error, self.rerunning = told(exc, "The run did not start again"), False
            return
        yield rx.redirect(f"/runs/{run.id}")

    @rx.event
    def set_search(self, text: str):
        self.search = text
        self._refresh_shown()

    @rx.event
    def resume(self):
        """The page is shown (again): follow the log if the run still goes."""
        if self.shown_run and not self.summary.final:
            self._generation += 1
            self.following = True
            return RunState.follow(self.shown_run, self._generation, self._rows[-1].seq if self._rows else 0)

    @rx.event
    def leave(self):
        self._generation += 1
