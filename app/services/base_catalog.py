"""The base images new versions build on: what workers found in their engines when they started,
kept in PostgreSQL (table base_images), unless settings pin them. The web process reads it here and
never talks to Docker.

Promises:
- `publish` replaces a runtime's entry (the newest worker to start wins) and says so in the log when
  the base changes, so an operator sees workers that disagree.
- `current` answers from settings' pin first, then from an in-process copy at most CACHE_SECONDS old,
  then from the table in a short transaction of its own. Call it before opening the transaction that
  saves a version. A runtime nobody has published is not cached: the first save after a worker
  starts sees it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select

from app.core import runtimes
from app.core.db import session
from app.core.settings import settings
from app.models import BaseImage, utcnow
from app.services import dependencies

CACHE_SECONDS = 10.0
RUNTIMES = runtimes.FAMILIES  # the runtimes with base images of their own, in the table's order
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    """One runtime's base image: its name, the engine's id for it, and the runner layer's digest."""

    runtime: str
    image: str
    digest: str
    runner_digest: str

    def deps_hash(self, normalised: list[str]) -> str:
        """The dependency hash of a normalised set built on this base (the formula images were tagged
        with). Hashed as the runtime's image family, so a TypeScript and a Node.js script with the same
        dependencies share one image."""
        family = runtimes.family_of(self.runtime)
        return dependencies.deps_hash(family, normalised, self.digest, self.runner_digest)


_cache: dict[str, tuple[float, Entry]] = {}
_lock = threading.Lock()


def publish(entries: list[Entry], worker: str) -> None:
    """Records what this worker's engine has, one row per runtime, replacing what was there."""
    with session() as s:
        before = {row.runtime: row for row in s.scalars(select(BaseImage))}
        for entry in entries:
            old = before.get(entry.runtime)
            if old is not None and (old.digest, old.runner_digest) != (entry.digest, entry.runner_digest):
                log.warning(
                    "worker %s replaces the %s base image published by %s (%s %s -> %s %s): new saves "
                    "build on the new one; workers with the old one will refuse those builds",
                    worker,
                    entry.runtime,
                    old.worker,
                    old.image,
                    old.digest,
                    entry.image,
                    entry.digest,
                )
            values = {
                "image": entry.image,
                "digest": entry.digest,
                "runner_digest": entry.runner_digest,
                "worker": worker,
                "published_at": utcnow(),
            }
            s.execute(
                insert(BaseImage)
                .values(runtime=entry.runtime, **values)
                .on_conflict_do_update(index_elements=["runtime"], set_=values)
            )
        s.commit()
    forget()  # this process at least sees its own publication at once


def current(runtime: str) -> Entry | None:
    """The base a new version of runtime builds on (its image family's, named for runtime); None when
    settings pin none and no worker has published one. Reads the database at most once per
    CACHE_SECONDS per family."""
    family = runtimes.family_of(runtime)
    entry = _current_of_family(family)
    return entry if entry is None or family == runtime else replace(entry, runtime=runtime)


def _current_of_family(runtime: str) -> Entry | None:
    pinned = settings.pinned_base(runtime)
    if pinned is not None:
        return Entry(runtime, settings.base_image(runtime), *pinned)
    with _lock:
        cached = _cache.get(runtime)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    with session() as s:
        row = s.get(BaseImage, runtime)
    if row is None:
        return None
    entry = Entry(row.runtime, row.image, row.digest, row.runner_digest)
    with _lock:
        _cache[runtime] = (time.monotonic(), entry)
    return entry


def forget() -> None:
    """Drops this process's copy, so the next `current` reads the table."""
    with _lock:
        _cache.clear()
