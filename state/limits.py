"""Reflex state for the editor's limits panel: the timeout and memory boxes as typed, checked as
the person types; valid values go to DraftState, where the editor's save and the try-out read them."""

from __future__ import annotations

import reflex as rx

from app.services import limits, scripts
from app.views import editor
from state.draft import DraftState


class LimitsState(rx.State):
    timeout_text: str = ""
    memory_text: str = ""
    retries_text: str = ""
    backoff_text: str = ""
    timeout_error: str = ""
    memory_error: str = ""
    retries_error: str = ""
    backoff_error: str = ""

    @rx.var
    def error(self) -> str:
        """What is wrong with the limits as typed; Save refuses while it is not empty."""
        return self.timeout_error or self.memory_error or self.retries_error or self.backoff_error

    def show(self, draft: DraftState) -> None:
        self.timeout_text, self.memory_text = str(draft.timeout_seconds), str(draft.memory_mb)
        self.retries_text, self.backoff_text = str(draft.retry_count), str(draft.retry_backoff_seconds)
        self.timeout_error = self.memory_error = self.retries_error = self.backoff_error = ""

    @rx.event
    async def set_retries(self, text: str):
        self.retries_text = text
        draft = await self.get_state(DraftState)
        try:
            draft.retry_count = editor.parse_limit(text, "Retries", scripts.RETRY_RANGE)
            self.retries_error = ""
        except scripts.ScriptError as exc:
            self.retries_error = str(exc)

    @rx.event
    async def set_backoff(self, text: str):
        self.backoff_text = text
        draft = await self.get_state(DraftState)
        try:
            draft.retry_backoff_seconds = editor.parse_limit(text, "The backoff (seconds)", scripts.BACKOFF_RANGE)
            self.backoff_error = ""
        except scripts.ScriptError as exc:
            self.backoff_error = str(exc)

    @rx.event
    async def set_timeout(self, text: str):
        self.timeout_text = text
        draft = await self.get_state(DraftState)
        try:
            draft.timeout_seconds = editor.parse_limit(text, "The timeout (seconds)", limits.TIMEOUT_RANGE)
            self.timeout_error = ""
        except scripts.ScriptError as exc:
            self.timeout_error = str(exc)

    @rx.event
    async def set_memory(self, text: str):
        self.memory_text = text
        draft = await self.get_state(DraftState)
        try:
            draft.memory_mb = editor.parse_limit(text, "The memory (MB)", limits.MEMORY_RANGE)
            self.memory_error = ""
        except scripts.ScriptError as exc:
            self.memory_error = str(exc)

    @rx.event
    async def set_network(self, value: bool):
        draft = await self.get_state(DraftState)
        draft.network = bool(value)
