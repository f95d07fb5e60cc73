"""Settings > API tokens: the user's own tokens (any workspace: a token acts as its user), making one
with a name and an expiry, and revoking one. app.services.tokens does the work and the auditing.

A new token is shown once and is never kept in a state var: a var would sit in the tab's stored state
(Redis) and travel back with every later delta. It goes to the browser once, as an rx.set_value
into the read-only box that shows it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

import reflex as rx

from app.core import errors
from app.models import ApiToken, utcnow
from app.services import tokens
from state.auth import user_id_of
from state.messages import UNAVAILABLE, told

log = logging.getLogger(__name__)

NEW_TOKEN_BOX = "new-token"  # the id of the read-only input that shows a new token
DEFAULT_EXPIRY_DAYS = 90


def expiry_days(text) -> int | None:
    """The form's expiry: a whole number of days in tokens.EXPIRY_DAYS, or empty for none."""
    text = str(text if text is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) not in tokens.EXPIRY_DAYS:
        low, high = tokens.EXPIRY_DAYS.start, tokens.EXPIRY_DAYS.stop - 1
        raise tokens.TokenError(f"the expiry must be a whole number of days from {low} to {high}, or empty for none")
    return int(text)


def when(moment: datetime | None, none: str) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else none


def token_row(token: ApiToken, now: datetime) -> dict[str, str]:
    """A token as a table row: what it is called and its times, never the token (only its hash is kept)."""
    if token.revoked_at is not None:
        status = "revoked"
    elif token.expires_at is not None and token.expires_at <= now:
        status = "expired"
    else:
        status = "live"
    return {
        "id": str(token.id),
        "name": token.name,
        "created": when(token.created_at, "—"),
        "expires": when(token.expires_at, "never"),
        "last_used": when(token.last_used_at, "never"),
        "status": status,
    }


class TokensState(rx.State):
    rows: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    loaded: bool = False
    error: str = ""
    fresh_name: str = ""  # the name of the token just made; its box shows while this is set
    creating: bool = False

    @rx.event
    async def load(self):
        uid = await user_id_of(self)
        self.fresh_name, self.error = "", ""
        await self._refresh(uid)
        self.loaded = True

    async def _refresh(self, uid: uuid.UUID) -> None:
        try:
            found = await asyncio.to_thread(tokens.list_for, uid)
        except Exception as exc:  # noqa: BLE001 - the database is down or restarting: the page says so
            log.warning("tokens page: cannot list tokens: %s", (str(exc).splitlines() or [""])[0])
            self.error = UNAVAILABLE
            return
        now = utcnow()
        self.rows = [token_row(t, now) for t in found]

    @rx.event
    async def create(self, form: dict):
        uid = await user_id_of(self)
        self.error, self.creating = "", True
        yield
        try:
            days = expiry_days(form.get("expires_in_days"))
            row, token = await asyncio.to_thread(tokens.issue, uid, str(form.get("name", "")), days)
        except errors.RunpadError as exc:
            self.error = told(exc, "The token was not made")
            return
        finally:
            self.creating = False
        self.fresh_name = row.name
        await self._refresh(uid)
        yield rx.set_value(NEW_TOKEN_BOX, token)

    @rx.event
    async def revoke(self, token_id: str):
        uid = await user_id_of(self)
        self.error = ""
        try:
            revoked = await asyncio.to_thread(tokens.revoke, uuid.UUID(token_id), uid)
        except ValueError:
            revoked = False
        if not revoked:
            self.error = "The token was not revoked: you have no live token with that id."
        await self._refresh(uid)

    @rx.event
    def dismiss(self):
        """The person has copied the token: the box goes, and its text with it."""
        self.fresh_name = ""
        return rx.set_value(NEW_TOKEN_BOX, "")
