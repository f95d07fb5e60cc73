"""The try-out console: runs the unsaved draft with an event the person types, and follows the run's
output live until it ends."""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import aclosing

import reflex as rx

from app.core import errors
from app.models import RunStatus
from app.services import launch, runs
from app.views import editor, listings, live_log, run_views
from app.views.run_views import LogRow, RunSummary
from state.auth import access_of
from state.draft import DraftState
from state.messages import expected, told

log = logging.getLogger(__name__)
SUMMARY_SECONDS = 1.0  # how often a followed run's status is read again while it goes
ACTIVE = (RunStatus.queued, RunStatus.building, RunStatus.running)
STARTING = "The try-out did not start"


class TryoutState(rx.State):
    event_text: str = "{}"
    event_error: str = ""
    tryout_run: str = ""  # the latest try-out's run id
    starting: bool = False
    cancelling: bool = False
    status: str = ""  # "" before the first run
    installing: bool = False
    duration: str = ""
    result: str = ""
    error: str = ""
    rows: rx.Field[list[LogRow]] = rx.field(default_factory=list)
    hidden_lines: int = 0  # older lines dropped from view (the run page has them all)
    _generation: int = 0  # bumped to tell a running follower to stop

    @rx.var
    def busy(self) -> bool:
        return self.starting or self.status in ACTIVE

    @rx.event
    def set_event_text(self, text: str):
        self.event_text = text
        self.event_error = run_views.event_json_error(text)

    def forget(self) -> None:
        """Another script is in the editor: its try-out starts empty, and a follower of the last
        script's run stops."""
        self._generation += 1
        self._clear()
        self.event_text, self.event_error, self.starting, self.cancelling = "{}", "", False, False

    def _clear(self) -> None:
        self.tryout_run, self.status, self.installing, self.duration = "", "", False, ""
        self.result, self.error, self.rows, self.hidden_lines = "", "", [], 0

    def _show(self, summary: RunSummary) -> None:
        self.status, self.installing = summary.status, summary.installing
        self.duration = summary.duration if summary.final else ""
        self.result, self.error = summary.result, summary.error

    def _add_rows(self, new: list[LogRow]) -> None:
        if not new:
            return
        rows = run_views.merged(self.rows, new)
        overflow = max(0, len(rows) - run_views.MAX_SHOWN_LINES)
        self.rows, self.hidden_lines = rows[overflow:], self.hidden_lines + overflow

    @rx.event
    async def run(self):
        """Runs the draft as it is in the editor now; a new run clears the previous output."""
        where = await access_of(self)
        if self.starting:  # a run still going may be left behind: following moves on
            return
        self.event_error = run_views.event_json_error(self.event_text)
        if self.event_error:
            return
        draft = await self.get_state(DraftState)
        self._generation += 1
        self._clear()
        self.starting = True
        yield
        try:
            run = await asyncio.to_thread(
                launch.tryout,
                where,
                draft.runtime,
                draft.code,
                list(draft.dependencies),
                list(draft.secret_names),
                run_views.parsed_event(self.event_text),
                timeout_seconds=draft.timeout_seconds,
                memory_mb=draft.memory_mb,
                network=draft.network,
                script_id=uuid.UUID(draft.script_id) if draft.script_id else None,
            )
            summary = await asyncio.to_thread(run_views.summary_of, run)
            draft.detected = await asyncio.to_thread(editor.detected_of_run, run.id)
        except Exception as exc:  # noqa: BLE001 - every failure is told to the person
            if not expected(exc):
                log.warning("try-out did not start: %s", (str(exc).splitlines() or [""])[0])
            self.starting, self.error, self.status = False, told(exc, STARTING), ""
            return
        self.starting, self.tryout_run = False, str(run.id)
        self._show(summary)
        yield TryoutState.follow(str(run.id), self._generation)

    @rx.event(background=True)
    async def follow(self, run_id: str, generation: int, after_seq: int = 0):
        """Shows the run's lines as they are printed, and its status, until it ends or the person leaves."""
        async with self:
            where = await access_of(self)  # a log is data: only while the tab's session lives
            # only the run this tab started: an event sent by hand must not follow someone else's run
            if self._generation != generation or self.tryout_run != run_id:
                return
        try:  # and only a run of the tab's workspace, whatever the tab's vars say
            await asyncio.to_thread(listings.run_of, where, uuid.UUID(run_id))
        except errors.NotFound:
            return
        async with aclosing(live_log.with_summaries(uuid.UUID(run_id), after_seq, SUMMARY_SECONDS)) as stream:
            async for batch, summary in stream:
                async with self:
                    if self._generation != generation:
                        return
                    self._add_rows(batch.rows)
                    if summary is not None:
                        self._show(summary)
                if batch.status is not None:
                    return

    @rx.event
    async def cancel(self):
        where = await access_of(self)
        if not self.tryout_run or self.status not in ACTIVE:
            return
        self.cancelling = True
        yield
        try:
            run_id = uuid.UUID(self.tryout_run)
            await asyncio.to_thread(listings.run_of, where, run_id)
            await asyncio.to_thread(runs.cancel, run_id)
        except errors.NotFound:
            self.error = "This try-out is no longer there to cancel."
        except Exception as exc:  # noqa: BLE001 - Redis or the database blinked
            log.warning("cancel failed: %s", (str(exc).splitlines() or [""])[0])
            self.error = "Cancelling did not go through: a back-end service is not answering. Try again."
        self.cancelling = False

    @rx.event
    def resume(self):
        """The console is shown again (back on the page, or reloaded): follow a run still going."""
        if self.tryout_run and self.status in ACTIVE:
            self._generation += 1
            return TryoutState.follow(self.tryout_run, self._generation, self.rows[-1].seq if self.rows else 0)

    @rx.event
    def clear(self):
        """Stops following and empties the console, e.g. when the editor opens another script."""
        self._generation += 1
        self._clear()
        self.starting = self.cancelling = False

    @rx.event
    def stop_following(self):
        """The console left the page: its follower stops at its next batch."""
        self._generation += 1
