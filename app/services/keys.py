"""Re-encrypts every stored credential (secrets.ciphertext, app_settings.secret) under a new
RUNPAD_SECRET_KEY, in one transaction: all rows move to the new key, or none does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, text, update

from app.core import crypto, errors
from app.core.db import session
from app.core.settings import settings, weak_secret_key
from app.models import AppSetting, Secret, Workspace


class KeyRotationError(errors.InvalidInput):
    """The rotation was refused; nothing was changed."""


@dataclass(frozen=True)
class Rotated:
    secrets: int
    settings: int


def rotate(new_key: str) -> Rotated:
    """Re-encrypts under new_key what the current settings.secret_key decrypts; refuses, changing nothing,
    if any row does not decrypt. Processes still running with the old key cannot read the rows afterwards:
    the operator sets RUNPAD_SECRET_KEY to new_key and restarts them."""
    if weak_secret_key(new_key):
        raise KeyRotationError("the new key must have 16 or more characters and not be the development placeholder")
    if new_key == settings.secret_key:
        raise KeyRotationError("the new key is the current RUNPAD_SECRET_KEY")
    old, new = crypto.fernet(), crypto.fernet(new_key)
    with session() as s:
        # writers wait for this transaction, so no row is written under the old key while it runs
        s.execute(text("LOCK TABLE secrets, app_settings IN SHARE ROW EXCLUSIVE MODE"))
        secret_rows = s.execute(
            select(Secret.id, Secret.name, Workspace.slug, Secret.ciphertext).join(
                Workspace, Workspace.id == Secret.workspace_id
            )
        ).all()
        setting_rows = s.execute(select(AppSetting.key, AppSetting.secret).where(AppSetting.secret.is_not(None))).all()
        # keyed by row, not name: one name is a secret in each workspace that has it
        labelled: list[tuple[Any, str, bytes]] = [
            ((Secret, row_id), f"secret {name} of workspace {slug}", ct) for row_id, name, slug, ct in secret_rows
        ]
        labelled += [((AppSetting, key), f"setting {key}", ct) for key, ct in setting_rows if ct is not None]
        plain = _decrypt_all(old, new, labelled)
        # updated_at stays: the values did not change, only their encryption
        for row_id, *_ in secret_rows:
            s.execute(update(Secret).where(Secret.id == row_id).values(ciphertext=new.encrypt(plain[(Secret, row_id)])))
        for key, _ in setting_rows:
            s.execute(
                update(AppSetting).where(AppSetting.key == key).values(secret=new.encrypt(plain[(AppSetting, key)]))
            )
        s.commit()
    return Rotated(len(secret_rows), len(setting_rows))


def _decrypt_all(old: Fernet, new: Fernet, labelled: list[tuple[Any, str, bytes]]) -> dict[Any, bytes]:
    """(row key, label for people, ciphertext) → plaintext by row key; refuses if any row fails."""
    plain, failed = {}, []
    for key, label, ciphertext in labelled:
        try:
            plain[key] = old.decrypt(ciphertext)
        except InvalidToken:
            failed.append((label, ciphertext))
    if not failed:
        return plain
    message = (
        f"{len(failed)} row(s) do not decrypt with the current RUNPAD_SECRET_KEY: "
        f"{', '.join(label for label, _ in failed)}; nothing was changed"
    )
    if all(_decrypts(new, ciphertext) for _, ciphertext in failed):
        message += (
            " (they already decrypt with the new key: was rotate-key run before, "
            "without RUNPAD_SECRET_KEY being set to the new key?)"
        )
    raise KeyRotationError(message)


def _decrypts(fernet: Fernet, ciphertext: bytes) -> bool:
    try:
        fernet.decrypt(ciphertext)
        return True
    except InvalidToken:
        return False
