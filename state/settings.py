"""The Settings page: Infisical, CloudWatch, the registries, default limits and log retention. Each
section saves on its own through its service. Admins change settings, everyone else reads them;
credentials are write-only: the page learns only whether one is set."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from app.core import errors
from app.core.settings import settings
from app.integrations import cloudwatch, infisical, registry_probe
from app.services import defaults, log_retention, users
from state.auth import user_id_of

log = logging.getLogger(__name__)
DB_DOWN = "the database is not answering: try again in a moment"


def whole_number(value: Any, label: str) -> int:
    text = str(value if value is not None else "").strip()
    if not text.lstrip("-").isdigit():
        raise ValueError(f"the {label} must be a whole number")
    return int(text)


def save_limits(form: dict) -> defaults.Limits:
    """set_limits from the form's fields; a switch submits "on" when on and nothing when off."""
    return defaults.set_limits(
        whole_number(form.get("timeout_seconds"), "default timeout"),
        whole_number(form.get("memory_mb"), "default memory"),
        form.get("network") == "on",
    )


def save_retention(form: dict) -> int:
    days = whole_number(form.get("retention_days"), "retention")
    log_retention.set_retention_days(days)
    return days


def save_infisical(form: dict) -> None:
    infisical.configure_from(form)


def infisical_form_values(info: dict[str, Any]) -> dict[str, str]:
    """What infisical.config shows, as the Infisical form's field values."""
    values = {name: str(info.get(name) or "") for name in infisical.FIELDS}
    return {**values, "secret_path": values["secret_path"] or "/"}


def save_cloudwatch(form: dict) -> None:
    cloudwatch.configure(
        str(form.get("region", "")).strip(),
        str(form.get("log_group", "")).strip(),
        str(form.get("access_key_id", "")).strip() or None,
        str(form.get("secret_access_key", "")) or None,
    )


def snapshot() -> dict[str, Any]:
    """Everything the page shows, credentials reduced to set / not set."""
    limits = defaults.limits()
    return {
        "infisical": infisical.config(),
        "cloudwatch": cloudwatch.config() or {},
        "limits": {"timeout_seconds": limits.timeout_seconds, "memory_mb": limits.memory_mb, "network": limits.network},
        "retention_days": log_retention.retention_days(),
    }


class SettingsState(rx.State):
    admin: bool = False
    loaded: bool = False
    load_error: str = ""
    revision: rx.Field[int] = rx.field(0)  # changes when stored values are reloaded, so the forms show them afresh
    infisical: dict[str, str] = {}
    infisical_configured: bool = False
    infisical_secret_set: bool = False
    cloudwatch: dict[str, str] = {}
    cloudwatch_secret_set: bool = False
    timeout_seconds: rx.Field[int] = rx.field(settings.default_timeout_seconds)
    memory_mb: rx.Field[int] = rx.field(settings.default_memory_mb)
    network: bool = True
    retention_days: rx.Field[int] = rx.field(settings.log_retention_days)
    registry_ok: bool = False
    registry_result: str = ""
    messages: dict[str, str] = {}  # section -> "Saved" or what went wrong
    failed: dict[str, bool] = {}  # section -> whether its message is an error
    busy: str = ""  # the section whose action is running

    @rx.var
    def registry(self) -> str:
        return settings.registry

    @rx.var
    def npm_registry(self) -> str:
        return settings.npm_registry or "https://registry.npmjs.org (the default)"

    @rx.var
    def pypi_json_url(self) -> str:
        return settings.pypi_json_url

    @rx.event
    async def load(self):
        uid = await user_id_of(self)
        try:
            self.admin = await asyncio.to_thread(users.is_admin, uid)
            self._show(await asyncio.to_thread(snapshot))
            self.load_error = ""
        except Exception as exc:  # noqa: BLE001 - the page says the database is down instead of failing
            log.warning("settings page: cannot load: %s", (str(exc).splitlines() or [""])[0])
            self.load_error = f"Couldn't load the settings: {DB_DOWN}."
        self.loaded, self.messages, self.failed = True, {}, {}
        return SettingsState.check_registry

    def _show(self, snap: dict[str, Any]) -> None:
        info = snap["infisical"]
        self.infisical = infisical_form_values(info)
        self.infisical_configured, self.infisical_secret_set = info["configured"], info["client_secret_set"]
        cw = snap["cloudwatch"]
        self.cloudwatch = {k: str(cw.get(k) or "") for k in ("region", "log_group", "access_key_id")}
        self.cloudwatch_secret_set = bool(cw.get("has_secret_access_key"))
        self.timeout_seconds, self.memory_mb = snap["limits"]["timeout_seconds"], snap["limits"]["memory_mb"]
        self.network, self.retention_days = snap["limits"]["network"], snap["retention_days"]
        self.revision += 1

    def _say(self, section: str, message: str, failed: bool) -> None:
        self.messages = {**self.messages, section: message}
        self.failed = {**self.failed, section: failed}

    async def _change(self, section: str, action: Callable[[], Any], done: str) -> bool:
        """Runs a saving action for an admin; reports "Saved"-like text or the error in the section."""
        uid = await user_id_of(self)
        if not await asyncio.to_thread(users.is_admin, uid):
            self._say(section, "Only an admin can change settings.", True)
            return False
        try:
            await asyncio.to_thread(action)
            self._show(await asyncio.to_thread(snapshot))
        except errors.InvalidInput as exc:  # written for people: what to change
            self._say(section, str(exc)[:1].upper() + str(exc)[1:], True)
            return False
        except Exception as exc:  # noqa: BLE001 - said in the section; the other sections stay usable
            log.warning("settings page: %s: %s", section, (str(exc).splitlines() or [""])[0])
            self._say(section, f"Couldn't save: {DB_DOWN}.", True)
            return False
        self._say(section, done, False)
        return True

    @rx.event
    async def save_infisical(self, form: dict):
        self.busy = "infisical"
        yield
        saved = await self._change("infisical", lambda: save_infisical(form), "Saved.")
        self.busy = ""
        if saved:
            yield rx.set_value("infisical-client-secret", "")
            yield SettingsState.test_infisical

    @rx.event
    async def test_infisical(self):
        await user_id_of(self)
        self.busy = "infisical-test"
        self._say("infisical-test", "Testing the connection…", False)
        yield
        ok, message = await asyncio.to_thread(infisical.test_connection)
        self.busy = ""
        self._say("infisical-test", message, not ok)

    @rx.event
    async def disconnect_infisical(self):
        if await self._change("infisical", infisical.unconfigure, "Disconnected: runs use the built-in store only."):
            self._say("infisical-test", "", False)

    @rx.event
    async def save_cloudwatch(self, form: dict):
        if await self._change(
            "cloudwatch", lambda: save_cloudwatch(form), "Saved: run and build logs are shipped to CloudWatch as well."
        ):
            yield rx.set_value("cloudwatch-secret-key", "")

    @rx.event
    async def disable_cloudwatch(self):
        await self._change("cloudwatch", cloudwatch.disable, "Turned off: log lines stay in PostgreSQL only.")

    @rx.event
    async def save_limits(self, form: dict):
        await self._change("limits", lambda: save_limits(form), "Saved: new scripts and try-outs start with these.")

    @rx.event
    async def save_retention(self, form: dict):
        await self._change("retention", lambda: save_retention(form), "Saved.")

    @rx.event(background=True)
    async def check_registry(self):
        async with self:
            self.registry_result = "Checking…" if settings.registry else ""
        ok, message = await asyncio.to_thread(registry_probe.check, settings.registry)
        async with self:
            self.registry_ok, self.registry_result = ok, message
