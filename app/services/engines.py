"""Whether the workers' Docker Engines answer, as the workers report it: the web process has no
engine of its own to ask, and /readyz says "docker" is ok while some worker's engine answered within
the last three heartbeats."""

from __future__ import annotations

import redis

PREFIX = "runpad:engine-answers:"


def report(r: redis.Redis, worker: str, answers: bool, ttl_seconds: int) -> None:
    """A worker's latest ping of its engine; a report lapses after ttl_seconds."""
    if answers:
        r.set(PREFIX + worker, "1", ex=ttl_seconds)
    else:
        r.delete(PREFIX + worker)


def answering(r: redis.Redis) -> list[str]:
    """The workers whose engine answered their latest ping."""
    return sorted(k.decode().removeprefix(PREFIX) for k in r.scan_iter(match=PREFIX + "*", count=500))
