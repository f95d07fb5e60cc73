"""The code being edited in the editor page, shared by the editor (which loads and saves it) and the
try-out console (which runs it unsaved). Both read it with `await self.get_state(DraftState)`."""

from __future__ import annotations

import uuid

import reflex as rx

from app.settings import settings

STARTERS = {
    "node": """// `event.body` is the request body, the JSON you try out with, or null on a schedule.
// Secrets you pick are in process.env; what you return is the run's result.
export default async function handler(event, ctx) {
  console.log("run", ctx.run_id, "received", JSON.stringify(event.body));
  return { ok: true, at: new Date().toISOString() };
}
""",
    "python": """# event["body"] is the request body, the JSON you try out with, or None on a schedule.
# Secrets you pick are in os.environ; what you return is the run's result.
import datetime


def handler(event, ctx):
    print("run", ctx["run_id"], "received", event.get("body"))
    return {"ok": True, "at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
""",
}


class DraftState(rx.State):
    script_id: str = ""  # "" while the script is not saved yet
    runtime: str = "node"
    code: str = STARTERS["node"]
    doc_key: str = "new"  # a new value remounts the editor with `code`
    dependencies: rx.Field[list[str]] = rx.field(default_factory=list)
    secret_names: rx.Field[list[str]] = rx.field(default_factory=list)
    timeout_seconds: int = settings.default_timeout_seconds
    memory_mb: int = settings.default_memory_mb
    network: bool = True

    @rx.event
    def set_code(self, code: str):
        self.code = code

    def load_text(self, code: str) -> None:
        """Replaces the editor's text (another script, a restored version, a starter)."""
        self.code = code
        self.doc_key = uuid.uuid4().hex
