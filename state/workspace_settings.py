"""The Workspace page: the tab's workspace's own settings (its Infisical connection), for its admins.
Every handler delegates to app.services.workspace_infisical, which checks the role each time; the page
only learns whether a client secret is set, never the secret."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from app.core import errors
from app.services import workspace_infisical
from app.services.access import Access
from state.auth import access_of
from state.messages import UNAVAILABLE, told
from state.settings import infisical_form_values

log = logging.getLogger(__name__)


def uses_line(found: workspace_infisical.Status) -> str:
    """What the workspace's runs use, in a sentence for the page."""
    if found.uses == "own":
        return "Runs in this workspace use its own connection below."
    if found.uses == "default":
        return (
            f"Runs in this workspace use the installation's default connection ({found.default_where}). "
            "Save a connection below to use the workspace's own instead."
        )
    return (
        "Neither this workspace nor the installation has an Infisical connection: runs get only the "
        "built-in store's secrets."
    )


class WorkspaceSettingsState(rx.State):
    loaded: bool = False
    admin: bool = False  # the server found the tab's user an admin of the tab's workspace
    refused: str = ""  # why a member who is not an admin sees no settings
    load_error: str = ""
    infisical: dict[str, str] = {}  # the workspace's own connection's plain fields
    infisical_configured: bool = False  # the workspace has its own connection
    infisical_secret_set: bool = False
    uses: str = ""  # "own", "default" or "none": what the workspace's runs use
    uses_text: str = ""
    revision: rx.Field[int] = rx.field(0)  # changes when stored values are reloaded, so the form shows them afresh
    messages: dict[str, str] = {}  # "infisical" (save, disconnect) and "infisical-test": what happened
    failed: dict[str, bool] = {}
    busy: str = ""  # the action that is running

    @rx.event
    async def load(self):
        self.messages, self.failed = {}, {}
        await self._refresh(await access_of(self))
        self.loaded = True

    async def _refresh(self, where: Access) -> None:
        try:
            found = await asyncio.to_thread(workspace_infisical.status, where)
        except errors.Forbidden as exc:
            self._show(None)
            self.refused = str(exc)[:1].upper() + str(exc)[1:]
            return
        except Exception as exc:  # noqa: BLE001 - the page says the database is down instead of failing
            log.warning("workspace page: cannot load: %s", (str(exc).splitlines() or [""])[0])
            self._show(None)
            self.load_error = UNAVAILABLE
            return
        self._show(found)

    def _show(self, found: workspace_infisical.Status | None) -> None:
        """The workspace's settings, or nothing of them (not an admin, or the database is down)."""
        own = found.own if found else {"configured": False, "client_secret_set": False}
        self.admin, self.refused, self.load_error = found is not None, "", ""
        self.infisical = infisical_form_values(own)
        self.infisical_configured, self.infisical_secret_set = own["configured"], own["client_secret_set"]
        self.uses, self.uses_text = (found.uses, uses_line(found)) if found else ("", "")
        self.revision += 1

    def _say(self, section: str, message: str, failed: bool) -> None:
        self.messages = {**self.messages, section: message}
        self.failed = {**self.failed, section: failed}

    async def _change(self, failed: str, change: Callable[..., Any], *args: Any) -> bool:
        """Runs a change of the workspace's settings; says why it did not happen in the form."""
        where = await access_of(self)
        try:
            await asyncio.to_thread(change, where, *args)
        except Exception as exc:  # noqa: BLE001 - told in the form; the page stays usable
            if not isinstance(exc, errors.RunpadError):
                log.warning("workspace page: %s", (str(exc).splitlines() or [""])[0])
            self._say("infisical", told(exc, failed), True)
            return False
        await self._refresh(where)
        return True

    @rx.event
    async def save_infisical(self, form: dict):
        self.busy = "infisical"
        yield
        saved = await self._change("Not saved", workspace_infisical.connect, form)
        self.busy = ""
        if saved:
            self._say("infisical", "Saved: runs in this workspace use this connection.", False)
            yield rx.set_value("infisical-client-secret", "")
            yield WorkspaceSettingsState.test_infisical

    @rx.event
    async def test_infisical(self):
        where = await access_of(self)
        self.busy = "infisical-test"
        self._say("infisical-test", "Testing the connection…", False)
        yield
        try:
            ok, message = await asyncio.to_thread(workspace_infisical.check, where)
        except Exception as exc:  # noqa: BLE001 - told beside the button
            ok, message = False, told(exc, "Not tested")
        self.busy = ""
        self._say("infisical-test", message, not ok)

    @rx.event
    async def disconnect_infisical(self):
        if await self._change("Not disconnected", workspace_infisical.disconnect):
            self._say("infisical", "Disconnected. " + self.uses_text, False)
            self._say("infisical-test", "", False)
