"""The process's Redis connection (logs, heartbeats, limits, replay ids, metrics; Celery has its own)."""

from __future__ import annotations

import redis

from app.core.settings import settings

_redis: redis.Redis | None = None


def redis_client() -> redis.Redis:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
    return _redis
