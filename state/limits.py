"""Reflex state for the editor's limits panel: the timeout, memory and retry boxes as typed, checked as
the person types; valid values go to DraftState, where the editor's save and the try-out read them."""

from __future__ import annotations

import reflex as rx

from app.services import limits, scripts
from app.views import editor
from state.draft import DraftState

# box -> (the DraftState field it sets, its label in messages, its bounds)
BOXES = {
    "timeout": ("timeout_seconds", "The timeout (seconds)", limits.TIMEOUT_RANGE),
    "memory": ("memory_mb", "The memory (MB)", limits.MEMORY_RANGE),
    "retries": ("retry_count", "Retries", scripts.RETRY_RANGE),
    "backoff": ("retry_backoff_seconds", "The backoff (seconds)", scripts.BACKOFF_RANGE),
}


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
        for box, (field, _, _) in BOXES.items():
            setattr(self, f"{box}_text", str(getattr(draft, field)))
            setattr(self, f"{box}_error", "")

    async def _typed(self, box: str, text: str) -> None:
        """A box as typed: a valid value goes to the draft, anything else is said under the box."""
        setattr(self, f"{box}_text", text)
        field, label, bounds = BOXES[box]
        draft = await self.get_state(DraftState)
        try:
            setattr(draft, field, editor.parse_limit(text, label, bounds))
            setattr(self, f"{box}_error", "")
        except scripts.ScriptError as exc:
            setattr(self, f"{box}_error", str(exc))

    @rx.event
    async def set_timeout(self, text: str):
        await self._typed("timeout", text)

    @rx.event
    async def set_memory(self, text: str):
        await self._typed("memory", text)

    @rx.event
    async def set_retries(self, text: str):
        await self._typed("retries", text)

    @rx.event
    async def set_backoff(self, text: str):
        await self._typed("backoff", text)

    @rx.event
    async def set_network(self, value: bool):
        draft = await self.get_state(DraftState)
        draft.network = bool(value)
