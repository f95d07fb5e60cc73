"""Encryption at rest: every secret Runpad keeps (secret values, hook secrets, provider credentials)
is Fernet ciphertext under one key derived from RUNPAD_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from app.core.settings import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "fernet", "key_for"]


def key_for(secret_key: str) -> bytes:
    """A Fernet key derived from a secret key, so any strong string works as the key."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest())


def fernet(secret_key: str | None = None) -> Fernet:
    """The cipher under `secret_key`, by default the configured RUNPAD_SECRET_KEY."""
    return Fernet(key_for(settings.secret_key if secret_key is None else secret_key))


def encrypt(text: str) -> bytes:
    return fernet().encrypt(text.encode())


def decrypt(ciphertext: bytes) -> str:
    """The text; InvalidToken when it was encrypted under another key or altered."""
    return fernet().decrypt(ciphertext).decode()
