"""Password checks behind limits: failed logins counted in Redis per account and per client address
(shared by every web process), and few argon2 checks at once, so guessing or a flood starves nobody."""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from datetime import timedelta
from typing import cast

from app.core import errors
from app.core.redis import redis_client
from app.models import User
from app.services import audit, users

WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 10  # contract §6: then 429 until the window passes, even with the right password
ADDRESS_FAILURES = 50  # one address guessing across many accounts
VERIFY_SLOTS = 2  # each check takes 64 MiB and a core for a while
VERIFY_WAIT_SECONDS = 2.0

verify_slots = threading.BoundedSemaphore(VERIFY_SLOTS)


class Throttled(errors.RateLimited):
    """Too many failed logins; retry_after is the seconds until the window passes."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed logins. Try again in {max(1, round(retry_after / 60))} minute(s).")
        self.retry_after = retry_after


class Busy(errors.Unavailable):
    """Every password-check slot stayed taken for the whole wait."""

    code, retry_after = "busy", 1

    def __init__(self):
        super().__init__("Too many logins at once. Try again in a moment.")


def failure_keys(email: str, client_ip: str) -> list[tuple[str, int]]:
    # Hashed, so Redis holds no email addresses; unknown emails count like known ones (no enumeration).
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return [
        (f"runpad:login-failures:account:{account}", ACCOUNT_FAILURES),
        (f"runpad:login-failures:address:{client_ip or 'unknown'}", ADDRESS_FAILURES),
    ]


def _refuse_if_over(keys: list[tuple[str, int]]) -> None:
    r = redis_client()
    for key, limit in keys:
        count = cast("bytes | None", r.get(key))  # redis-py types a reply as Awaitable too
        if count is not None and int(count) >= limit:
            raise Throttled(max(1, cast(int, r.ttl(key))))


def _count_failure(keys: list[tuple[str, int]]) -> None:
    pipe = redis_client().pipeline()
    for key, _ in keys:
        # the window starts at the first failure and is not extended by later ones
        pipe.set(key, 0, ex=int(WINDOW.total_seconds()), nx=True)
        pipe.incr(key)
    pipe.execute()


@contextmanager
def _verify_slot():
    if not verify_slots.acquire(timeout=VERIFY_WAIT_SECONDS):
        raise Busy()
    try:
        yield
    finally:
        verify_slots.release()


def authenticate(email: str, password: str, client_ip: str) -> User | None:
    """The user for this email and password, or None; Throttled or Busy before any check when over a limit."""
    keys = failure_keys(email or "", client_ip)
    _refuse_if_over(keys)
    with _verify_slot():
        user = users.authenticate(email or "", password or "")
    if user is None:
        _count_failure(keys)
        audit.record(None, None, "login.failed", email, details={"address": client_ip}, actor_email=email)
    return user
