"""Reflex state for the editor's trigger panel: manual, HTTP hook (auth, URL, rotation, the one-time
secret) or schedule (cron or interval, timezone, and a live preview of the next ticks)."""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx

from app.core import errors
from app.services import schedules, scripts
from app.views import editor, overview
from state.auth import access_of
from state.draft import DraftState

DEFAULT_CRON = "0 * * * *"
DEFAULT_INTERVAL = "300"


class TriggerState(rx.State):
    trigger_type: str = "manual"
    http_auth: str = "none"
    schedule_kind: str = "cron"
    cron: str = DEFAULT_CRON
    interval_text: str = DEFAULT_INTERVAL
    timezone: str = "UTC"
    enabled: bool = True
    description: str = ""
    next_times: list[str] = []
    schedule_error: str = ""
    hook_url: str = ""  # the saved script's, "" until it is saved with an http trigger
    hook_secret: str = ""  # the one-time display right after a secret is generated, never re-read
    rotating: bool = False
    rotate_error: str = ""
    _secret_for: str = ""  # the script the shown secret belongs to
    _keep_secret: bool = False  # survive the one page load after creating the script

    def spec(self) -> dict:
        """The trigger to save; ScheduleError when the schedule cannot be used."""
        if self.trigger_type == "schedule":
            return editor.schedule_trigger(self.schedule_kind, self.cron, self.interval_text, self.timezone)
        return editor.trigger_of(self.trigger_type, self.http_auth)

    def refresh_preview(self) -> None:
        shown = editor.preview(self.schedule_kind, self.cron, self.interval_text, self.timezone)
        self.description, self.next_times, self.schedule_error = shown.description, shown.times, shown.error

    def reset_for_new(self) -> None:
        self.trigger_type, self.http_auth, self.schedule_kind = "manual", "none", "cron"
        self.cron, self.interval_text, self.timezone, self.enabled = DEFAULT_CRON, DEFAULT_INTERVAL, "UTC", True
        self.hook_url, self.hook_secret, self._secret_for, self.rotate_error = "", "", "", ""
        self.refresh_preview()

    def show_example(self, trigger: dict) -> None:
        """A new script's trigger as an example gives it (the form scripts.create takes)."""
        self.reset_for_new()
        self.trigger_type, self.http_auth = trigger["type"], trigger.get("http_auth", "none")
        if trigger.get("interval_seconds") is not None:
            self.schedule_kind, self.interval_text = "interval", str(trigger["interval_seconds"])
        self.cron, self.timezone = trigger.get("cron") or DEFAULT_CRON, trigger.get("timezone", "UTC")
        self.refresh_preview()

    def show_saved(self, loaded: editor.Loaded) -> None:
        """The trigger of a saved script; a secret generated for this very script stays on screen."""
        self.trigger_type, self.http_auth, self.enabled = (
            loaded.fields.trigger["type"],
            loaded.http_auth,
            loaded.fields.enabled,
        )
        self.schedule_kind, self.timezone = loaded.schedule_kind, loaded.timezone
        self.cron = loaded.cron or DEFAULT_CRON
        self.interval_text = str(loaded.interval_seconds) if loaded.interval_seconds is not None else DEFAULT_INTERVAL
        self.hook_url, self.rotate_error = loaded.hook_url, ""
        if not (self._keep_secret and self._secret_for == loaded.id):
            self.hook_secret, self._secret_for = "", ""
        self._keep_secret = False
        self.refresh_preview()

    def show_secret(self, script_id: str, secret: str | None, keep_for_next_load: bool = False) -> None:
        """Shows a just-generated secret; `keep_for_next_load` when a redirect to the script follows."""
        if secret:
            self.hook_secret, self._secret_for, self._keep_secret = secret, script_id, keep_for_next_load

    @rx.event
    def set_trigger_type(self, value: str | list[str]):
        if value in scripts.TRIGGERS:
            self.trigger_type = value
            self.refresh_preview()

    @rx.event
    def set_http_auth(self, value: str):
        if value in scripts.HTTP_AUTH:
            self.http_auth = value

    @rx.event
    def set_schedule_kind(self, value: str | list[str]):
        if value in editor.SCHEDULE_KINDS:
            self.schedule_kind = value
            self.refresh_preview()

    @rx.event
    def set_cron(self, value: str):
        self.cron = value
        self.refresh_preview()

    @rx.event
    def set_interval_text(self, value: str):
        self.interval_text = value
        self.refresh_preview()

    @rx.event
    def set_timezone(self, value: str):
        self.timezone = value.strip()
        self.refresh_preview()

    @rx.event
    def set_enabled(self, value: bool):
        self.enabled = bool(value)

    @rx.event
    def dismiss_secret(self):
        self.hook_secret, self._secret_for = "", ""

    @rx.event
    async def rotate_hook(self):
        """A new hook URL (the old one stops at once) and, with bearer/HMAC auth, a new secret."""
        where = await access_of(self)
        draft = await self.get_state(DraftState)
        if not draft.script_id:
            return
        self.rotating, self.rotate_error = True, ""
        yield
        try:
            script, secret = await asyncio.to_thread(scripts.rotate_hook_token, where, uuid.UUID(draft.script_id))
        except (scripts.ScriptError, errors.NotFound) as exc:
            self.rotating, self.rotate_error = False, f"Could not rotate the hook URL: {exc}. Save the script first."
            return
        self.rotating, self.hook_url = False, overview.hook_url(script)
        self.hook_secret, self._secret_for = (secret, draft.script_id) if secret else ("", "")
        yield rx.toast.success("New hook URL: the old one no longer answers.", duration=4000)


def timezone_names() -> list[str]:
    """Every IANA name a schedule may use, sorted, for the timezone box's suggestions."""
    return sorted(schedules.timezones())
