"""Settings people change at run time (Infisical, CloudWatch, ...), kept in the app_settings table:
plain values as JSON, credentials encrypted with Fernet and never returned to a page or the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert

from app.core import crypto
from app.core.db import session
from app.models import AppSetting, utcnow
from app.services import audit


def get(key: str) -> tuple[dict[str, Any], str | None]:
    """(the plain values, the decrypted credential or None); ({}, None) when never set."""
    with session() as s:
        row = s.get(AppSetting, key)
    if row is None:
        return {}, None
    return dict(row.value or {}), crypto.decrypt(row.secret) if row.secret else None


def put(key: str, value: dict[str, Any], secret: str | None = None, keep_secret: bool = True) -> None:
    """Stores value; secret replaces the credential, or with keep_secret the old one stays."""
    ciphertext = crypto.encrypt(secret) if secret else None
    stmt = insert(AppSetting).values(key=key, value=value, secret=ciphertext, updated_at=utcnow())
    updates = {"value": value, "updated_at": utcnow()}
    if secret or not keep_secret:
        updates["secret"] = ciphertext
    with session() as s:
        s.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=updates))
        audit.record(
            s, None, "settings.change", key, details={"value": value, "credential_changed": "secret" in updates}
        )
        s.commit()


def clear(key: str) -> None:
    with session() as s:
        row = s.get(AppSetting, key)
        if row is not None:
            s.delete(row)
            audit.record(s, None, "settings.change", key, details={"cleared": True})
            s.commit()
