"""Per-hook limits (contract §3): calls accepted per second and synchronous calls waiting at once, per
script, counted in Redis so that every web process sees the same counts.

Both counts are sorted sets scored by Redis's own clock (TIME inside the scripts), so processes with
skewed clocks agree: the rate keeps the last second's accepted calls (a sliding window), the waiters
keep one lease per waiting call, scored by when it lapses. A lease is released when its call ends;
one whose process died lapses by itself, so a crash cannot leak a waiting slot for good.

When Redis cannot be reached the limits are not applied (fail open): the hook path cannot queue a
run without Redis anyway, so the call ends in the existing 503 "could not be queued" with its run
recorded, and a limiter outage alone never turns callers away."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import cast

import redis

from app.core.redis import redis_client
from app.core.settings import settings

WINDOW_MS = 1000
LEASE_SLACK_SECONDS = 60  # a lease outlives its call's longest wait by this much before it lapses

# KEYS[1]: the script's accepted calls; ARGV: limit. Returns 0 when accepted, else ms until a slot frees.
_RATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1000)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + 1000 - now)
end
redis.call('ZADD', KEYS[1], now, t[1] .. t[2] .. ':' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], 2000)
return 0
"""

# KEYS[1]: the script's waiting leases; ARGV: limit, lease id, lease ms. Returns 1 when granted.
_LEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))
return 1
"""


@dataclass
class Refusal:
    """Why a call was turned away, and when to come back (whole seconds, for Retry-After)."""

    reason: str
    retry_after: int


@dataclass
class Lease:
    """One waiting slot of a script, held while a synchronous call waits for its run."""

    key: str
    lease_id: str

    def release(self) -> None:
        try:
            redis_client().zrem(self.key, self.lease_id)
        except redis.RedisError:
            pass  # it lapses by itself


def _rate_key(script_id: uuid.UUID) -> str:
    return f"runpad:hook:rate:{script_id}"


def _waiting_key(script_id: uuid.UUID) -> str:
    return f"runpad:hook:waiting:{script_id}"


def take_call(script_id: uuid.UUID) -> Refusal | None:
    """Counts one call against the script's rate, or says why not (the call was not counted)."""
    limit = settings.hook_rate_per_second
    try:
        # the script's answer (redis-py types a reply as Awaitable too)
        wait_ms = cast("int | None", redis_client().eval(_RATE, 1, _rate_key(script_id), limit, uuid.uuid4().hex))
    except redis.RedisError:
        return None  # fail open: see the module docstring
    if not wait_ms:
        return None
    return Refusal(f"more than {limit} calls a second to this hook", max(1, math.ceil(int(wait_ms) / 1000)))


def take_waiting_slot(script_id: uuid.UUID, wait_seconds: float) -> Lease | Refusal | None:
    """A lease on one of the script's waiting slots for a call that may wait wait_seconds; a Refusal
    when all are taken; None when Redis cannot count (fail open)."""
    limit = settings.hook_max_waiting
    lease = Lease(_waiting_key(script_id), uuid.uuid4().hex)
    lease_ms = int((wait_seconds + LEASE_SLACK_SECONDS) * 1000)
    try:
        granted = redis_client().eval(_LEASE, 1, lease.key, limit, lease.lease_id, lease_ms)
    except redis.RedisError:
        return None
    if granted:
        return lease
    # A slot frees when a waiting call ends, which cannot be known here; a second is a fair guess.
    return Refusal(f"{limit} synchronous calls to this hook are already waiting", 1)
