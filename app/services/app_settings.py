"""Settings people change at run time (Infisical, CloudWatch, ...), kept in the app_settings table:
plain values as JSON, credentials encrypted with Fernet and never returned to a page or the API.
A setting is the installation's, or (given the acting Access) one workspace's own: the same name is
then stored under "name:workspace id" and its changes are that workspace's audit events."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert

from app.core import crypto
from app.core.db import session
from app.models import AppSetting, utcnow
from app.services import audit
from app.services.access import Access


def key_of(name: str, workspace_id: uuid.UUID | None = None) -> str:
    """The row of a setting; app_settings.key is TEXT, so a workspace's id always fits."""
    return name if workspace_id is None else f"{name}:{workspace_id}"


def get(name: str, workspace_id: uuid.UUID | None = None) -> tuple[dict[str, Any], str | None]:
    """(the plain values, the decrypted credential or None); ({}, None) when never set."""
    with session() as s:
        row = s.get(AppSetting, key_of(name, workspace_id))
    if row is None:
        return {}, None
    return dict(row.value or {}), crypto.decrypt(row.secret) if row.secret else None


def put(
    name: str, value: dict[str, Any], secret: str | None = None, keep_secret: bool = True, by: Access | None = None
) -> None:
    """Stores value; secret replaces the credential, or with keep_secret the old one stays. by: the
    workspace admin changing their workspace's own setting (its role checked by the caller)."""
    ciphertext = crypto.encrypt(secret) if secret else None
    key = key_of(name, by.workspace_id if by else None)
    stmt = insert(AppSetting).values(key=key, value=value, secret=ciphertext, updated_at=utcnow())
    updates = {"value": value, "updated_at": utcnow()}
    if secret or not keep_secret:
        updates["secret"] = ciphertext
    with session() as s:
        s.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=updates))
        _record(s, name, by, {"value": value, "credential_changed": "secret" in updates})
        s.commit()


def clear(name: str, by: Access | None = None) -> bool:
    """Removes the setting (the workspace's own with `by`); False when there was none."""
    with session() as s:
        row = s.get(AppSetting, key_of(name, by.workspace_id if by else None))
        if row is None:
            return False
        s.delete(row)
        _record(s, name, by, {"cleared": True})
        s.commit()
    return True


def _record(s, name: str, by: Access | None, details: dict[str, Any]) -> None:
    """An installation event by no one named, or the workspace's event by its admin; never the credential."""
    audit.record(s, by.actor if by else None, "settings.change", name, by.workspace_id if by else None, details)
