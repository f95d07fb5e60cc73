"""The Error handler card of the Workspace page: which script runs when another of the workspace's
runs fails or a hook call is turned away. Its admins choose; the service checks who may."""

from __future__ import annotations

import asyncio
import logging
import uuid

import reflex as rx

from app.services import error_handler
from app.views import listings
from state.auth import access_of
from state.messages import UNAVAILABLE, told

log = logging.getLogger(__name__)
NONE = "none"  # the select's value for "no handler" (a select item cannot have an empty value)


class ErrorHandlerState(rx.State):
    chosen: str = NONE  # the handler's script id, or NONE
    choices: list[dict[str, str]] = []  # {"id", "name"} of the workspace's scripts
    message: str = ""
    failed: bool = False

    @rx.event
    async def load(self):
        where = await access_of(self)  # outside the try: an ended session goes to the login page
        self.message, self.failed = "", False
        try:
            current = await asyncio.to_thread(error_handler.current, where)
            listed = await asyncio.to_thread(listings.scripts_of, where)
        except Exception as exc:  # noqa: BLE001 - the card says the database is down instead of failing
            log.warning("error handler card: cannot load: %s", (str(exc).splitlines() or [""])[0])
            self.choices, self.message, self.failed = [], UNAVAILABLE, True
            return
        self.choices = [{"id": str(script.id), "name": script.name} for script, _, _ in listed]
        self.chosen = str(current.id) if current else NONE

    @rx.event
    async def choose(self, value: str):
        where = await access_of(self)
        try:
            script_id = None if value == NONE else uuid.UUID(value)
        except ValueError:
            self.message, self.failed = "Not saved: choose one of the workspace's scripts.", True
            return
        try:
            script = await asyncio.to_thread(error_handler.choose, where, script_id)
        except Exception as exc:  # noqa: BLE001 - told in the card
            self.message, self.failed = told(exc, "Not saved"), True
            return
        self.chosen = str(script.id) if script else NONE
        self.message = f"Failures now start {script.name}." if script else "Failures start no script now."
        self.failed = False
