"""Waiting for a run to end and following its log live, without holding a thread per waiter: Redis
pub/sub says what happens next, PostgreSQL what has already happened.

A follower subscribes first and reads PostgreSQL second, so no line falls between the two; lines
seen both ways are told apart by their seq. Lines published before the subscription but not yet
stored show up as a gap, which is filled from PostgreSQL as soon as they are stored (at the latest
when the run ends: a worker stores every line before it records the end). Without Redis it polls."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import redis
import redis.asyncio as aioredis
from anyio.to_thread import run_sync
from sqlalchemy.exc import OperationalError, TimeoutError as SQLAlchemyTimeoutError

from app.core.settings import settings
from app.models import FINAL_RUN_STATUSES, Run
from app.services import logs, runs

TICK_SECONDS = 1.0
GAP_FILL_SECONDS = 0.5  # while a gap is open, look for its lines in PostgreSQL at most this often
STATUS_CHECK_TICKS = 5  # re-read the run now and then, in case its end was published while Redis blinked


@dataclass
class Line:
    seq: int
    ts: datetime | str
    stream: str
    line: str


@dataclass
class End:
    status: str


class Keepalive:
    """Nothing happened for a while; a stream should send something so proxies keep it open."""


class _Subscription:
    """Pub/sub messages, or None after a tick of silence; without Redis every call is a silent tick."""

    def __init__(self, pubsub: aioredis.client.PubSub | None):
        self.pubsub = pubsub

    async def next(self, timeout: float) -> dict | None:
        if self.pubsub is not None:
            try:
                return await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=timeout)
            except (redis.RedisError, OSError):
                self.pubsub = None  # carry on by polling PostgreSQL
        await asyncio.sleep(timeout)
        return None


@asynccontextmanager
async def _subscribed(*channels: str) -> AsyncIterator[_Subscription]:
    client = aioredis.Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    pubsub = client.pubsub()
    live: aioredis.client.PubSub | None = pubsub  # None when subscribing failed: the caller polls instead
    try:
        try:
            await pubsub.subscribe(*channels)
        except (redis.RedisError, OSError):
            live = None
        yield _Subscription(live)
    finally:
        if live is not None:
            await live.aclose()
        await client.aclose()


def _final(run: Run | None) -> bool:
    return run is None or run.status in FINAL_RUN_STATUSES


def _says_ended(message: dict | None) -> bool:
    return message is not None and json.loads(message["data"]).get("status") in FINAL_RUN_STATUSES


async def wait_for_end(run_id: uuid.UUID, timeout: float) -> Run | None:
    """The run once it has ended, or as it is when timeout passes. It holds no database connection
    while it waits: PostgreSQL is read briefly (in a worker thread) after subscribing, when Redis
    says the run ended, every few ticks in case that message was lost, and every tick without Redis.
    A re-read that fails (PostgreSQL restarting, every pooled connection busy) keeps the last known
    state and is tried again at the next tick."""
    deadline = time.monotonic() + timeout
    async with _subscribed(runs.status_channel(run_id)) as sub:
        run = await run_sync(runs.get, run_id)  # after subscribing: no end is missed
        ticks, stale = 0, False
        while not _final(run):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            message = await sub.next(min(TICK_SECONDS, left))
            ticks += 1
            if stale or _says_ended(message) or sub.pubsub is None or ticks % STATUS_CHECK_TICKS == 0:
                run, stale = await _reread(run_id, run)
        if not _final(run):  # the deadline: one last look, so an end at the last moment is not missed
            run, _ = await _reread(run_id, run)
        return run


async def _reread(run_id: uuid.UUID, last: Run | None) -> tuple[Run | None, bool]:
    """The run as now stored, or the last known state and True when it could not be read."""
    try:
        return await run_sync(runs.get, run_id), False
    except (OperationalError, SQLAlchemyTimeoutError):
        return last, True


class _Seen:
    """Which seqs were sent: all up to `floor`, and any later ones in `above` (a gap before them)."""

    def __init__(self, after: int):
        self.floor, self.above = after, set[int]()

    def add(self, seq: int) -> bool:
        if seq <= self.floor or seq in self.above:
            return False
        self.above.add(seq)
        while self.floor + 1 in self.above:
            self.floor += 1
            self.above.remove(self.floor)
        return True


async def follow_run_log(
    run_id: uuid.UUID, after_seq: int = 0, keepalive_seconds: float = 15.0
) -> AsyncIterator[Line | End | Keepalive]:
    """The run's log lines after after_seq, stored ones first, then live ones as they are printed,
    then End with the run's final status."""
    log_channel, status_channel = logs.channel("run", run_id), runs.status_channel(run_id)
    seen = _Seen(after_seq)

    last_read = 0.0

    async def stored() -> list[Line]:
        nonlocal last_read
        last_read = time.monotonic()
        rows = await run_sync(logs.read, "run", run_id, seen.floor)
        return [Line(r.seq, r.ts, r.stream, r.line) for r in rows if seen.add(r.seq)]

    def gap_to_fill() -> bool:
        return bool(seen.above) and time.monotonic() - last_read >= GAP_FILL_SECONDS

    async with _subscribed(log_channel, status_channel) as sub:
        for line in await stored():
            yield line
        run = await run_sync(runs.get, run_id)
        ticks = 0
        while not _final(run):
            message = await sub.next(TICK_SECONDS)
            if message is None:
                ticks += 1
                if seen.above or sub.pubsub is None:  # idle: worth a look
                    for line in await stored():
                        yield line
                if ticks % STATUS_CHECK_TICKS == 0 or sub.pubsub is None:
                    run = await run_sync(runs.get, run_id)
                if ticks % max(1, round(keepalive_seconds / TICK_SECONDS)) == 0:
                    yield Keepalive()
                continue
            data = json.loads(message["data"])
            if message["channel"].decode() == status_channel:
                if data.get("status") in FINAL_RUN_STATUSES:
                    run = await run_sync(runs.get, run_id)
                continue
            if seen.add(data["seq"]):
                yield Line(data["seq"], data["ts"], data["stream"], data["line"])
            if gap_to_fill():
                for line in await stored():
                    yield line
        for line in await stored():
            yield line
    yield End(run.status if run else "unknown")
