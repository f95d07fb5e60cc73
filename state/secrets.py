"""The Secrets page: every secret name with its source, adding or replacing a value in the built-in
store and deleting one. A value typed in the form goes straight to the store: it is never kept in a
state var, so it cannot travel back to the browser. As in the REST API, any logged-in user may do this."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from app.core import errors
from app.services import secrets
from app.services.access import Access
from app.views import secret_catalog
from state.auth import access_of

log = logging.getLogger(__name__)


def listed(found: secret_catalog.Catalog) -> list[dict[str, str]]:
    """The catalog as table rows (names, sources and times only)."""
    return [
        {
            "name": e.name,
            "sources": " ".join(e.sources),
            "in_store": "yes" if "store" in e.sources else "",
            "updated": e.updated_at.strftime("%Y-%m-%d %H:%M UTC") if e.updated_at else "",
        }
        for e in found.entries
    ]


def save_secret(where: Access, name: str, value: str) -> str:
    """Stores the value; returns the cleaned name, or raises SecretError with a message for the form."""
    name = (name or "").strip()
    if not name:
        raise secrets.SecretError("type a name, e.g. API_KEY")
    secrets.put(where, name, value or "")
    return name


class SecretsState(rx.State):
    rows: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    infisical: str = "off"
    infisical_error: str = ""
    load_error: str = ""
    loaded: bool = False
    form_error: str = ""
    notice: str = ""
    saving: bool = False
    confirm_name: str = ""  # the name the delete dialog asks about; "" when it is closed
    delete_error: str = ""

    @rx.event
    async def load(self):
        await self._refresh(await access_of(self))

    async def _refresh(self, where: Access) -> None:
        try:
            found = await asyncio.to_thread(secret_catalog.catalog, where)
        except Exception as exc:  # noqa: BLE001 - the database is down or restarting: the page says so
            log.warning("secrets page: cannot list secrets: %s", (str(exc).splitlines() or [""])[0])
            self.load_error = "Couldn't load the secrets: the database is not answering. Reload in a moment."
            self.loaded = True
            return
        self.rows, self.infisical = listed(found), found.infisical
        self.infisical_error = (
            f"Infisical is not answering, so only the built-in store's secrets are listed: {found.infisical_error}"
            if found.infisical == "down"
            else ""
        )
        self.load_error, self.loaded = "", True

    @rx.event
    async def save(self, form: dict):
        where = await access_of(self)
        self.saving, self.form_error, self.notice = True, "", ""
        yield
        try:
            name = await asyncio.to_thread(save_secret, where, str(form.get("name", "")), str(form.get("value", "")))
        except (secrets.SecretError, errors.Forbidden) as exc:
            self.form_error, self.saving = str(exc), False
            return
        except Exception as exc:  # noqa: BLE001 - told to the person; the form keeps what they typed
            log.warning("secrets page: cannot save: %s", (str(exc).splitlines() or [""])[0])
            self.form_error, self.saving = "Couldn't save: the database is not answering. Try again in a moment.", False
            return
        self.saving, self.notice = False, f"Saved {name}. Its value is stored encrypted and won't be shown again."
        yield rx.set_value("secret-name", "")
        yield rx.set_value("secret-value", "")
        await self._refresh(where)

    @rx.event
    def ask_delete(self, name: str):
        self.confirm_name, self.delete_error = name, ""

    @rx.event
    def cancel_delete(self):
        self.confirm_name = ""

    @rx.event
    def dialog_open_change(self, is_open: bool):
        if not is_open:
            self.confirm_name = ""

    @rx.event
    async def delete(self):
        name = self.confirm_name
        where = await access_of(self)
        if not secrets.NAME.match(name):
            return
        try:
            removed = await asyncio.to_thread(secrets.remove, where, name)
        except errors.Forbidden as exc:
            self.delete_error = str(exc)
            return
        except Exception as exc:  # noqa: BLE001 - told to the person in the dialog
            log.warning("secrets page: cannot delete: %s", (str(exc).splitlines() or [""])[0])
            self.delete_error = "Couldn't delete: the database is not answering. Try again in a moment."
            return
        self.confirm_name = ""
        self.notice = f"Deleted {name} from the built-in store." if removed else f"{name} was already gone."
        await self._refresh(where)
