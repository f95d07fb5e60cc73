"""Following a dependency build live: its stored log lines, then new ones as the worker publishes
them, with its status as it changes, until it ends.

Workers publish build log lines on logs.channel("build", id) but not status changes, so the build
row is re-read every tick. As in follow.py, the follower subscribes before reading PostgreSQL, and
seq numbers tell apart lines seen both ways."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from anyio.to_thread import run_sync

from app.models import BuildStatus
from app.services import builds, logs
from app.services.follow import Keepalive, Line, _Seen, _subscribed
from app.views.overview import BUILD_LABELS

TICK_SECONDS = 0.25  # a consumer hears from us at least this often
CHECK_SECONDS = 0.5  # re-read the build row (and fill log gaps) at most this often
FINAL = (BuildStatus.ready, BuildStatus.failed)


@dataclass
class Status:
    """The build's status changed (or is first known): a BUILD_LABELS value."""

    status: str


@dataclass
class Ended:
    status: str  # "succeeded", "failed", or "missing" when the build row is gone
    error: str


def _label(build) -> str:
    return BUILD_LABELS.get(build.status, build.status)


async def follow_build(
    build_id: uuid.UUID, max_seconds: float
) -> AsyncGenerator[Line | Status | Keepalive | Ended, None]:
    """Status first, then the build's log lines in order and status changes (Keepalive after a quiet
    tick, so a consumer batching lines can flush), then Ended. Gives up
    (Ended "failed") after max_seconds, e.g. when no worker ever picks the build up."""
    seen = _Seen(0)

    async def stored() -> list[Line]:
        rows = await run_sync(logs.read, "build", build_id, seen.floor)
        return [Line(r.seq, r.ts, r.stream, r.line) for r in rows if seen.add(r.seq)]

    deadline = time.monotonic() + max_seconds
    async with _subscribed(logs.channel("build", build_id)) as sub:
        build = await run_sync(builds.get, build_id)
        if build is None:
            yield _ended(build, max_seconds)
            return
        status = _label(build)
        yield Status(status)
        for line in await stored():
            yield line
        checked = time.monotonic()
        while build is not None and build.status not in FINAL and time.monotonic() < deadline:
            message = await sub.next(TICK_SECONDS)
            if message is not None:
                data = json.loads(message["data"])
                if seen.add(data["seq"]):
                    yield Line(data["seq"], data["ts"], data["stream"], data["line"])
            if time.monotonic() - checked < CHECK_SECONDS:
                if message is None:
                    yield Keepalive()
                continue
            checked = time.monotonic()
            build = await run_sync(builds.get, build_id)
            if build is not None and _label(build) != status:
                status = _label(build)
                yield Status(status)
            for line in await stored():  # fill any gap from what is stored
                yield line
            if message is None:
                yield Keepalive()
        for line in await stored():
            yield line
    yield _ended(build, max_seconds)


def _ended(build, max_seconds: float) -> Ended:
    if build is None:
        return Ended("missing", "the build no longer exists")
    if build.status not in FINAL:
        return Ended("failed", f"gave up following the build after {int(max_seconds)} s; it is still {_label(build)}")
    return Ended(_label(build), build.error or "")
