"""The code being edited in the editor page, shared by the editor (which loads and saves it) and the
try-out console (which runs it unsaved). Both read it with `await self.get_state(DraftState)`."""

from __future__ import annotations

import uuid

import reflex as rx

from app.core import runtimes
from app.core.settings import settings

STARTERS = {name: row.starter for name, row in runtimes.RUNTIMES.items()}  # a new script's code


class DraftState(rx.State):
    script_id: str = ""  # "" while the script is not saved yet
    runtime: str = runtimes.DEFAULT.name.value
    code: str = runtimes.DEFAULT.starter
    doc_key: str = "new"  # a new value remounts the editor with `code`
    dependencies: rx.Field[list[str]] = rx.field(default_factory=list)
    # packages the code imports without declaring them, as the last save or try-out pinned them
    detected: rx.Field[list[str]] = rx.field(default_factory=list)
    secret_names: rx.Field[list[str]] = rx.field(default_factory=list)
    timeout_seconds: int = settings.default_timeout_seconds
    memory_mb: int = settings.default_memory_mb
    network: bool = True
    retry_count: int = 0
    retry_backoff_seconds: int = 60

    @rx.event
    def set_code(self, code: str):
        self.code = code

    def load_text(self, code: str) -> None:
        """Replaces the editor's text (another script, a restored version, a starter)."""
        self.code = code
        self.doc_key = uuid.uuid4().hex
