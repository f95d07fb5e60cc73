"""The dependency picker: a package name, registry version suggestions for it, a picked or typed
version and how to pin it, added to DraftState.dependencies (the list the editor saves)."""

from __future__ import annotations

import asyncio

import reflex as rx

from app.integrations import package_versions
from app.services import dependencies
from app.services.dependencies import DependencyError
from state.draft import DraftState

LOOKUP_DEBOUNCE_MS = 350


def with_spec(runtime: str, current: list[str], spec: str) -> list[str]:
    """current plus spec, replacing any spec for the same package; normalised and sorted, or
    DependencyError (too many, invalid)."""
    name = dependencies.package_name(runtime, spec)
    kept = [d for d in current if _name_or_none(runtime, d) != name]
    return dependencies.normalise(runtime, [*kept, spec])


def without_spec(runtime: str, current: list[str], spec: str) -> list[str]:
    return [d for d in current if d != spec]


def _name_or_none(runtime: str, spec: str) -> str | None:
    try:
        return dependencies.package_name(runtime, spec)
    except Exception:  # noqa: BLE001 - an unparsable entry never matches a name
        return None


class DepsState(rx.State):
    name: str = ""
    version: str = ""
    mode: str = "exact"  # a key of package_versions.PIN_MODES[runtime]
    versions: rx.Field[list[str]] = rx.field(default_factory=list)
    latest: str = ""
    lookup_error: str = ""
    looking_up: bool = False
    name_error: str = ""
    add_error: str = ""

    @rx.var
    async def rows(self) -> list[dict[str, str]]:
        """The draft's dependencies as the list shows them: name, version part, pinned or range."""
        draft = await self.get_state(DraftState)
        return [package_versions.describe(draft.runtime, spec) for spec in draft.dependencies]

    @rx.var
    async def detected_rows(self) -> list[dict[str, str]]:
        """Packages the code imports without declaring them (as the last save or try-out pinned
        them), minus any declared since: a declared dependency always wins."""
        draft = await self.get_state(DraftState)
        declared = {_name_or_none(draft.runtime, d) for d in draft.dependencies}
        return [
            package_versions.describe(draft.runtime, spec)
            for spec in draft.detected
            if _name_or_none(draft.runtime, spec) not in declared
        ]

    @rx.var
    async def runtime(self) -> str:
        draft = await self.get_state(DraftState)
        return draft.runtime

    @rx.var
    async def pin_mode(self) -> str:
        """The chosen pin mode, or exact when it is not one the current runtime has."""
        draft = await self.get_state(DraftState)
        return self.mode if self.mode in package_versions.PIN_MODES.get(draft.runtime, {}) else "exact"

    @rx.var
    async def preview(self) -> str:
        """The spec Add would put in the list, or "" while the fields do not make one."""
        draft = await self.get_state(DraftState)
        if not self.name.strip():
            return ""
        try:
            return package_versions.spec_for(draft.runtime, self.name, self.version, self.mode)
        except DependencyError:
            return ""

    @rx.event
    def set_name(self, value: str):
        if self.version and self.version == self.latest:  # filled in for the previous name, not typed
            self.version = ""
        self.name, self.name_error, self.add_error = value, "", ""
        self.versions, self.latest, self.lookup_error = [], "", ""
        self.looking_up = bool(value.strip())
        if value.strip():
            return DepsState.look_up

    @rx.event
    def set_version(self, value: str):
        self.version, self.add_error = value, ""

    @rx.event
    def pick_version(self, value: str):
        self.version, self.add_error = value, ""

    @rx.event
    def set_mode(self, value: str):
        self.mode = value

    @rx.event(background=True)
    async def look_up(self):
        """Suggestions for the name as typed; an answer for a name since changed is dropped."""
        async with self:
            draft = await self.get_state(DraftState)
            runtime, name = draft.runtime, self.name.strip()
        if not name:
            return
        found = await asyncio.to_thread(package_versions.suggest, runtime, name)
        async with self:
            if self.name.strip() != name:
                return
            self.looking_up = False
            self.versions, self.latest = found.versions, found.latest
            # a dead registry is no reason to stop: the version can be typed; anything else is about the name
            unreachable = found.error == package_versions.UNREACHABLE
            self.lookup_error, self.name_error = (found.error, "") if unreachable else ("", found.error)
            if found.latest and not self.version:
                self.version = found.latest

    @rx.event
    async def submit(self, form: dict):
        """Add from the form; its fields hold what was typed even if the debounced change is still pending."""
        self.name, self.version = str(form.get("dep_name", self.name)), str(form.get("dep_version", self.version))
        await self._add()

    @rx.event
    async def add(self):
        await self._add()

    async def _add(self) -> None:
        draft = await self.get_state(DraftState)
        if self.mode not in package_versions.PIN_MODES.get(draft.runtime, {}):
            self.mode = "exact"
        try:
            spec = package_versions.spec_for(draft.runtime, self.name, self.version, self.mode)
        except DependencyError as exc:
            self.add_error = str(exc)
            return
        # a name the registry says it does not have would only fail the build later; a registry
        # that does not answer is no reason to refuse (the version was typed by hand)
        found = await asyncio.to_thread(package_versions.suggest, draft.runtime, self.name)
        if found.error and found.error != package_versions.UNREACHABLE:
            self.add_error = found.error
            return
        try:
            draft.dependencies = with_spec(draft.runtime, draft.dependencies, spec)
        except DependencyError as exc:
            self.add_error = str(exc)
            return
        self.name = self.version = self.add_error = self.name_error = self.lookup_error = self.latest = ""
        self.versions, self.looking_up = [], False

    @rx.event
    async def pin(self, spec: str):
        """Makes a detected package a declared dependency at the version it was pinned to."""
        draft = await self.get_state(DraftState)
        if spec not in draft.detected:
            return
        try:
            draft.dependencies = with_spec(draft.runtime, draft.dependencies, spec)
        except DependencyError as exc:
            self.add_error = str(exc)

    @rx.event
    async def remove(self, spec: str):
        draft = await self.get_state(DraftState)
        draft.dependencies = without_spec(draft.runtime, draft.dependencies, spec)
