"""Standard Webhooks signatures for hooks with `http_auth: "hmac"` (contract §3): secrets, verification,
and the replay guard that remembers accepted message ids in Redis."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as pysecrets
import time
import uuid

import redis

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60
SIGNED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# An id is remembered a little longer than a timestamp stays acceptable (past + future), so a replay
# can never outlive the memory of the first delivery.
SEEN_TTL_SECONDS = 2 * TOLERANCE_SECONDS + 60
MAX_ID_LENGTH = 256


def new_secret() -> str:
    """A fresh secret in the `whsec_<base64>` form senders' libraries expect (32 random bytes)."""
    return PREFIX + base64.b64encode(pysecrets.token_bytes(32)).decode()


def key_of(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after `whsec_`; a secret made before Standard Webhooks
    (not `whsec_`) keys with its own bytes until it is rotated."""
    if secret.startswith(PREFIX):
        try:
            return base64.b64decode(secret[len(PREFIX) :], validate=True)
        except binascii.Error:
            pass
    return secret.encode()


def sign(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _fresh(timestamp: str, now: float) -> bool:
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    return abs(int(timestamp) - now) <= TOLERANCE_SECONDS


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> str | None:
    """The message id when the signature and timestamp hold, else None. Every `v1,` signature in the
    space-separated list is compared in constant time; other versions are ignored, as the spec says."""
    msg_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not secret or not msg_id or len(msg_id) > MAX_ID_LENGTH:
        return None
    if not _fresh(timestamp, time.time() if now is None else now):
        return None
    expected = sign(key_of(secret), msg_id, timestamp, body).encode()
    matched = False
    for candidate in headers.get("webhook-signature", "").split():
        version, _, value = candidate.partition(",")
        if version == "v1":
            matched |= hmac.compare_digest(value.encode(), expected)
    return msg_id if matched else None


def claim(client: redis.Redis, script_id: uuid.UUID, msg_id: str) -> bool:
    """True the first time this script accepts msg_id within the window; False for a replay.
    Raises redis.RedisError when Redis cannot say (the caller fails closed)."""
    digest = hashlib.sha256(msg_id.encode()).hexdigest()  # bounded key size whatever the sender's id
    return bool(client.set(f"runpad:hook-seen:{script_id}:{digest}", b"1", nx=True, ex=SEEN_TTL_SECONDS))
