"""The run pages: a script's run history (paged, unfinished rows kept fresh) and one run with its log,
followed live while the run goes and searchable."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from contextlib import aclosing

import reflex as rx

from app.core import errors
from app.models import FINAL_RUN_STATUSES
from app.services import launch, logs, runs, scripts
from app.views import listings, live_log, run_views
from app.views.run_views import LogRow, RunListRow
from state.auth import user_id_of
from state.messages import told

log = logging.getLogger(__name__)
PAGE_SIZE = 25
REFRESH_SECONDS = 2.0
REFRESH_LIMIT_SECONDS = 30 * 60  # a forgotten tab stops asking after this long
UNAVAILABLE = "The database is not answering. Reload the page in a moment."


def path_id(state: rx.State, after: str) -> uuid.UUID | None:
    """The id in the page's URL path that follows the segment `after` (/runs/<id>, /scripts/<id>/...)."""
    parts = str(state.router.url.path).strip("/").split("/")
    try:
        return uuid.UUID(parts[parts.index(after) + 1])
    except (ValueError, IndexError):
        return None


class RunsState(rx.State):
    """/scripts/[script_id]/runs."""

    history_of: str = ""  # the script's id
    script_name: str = ""
    rows: rx.Field[list[RunListRow]] = rx.field(default_factory=list)
    has_more: bool = False
    loaded: bool = False
    not_found: bool = False
    error: str = ""
    loading_more: bool = False
    starting: bool = False
    _generation: int = 0

    @rx.event
    async def load(self):
        self._generation += 1
        self.loaded, self.not_found, self.error, self.rows, self.has_more = False, False, "", [], False
        uid, sid = await user_id_of(self), path_id(self, "scripts")
        try:
            if sid is None:
                raise errors.NotFound("not a script id")
            script = await asyncio.to_thread(scripts.get, sid, uid)
            page = await asyncio.to_thread(listings.runs_of, uid, sid, None, PAGE_SIZE, None)
        except errors.NotFound:
            self.not_found, self.loaded = True, True
            return
        except Exception as exc:  # noqa: BLE001 - the page says what to do instead of failing
            log.warning("runs page: %s", (str(exc).splitlines() or [""])[0])
            self.error, self.loaded = UNAVAILABLE, True
            return
        self.history_of, self.script_name = str(sid), script.name
        self.rows, self.has_more, self.loaded = [run_views.list_row(r) for r in page], len(page) == PAGE_SIZE, True
        return RunsState.refresh(self._generation)

    @rx.event
    async def load_more(self):
        uid = await user_id_of(self)
        if not self.rows or self.loading_more:
            return
        self.loading_more = True
        yield
        try:
            page = await asyncio.to_thread(
                listings.runs_of, uid, uuid.UUID(self.history_of), None, PAGE_SIZE, uuid.UUID(self.rows[-1].id)
            )
            self.rows = self.rows + [run_views.list_row(r) for r in page]
            self.has_more = len(page) == PAGE_SIZE
        except Exception as exc:  # noqa: BLE001
            log.warning("runs page, next page: %s", (str(exc).splitlines() or [""])[0])
            self.error = UNAVAILABLE
        self.loading_more = False

    @rx.event
    async def run_now(self):
        """A manual run of the saved script with {} as the event; it appears at the top."""
        uid = await user_id_of(self)
        if self.starting or not self.history_of:
            return
        self.starting, self.error = True, ""
        yield
        try:
            run = await asyncio.to_thread(launch.manual_run, uuid.UUID(self.history_of), uid, {})
            self.rows = [run_views.list_row(run), *self.rows]
        except Exception as exc:  # noqa: BLE001 - told to the person
            self.error = told(exc, "The run did not start")
        self.starting = False
        self._generation += 1
        yield RunsState.refresh(self._generation)

    @rx.event(background=True)
    async def refresh(self, generation: int):
        """Keeps unfinished rows' status and duration fresh while the page is open."""
        stop_at = time.monotonic() + REFRESH_LIMIT_SECONDS
        while time.monotonic() < stop_at:
            async with self:
                if self._generation != generation:
                    return
                open_ids = [uuid.UUID(r.id) for r in self.rows if not r.final]
                uid = await user_id_of(self)
            if not open_ids:
                return
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                fresh = await asyncio.to_thread(run_views.runs_by_id, uid, open_ids)
            except Exception:  # noqa: BLE001 - a blip: try again next time
                continue
            async with self:
                if self._generation != generation:
                    return
                self.rows = [run_views.list_row(fresh[r.id]) if r.id in fresh else r for r in self.rows]

    @rx.event
    def resume(self):
        """The page is shown (again): keep unfinished rows fresh. Mount and unmount come in pairs, also
        when React's strict mode mounts twice, so the last word is always the right one."""
        self._generation += 1
        return RunsState.refresh(self._generation)

    @rx.event
    def leave(self):
        self._generation += 1


class RunState(rx.State):
    """/runs/[run_id]."""

    shown_run: str = ""
    loaded: bool = False
    not_found: bool = False
    error: str = ""
    script_link: str = ""  # "" for a try-out
    script_name: str = ""
    summary: run_views.RunSummary = run_views.RunSummary()
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
        self._refresh_shown()
        uid, rid = await user_id_of(self), path_id(self, "runs")
        try:
            if rid is None:
                raise errors.NotFound("not a run id")
            run = await asyncio.to_thread(listings.run_of, rid, uid)
            stored = await asyncio.to_thread(logs.read, "run", rid)
            summary = await asyncio.to_thread(run_views.summary_of, run)
            script = await asyncio.to_thread(scripts.get, run.script_id, uid) if run.script_id else None
        except errors.NotFound:
            self.not_found, self.loaded = True, True
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("run page: %s", (str(exc).splitlines() or [""])[0])
            self.error, self.loaded = UNAVAILABLE, True
            return
        self.shown_run, self.summary, self.loaded = str(rid), summary, True
        self.script_link, self.script_name = (f"/scripts/{script.id}", script.name) if script else ("", "")
        self._rows = [run_views.log_row(ln.seq, ln.ts, ln.stream, ln.line) for ln in stored]
        self._refresh_shown()
        if run.status not in FINAL_RUN_STATUSES:
            self.following = True
            return RunState.follow(str(rid), self._generation, stored[-1].seq if stored else 0)

    @rx.event(background=True)
    async def follow(self, run_id: str, generation: int, after_seq: int):
        async with self:
            await user_id_of(self)  # a log is data: only while the tab's session lives
            # only the run this page loaded for its owner: an event sent by hand must not follow another
            if self._generation != generation or self.shown_run != run_id:
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
        uid = await user_id_of(self)
        if not self.shown_run or self.summary.final:
            return
        try:
            run_id = uuid.UUID(self.shown_run)
            await asyncio.to_thread(listings.run_of, run_id, uid)
            await asyncio.to_thread(runs.cancel, run_id)
        except Exception as exc:  # noqa: BLE001
            log.warning("run page, cancel: %s", (str(exc).splitlines() or [""])[0])
            self.error = "Cancelling did not go through: a back-end service is not answering. Try again."

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
