"""Reflex state for the editor's build panel: the current version's dependency build, its status
and its log, followed live by a background event until the build ends."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import aclosing

import reflex as rx

from app.core import errors
from app.core.settings import settings
from app.services.follow import Keepalive, Line
from app.views import build_log, listings
from state.auth import access_of

MAX_LINES = 2000  # the panel keeps the tail of a long log
FLUSH_SECONDS = 0.1  # batch lines so the browser gets at most ~10 updates a second
UNFINISHED = ("queued", "building")


class BuildState(rx.State):
    build_id: str = ""
    status: str = ""  # queued | building | succeeded | failed | "" (no build)
    error: str = ""
    lines: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    following: bool = False
    _token: str = ""  # the follower allowed to write; a new one (or "") stops the old

    def show(self, build_id: str, status: str, error: str) -> bool:
        """Shows a build; returns whether it should be followed (unfinished, or failed with a log)."""
        if build_id != self.build_id:
            self.lines = []
        self.build_id, self.status, self.error, self._token, self.following = build_id, status, error, "", False
        return bool(build_id) and status in (*UNFINISHED, "failed")

    def clear(self) -> None:
        self.show("", "", "")

    def take(self, pending: list[dict[str, str]], item) -> None:
        """Applies what the follower saw: buffered lines and a status or the end."""
        if pending:
            self.lines = (self.lines + pending)[-MAX_LINES:]
        if isinstance(item, build_log.Status):
            self.status = item.status
        elif isinstance(item, build_log.Ended):
            self.status, self.error, self.following, self._token = item.status, item.error, False, ""

    @rx.event(background=True)
    async def follow(self):
        async with self:
            where = await access_of(self)  # a log is data: only while the tab's session lives
            if not self.build_id:
                return
            build_id, token, page = self.build_id, uuid.uuid4().hex, self.router.url.path
            self._token, self.following, self.lines = token, True, []
        try:  # only a build the tab's workspace uses
            await asyncio.to_thread(listings.build_for, where, uuid.UUID(build_id))
        except errors.NotFound:
            async with self:
                self.following, self._token = False, ""
            return
        pending: list[dict[str, str]] = []
        flushed = time.monotonic()
        followed = build_log.follow_build(uuid.UUID(build_id), settings.build_timeout_seconds + 120)
        async with aclosing(followed) as items:
            async for item in items:
                if isinstance(item, Line):
                    pending.append({"stream": item.stream, "line": item.line})
                    if time.monotonic() - flushed < FLUSH_SECONDS:
                        continue
                elif isinstance(item, Keepalive) and not pending:
                    continue
                async with self:
                    if self._token != token:
                        return  # another script was loaded, or a newer follower took over
                    if self.router.url.path != page:
                        self._token, self.following = "", False  # the person left the editor
                        return
                    self.take(pending, item)
                pending, flushed = [], time.monotonic()
