"""The warm pool: containers started ahead of time per recently used image, blocked in their
bootstrap on stdin. Each is used for one run only and a fresh one is started behind it.

Bounded: at most settings.pool_size_per_image per (image, limits) and settings.pool_max_containers
in all; a key unused for settings.pool_idle_seconds is emptied by shrink()."""

from __future__ import annotations

import logging
import select
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from app.core.settings import settings
from workers.runtime import containers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PoolKey:
    image: str
    runtime: str
    limits: containers.Limits


def _alive(att: containers.Attached) -> bool:
    """A waiting bootstrap prints nothing, so a readable socket means EOF: the container is gone."""
    try:
        readable, _, _ = select.select([att.sock], [], [], 0)
        return not readable
    except (OSError, ValueError):
        return False


class WarmPool:
    def __init__(self, per_image: int | None = None, max_total: int | None = None, idle_seconds: int | None = None):
        self.per_image = settings.pool_size_per_image if per_image is None else per_image
        self.max_total = settings.pool_max_containers if max_total is None else max_total
        self.idle_seconds = settings.pool_idle_seconds if idle_seconds is None else idle_seconds
        self._ready: dict[PoolKey, deque[containers.Attached]] = {}
        self._starting: dict[PoolKey, int] = {}
        self._last_used: dict[PoolKey, float] = {}
        self._lock = threading.Lock()
        self._starter = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pool-start")
        self.hits = 0
        self.misses = 0

    def size(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._ready.values())

    def take(self, key: PoolKey, labels: dict[str, str]) -> tuple[containers.Attached, bool]:
        """A started container for key, and whether it came warm from the pool."""
        with self._lock:
            self._last_used[key] = time.monotonic()
            queue = self._ready.get(key, deque())
            warm = None
            while queue and warm is None:
                candidate = queue.popleft()
                if _alive(candidate):
                    warm = candidate
                else:
                    containers.remove_eventually(candidate.container_id)
        self._top_up(key)
        if warm is not None:
            self.hits += 1
            return warm, True
        self.misses += 1
        return containers.start_attached(key.image, key.runtime, key.limits, labels), False

    def _top_up(self, key: PoolKey) -> None:
        with self._lock:
            have = len(self._ready.get(key, ())) + self._starting.get(key, 0)
            total = sum(len(q) for q in self._ready.values()) + sum(self._starting.values())
            wanted = min(self.per_image - have, self.max_total - total)
            self._starting[key] = self._starting.get(key, 0) + max(0, wanted)
        for _ in range(max(0, wanted)):
            self._starter.submit(self._start_one, key)

    def _start_one(self, key: PoolKey) -> None:
        try:
            att = containers.start_attached(key.image, key.runtime, key.limits, {containers.LABEL_POOL: "1"})
        except Exception:  # a failed warm start only costs the next run a cold start
            log.exception("warm pool: could not start a container for %s", key.image)
            att = None
        with self._lock:
            self._starting[key] -= 1
            if att is not None:
                self._ready.setdefault(key, deque()).append(att)

    def shrink(self) -> int:
        """Empties the keys not used for idle_seconds; returns how many containers it removed."""
        now = time.monotonic()
        with self._lock:
            idle = [k for k, t in self._last_used.items() if now - t > self.idle_seconds]
            doomed = [att for k in idle for att in self._ready.pop(k, ())]
            for k in idle:
                self._last_used.pop(k, None)
        for att in doomed:
            att.sock.close()
            containers.remove(att.container_id)
        return len(doomed)

    def close(self) -> None:
        with self._lock:
            doomed = [att for q in self._ready.values() for att in q]
            self._ready.clear()
            self._last_used.clear()
        self._starter.shutdown(wait=True, cancel_futures=True)
        for att in doomed + [att for q in self._ready.values() for att in q]:
            att.sock.close()
            containers.remove(att.container_id)
