"""Reflex state for the editor page: loading a script (or a new one, blank or from an example) into the
draft and the panels, saving it (create or update, then its dependency build), deleting it, and whether
it has unsaved changes."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid

import reflex as rx

from app.core import errors, runtimes
from app.services import defaults, deploys, examples, schedules, scripts
from app.views import editor, run_views
from state.auth import access_of
from state.build import BuildState
from state.draft import STARTERS, DraftState
from state.limits import LimitsState
from state.trigger import TriggerState
from state.tryout import TryoutState

log = logging.getLogger(__name__)

# Input the person can fix: the message says what to change.
GONE = "This script no longer exists (it was deleted, perhaps in another tab). Copy your code before you leave."
UNAVAILABLE = "Could not save: the database is not answering. Your changes are still here; try again in a moment."


class EditorState(rx.State):
    loaded: bool = False
    not_found: bool = False
    name: str = ""
    version: int = 0
    error: str = ""
    saving: bool = False
    deleting: bool = False
    deploying: bool = False
    live_version: int = 0  # 0 while no version is live
    deploy_error: str = ""
    is_draft: bool = False  # the newest version is a draft
    waiting_to_go_live: bool = False  # saved while its build ran: the build's success puts it live
    can_save_draft: bool = False  # the last save was refused because the code does not parse
    saved_count: int = 0  # bumped at each load and save, so `unsaved` is recomputed
    _saved: dict = {}  # the saved script's editable fields (editor.Fields as a dict)
    _saved_form: list = []  # the form as it was after the last load or save

    @rx.var
    async def unsaved(self) -> bool:
        """Whether the form differs from the saved script (always false for a new one: see the page).
        The fields are read here one by one, as in _form, because Reflex finds which vars of other
        states a computed var depends on by reading its own code."""
        draft = await self.get_state(DraftState)
        trigger = await self.get_state(TriggerState)
        form = [
            self.name,
            draft.code,
            draft.dependencies,
            draft.secret_names,
            draft.timeout_seconds,
            draft.memory_mb,
            draft.network,
            draft.retry_count,
            draft.retry_backoff_seconds,
            trigger.trigger_type,
            trigger.http_auth,
            trigger.schedule_kind,
            trigger.cron,
            trigger.interval_text,
            trigger.timezone,
            trigger.enabled,
        ]
        return bool(self.saved_count) and bool(draft.script_id) and _comparable(form) != self._saved_form

    @rx.var
    async def deploy_state(self) -> str:
        build = await self.get_state(BuildState)
        return editor.deploy_label(
            self.live_version, self.version, self.is_draft, build.status, self.waiting_to_go_live
        )

    @rx.var
    async def deployable(self) -> bool:
        """The version being edited could be put live by hand: a draft, or a rolled-back newer one."""
        build = await self.get_state(BuildState)
        return (
            bool(self.version)
            and self.live_version != self.version
            and build.status == "succeeded"
            and (self.is_draft or not self.waiting_to_go_live)
        )

    @rx.var
    async def new_unsaved(self) -> bool:
        """A new script with a name or code typed: nothing of it is saved yet."""
        draft = await self.get_state(DraftState)
        return not draft.script_id and (bool(self.name.strip()) or draft.code != STARTERS.get(draft.runtime, ""))

    async def _form(self) -> list:
        draft = await self.get_state(DraftState)
        trigger = await self.get_state(TriggerState)
        return _comparable(
            [
                self.name,
                draft.code,
                draft.dependencies,
                draft.secret_names,
                draft.timeout_seconds,
                draft.memory_mb,
                draft.network,
                draft.retry_count,
                draft.retry_backoff_seconds,
                trigger.trigger_type,
                trigger.http_auth,
                trigger.schedule_kind,
                trigger.cron,
                trigger.interval_text,
                trigger.timezone,
                trigger.enabled,
            ]
        )

    async def _remember_form(self) -> None:
        self._saved_form = await self._form()
        self.saved_count += 1

    @rx.event
    def set_name(self, value: str):
        self.name = value

    @rx.event
    async def set_runtime(self, runtime: str):
        """Only for a new script; an untouched starter becomes the other runtime's starter."""
        draft = await self.get_state(DraftState)
        if draft.script_id or runtime not in STARTERS or runtime == draft.runtime:
            return
        untouched = draft.code == STARTERS[draft.runtime]
        draft.runtime = runtime
        if untouched:
            draft.load_text(STARTERS[runtime])

    @rx.event
    async def load(self):
        """on_load of /scripts/new and /scripts/[script_id]."""
        where = await access_of(self)
        raw_id = script_id_in(self.router.url.path)
        draft = await self.get_state(DraftState)
        if not raw_id or raw_id != draft.script_id:
            self.loaded = False  # a spinner, not the last script's code, while this one loads
            yield
        self.error, self.saving, self.deleting, self.not_found = "", False, False, False
        if not raw_id:
            await self._start_new()
            self.loaded = True
            return
        try:
            loaded = await asyncio.to_thread(editor.load, where, uuid.UUID(raw_id))
        except (ValueError, errors.NotFound):
            draft.script_id = ""  # nothing on this page may act on another script
            (await self.get_state(BuildState)).clear()
            self.not_found, self.loaded = True, True
            return
        follow = await self._show(loaded)
        self.loaded = True
        if follow:
            yield BuildState.follow

    async def _start_new(self) -> None:
        chosen = await asyncio.to_thread(defaults.limits)
        draft = await self.get_state(DraftState)
        draft.script_id, draft.runtime, draft.dependencies, draft.secret_names = "", runtimes.DEFAULT.name.value, [], []
        draft.detected = []
        draft.timeout_seconds, draft.memory_mb, draft.network = chosen.timeout_seconds, chosen.memory_mb, chosen.network
        draft.retry_count, draft.retry_backoff_seconds = 0, 60
        (await self.get_state(TryoutState)).forget()
        draft.load_text(runtimes.DEFAULT.starter)
        self.name, self.version, self._saved = "", 0, {}
        self.live_version, self.deploy_error, self.is_draft, self.waiting_to_go_live = 0, "", False, False
        (await self.get_state(TriggerState)).reset_for_new()
        (await self.get_state(LimitsState)).show(draft)
        (await self.get_state(BuildState)).clear()
        example = examples.find(str(self.router.url.query_parameters.get("example", "")))
        if example is not None:
            await self._start_from(example)
        await self._remember_form()

    async def _start_from(self, example: examples.Example) -> None:
        """A new script that starts as the example: its name, runtime, code, packages, secrets,
        trigger and an event to try it with."""
        draft = await self.get_state(DraftState)
        draft.runtime = example.runtime
        draft.dependencies, draft.secret_names = list(example.dependencies), list(example.secrets)
        draft.load_text(example.code)
        self.name = example.script_name
        (await self.get_state(TriggerState)).show_example(example.trigger)
        tryout = await self.get_state(TryoutState)
        tryout.event_text, tryout.event_error = run_views.pretty_json(example.event), ""

    async def _show(self, loaded: editor.Loaded) -> bool:
        """Puts a saved script in the draft and panels; returns whether its build should be followed."""
        draft = await self.get_state(DraftState)
        fields = loaded.fields
        if draft.script_id != loaded.id:
            (await self.get_state(TryoutState)).forget()
        if draft.script_id != loaded.id or draft.code != fields.code:
            draft.load_text(fields.code)  # remount the editor only when the text is another
        draft.script_id, draft.runtime = loaded.id, loaded.runtime
        draft.dependencies, draft.secret_names = list(fields.dependencies), list(fields.secrets)
        draft.detected = list(loaded.detected)
        draft.timeout_seconds, draft.memory_mb, draft.network = fields.timeout_seconds, fields.memory_mb, fields.network
        draft.retry_count, draft.retry_backoff_seconds = fields.retries["count"], fields.retries["backoff_seconds"]
        self.name, self.version, self._saved = fields.name, loaded.version, dataclasses.asdict(fields)
        self.live_version, self.deploy_error, self.is_draft = loaded.deployed_version, loaded.deploy_error, loaded.draft
        building = loaded.build_status in ("queued", "building")
        self.waiting_to_go_live = not loaded.draft and loaded.deployed_version != loaded.version and building
        (await self.get_state(TriggerState)).show_saved(loaded)
        (await self.get_state(LimitsState)).show(draft)
        await self._remember_form()
        return (await self.get_state(BuildState)).show(loaded.build_id, loaded.build_status, loaded.build_error)

    async def _fields(self) -> editor.Fields:
        """The form as the fields to save; ScheduleError or ScriptError when it cannot be saved."""
        limits = await self.get_state(LimitsState)
        if limits.error:
            raise scripts.ScriptError(limits.error)
        if not self.name.strip():
            raise scripts.ScriptError("Give the script a name (the box at the top left), then save.")
        draft = await self.get_state(DraftState)
        trigger = await self.get_state(TriggerState)
        try:
            spec = trigger.spec()
        except schedules.ScheduleError as exc:
            raise schedules.ScheduleError(f"The schedule cannot be saved: {exc}") from None
        return editor.Fields(
            self.name,
            draft.code,
            list(draft.dependencies),
            list(draft.secret_names),
            spec,
            draft.timeout_seconds,
            draft.memory_mb,
            draft.network,
            trigger.enabled,
            {"count": draft.retry_count, "backoff_seconds": draft.retry_backoff_seconds},
        )

    @rx.event
    async def save(self):
        async for event in self._save(as_draft=False):
            yield event

    @rx.event
    async def save_draft(self):
        """Keeps code that does not parse (or is not ready) as a draft: saved, never put live by itself."""
        async for event in self._save(as_draft=True):
            yield event

    async def _save(self, as_draft: bool):
        where = await access_of(self)
        if self.saving or not self.loaded or self.not_found:
            return
        draft = await self.get_state(DraftState)
        try:
            fields = await self._fields()
        except errors.InvalidInput as exc:
            self.error, self.can_save_draft = str(exc), False
            return
        self.saving, self.error, self.can_save_draft = True, "", False
        yield
        try:
            if draft.script_id:
                saved = await asyncio.to_thread(
                    editor.update, where, uuid.UUID(draft.script_id), editor.Fields(**self._saved), fields, as_draft
                )
            else:
                saved = await asyncio.to_thread(editor.create, where, draft.runtime, fields, as_draft)
        except errors.InvalidInput as exc:
            self.saving, self.error = False, str(exc)
            self.can_save_draft = isinstance(exc, deploys.DoesNotParse)
            return
        except errors.NotFound:
            self.saving, self.error = False, GONE
            return
        except Exception:  # noqa: BLE001 - keep the draft and say what to do
            log.warning("saving a script failed", exc_info=True)
            self.saving, self.error = False, UNAVAILABLE
            return
        async for event in self._after_save(saved, new=not draft.script_id):
            yield event

    async def _after_save(self, saved: scripts.Saved, new: bool):
        """Keeps a new hook secret on screen and shows the saved script: a new one by going to its
        own URL, whose on_load shows it."""
        script_id = str(saved.script.id)
        trigger = await self.get_state(TriggerState)
        trigger.show_secret(script_id, saved.hook_secret, keep_for_next_load=new)
        self.saving = False
        if new:
            yield rx.redirect(f"/scripts/{script_id}")
            return
        where = await access_of(self)
        loaded = await asyncio.to_thread(editor.load, where, saved.script.id)
        secret = trigger.hook_secret
        follow = await self._show(loaded)
        trigger.hook_secret = secret  # a secret this save generated stays on screen
        kept = " as a draft (not live)" if loaded.draft else ""
        yield rx.toast.success(f"Saved as version {loaded.version}{kept}", duration=2500)
        if follow:
            yield BuildState.follow

    @rx.event
    async def deploy(self):
        """Puts the version being edited live (a draft, or a newer version after a rollback)."""
        where = await access_of(self)
        draft = await self.get_state(DraftState)
        if self.deploying or not draft.script_id or not self.version:
            return
        self.deploying, self.error = True, ""
        yield
        try:
            await asyncio.to_thread(scripts.deploy, where, uuid.UUID(draft.script_id), self.version)
            loaded = await asyncio.to_thread(editor.load, where, uuid.UUID(draft.script_id))
        except (errors.InvalidInput, errors.Conflict, errors.NotFound) as exc:
            self.deploying, self.error = False, str(exc)
            return
        self.deploying = False
        self.live_version, self.deploy_error = loaded.deployed_version, loaded.deploy_error
        self.waiting_to_go_live = False
        yield rx.toast.success(f"Version {self.version} is live", duration=2500)

    @rx.event
    async def delete(self):
        where = await access_of(self)
        draft = await self.get_state(DraftState)
        if not draft.script_id:
            return
        self.deleting = True
        yield
        try:
            await asyncio.to_thread(scripts.delete, where, uuid.UUID(draft.script_id))
        except errors.NotFound:
            pass  # already gone: the list is where the person wanted to go
        except Exception:  # noqa: BLE001
            log.warning("deleting a script failed", exc_info=True)
            self.deleting, self.error = False, "Could not delete: the database is not answering. Try again in a moment."
            return
        self.deleting = False
        draft.script_id = ""
        yield rx.toast.success(f"Deleted \u201c{self.name}\u201d", duration=3000)
        yield rx.redirect("/scripts")


def script_id_in(path: str) -> str:
    """The id in /scripts/<id> (what the page's [script_id] matched); "" for /scripts/new."""
    parts = path.strip("/").split("/")
    return parts[1] if len(parts) == 2 and parts[0] == "scripts" and parts[1] != "new" else ""


def _comparable(form: list) -> list:
    """The form with lists copied, so a later change to the state's lists does not change it."""
    return [list(value) if isinstance(value, (list, tuple)) else value for value in form]
