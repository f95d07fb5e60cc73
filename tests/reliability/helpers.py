"""What the drills share: hook scripts, bursts of hook calls, and reading back what became of every run
(the web side is tests.support.api_process.ApiProcess serving the hooks app)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import docker
import httpx
from sqlalchemy import func, select

from app.core.db import session
from app.core.redis import redis_client
from app.core.settings import settings
from app.models import FINAL_RUN_STATUSES, Run
from app.services import runs, scripts, versions
from tests.support.actors import acting
from tests.support.scripts import built_script
from workers.runtime import containers

ROOT = Path(__file__).resolve().parents[2]
ECHO = "export default async (event) => ({ i: event.body && event.body.i });"


# ---- scripts and runs -------------------------------------------------------------------------


def hook_script(code: str = ECHO, runtime: str = "node", **kw) -> scripts.Saved:
    """A saved HTTP-triggered script whose (dependency-free) image is built before it is called."""
    return built_script(acting(), f"drill-{uuid.uuid4().hex[:8]}", runtime, code, [], **kw, trigger={"type": "http"})


def queued_tryout(runtime: str, code: str, body=None, **limits) -> Run:
    """A committed, not yet enqueued try-out run."""
    base = versions.base_for(runtime)
    with session() as s:
        version = versions.new_version(s, base, code, [], [])
        run = runs.create(s, version, "tryout", body, **limits, workspace_id=acting().workspace_id)
        s.commit()
    return run


def wait_for_status(run_id: uuid.UUID, statuses, timeout: float) -> Run:
    deadline = time.monotonic() + timeout
    while True:
        run = runs.get(run_id)
        if run.status in statuses:
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run.status} after {timeout:g} s")
        time.sleep(0.1)


def runs_of(script_id: uuid.UUID) -> list[Run]:
    with session() as s:
        return list(s.scalars(select(Run).where(Run.script_id == script_id)))


def status_counts(script_id: uuid.UUID) -> dict[str, int]:
    with session() as s:
        rows = s.execute(select(Run.status, func.count()).where(Run.script_id == script_id).group_by(Run.status))
        return dict(rows.all())  # not dict(rows): a Result has keys(), so dict() would index it


def wait_all_final(script_id: uuid.UUID, timeout: float) -> float:
    """Seconds until every run of the script has a final status; fails listing the others."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        counts = status_counts(script_id)
        if not set(counts) - FINAL_RUN_STATUSES:
            return time.monotonic() - started
        if time.monotonic() > deadline:
            raise AssertionError(f"runs still unfinished after {timeout:g} s: {counts}")
        time.sleep(0.25)


def queued_messages(queue: str = "runs") -> Counter:
    """Run ids in the queue's messages (kombu's Redis lists, one per priority step), with counts."""
    r = redis_client()
    keys = [k for k in r.scan_iter(match=f"{queue}*") if k == queue.encode() or k.startswith(f"{queue}\x06".encode())]
    ids: Counter = Counter()
    for key in keys:
        for raw in r.lrange(key, 0, -1):
            args = json.loads(raw)["headers"]["argsrepr"]
            ids[uuid.UUID(args.strip("[]'\" "))] += 1
    return ids


def messages_for(run_id: uuid.UUID, queue: str = "runs") -> int:
    """How many messages for the run are queued, or taken by a worker and not yet acknowledged (late
    acks: kombu keeps them in its `unacked` hash until the task returns, or, for a worker killed
    while holding one, until the visibility timeout)."""
    waiting = queued_messages(queue)[run_id]
    for raw in redis_client().hvals("unacked"):
        message = json.loads(raw)[0]
        waiting += uuid.UUID(message["headers"]["argsrepr"].strip("[]'\" ")) == run_id
    return waiting


# ---- containers -------------------------------------------------------------------------------


def our_containers(*labels: str) -> list[dict]:
    """Containers of this installation (the test suite's instance label) carrying every label
    filter given, e.g. "runpad.worker=w1". A fresh client: the drills restart dockerd."""
    client = docker.DockerClient(base_url="unix:///var/run/docker.sock", timeout=30)
    try:
        return client.api.containers(
            all=True, filters={"label": [f"{containers.LABEL_INSTANCE}={settings.instance}", *labels]}
        )
    finally:
        client.close()


# ---- bursts of hook calls ---------------------------------------------------------------------


@dataclass
class Call:
    i: int
    status: int | None  # None: no HTTP answer at all (connection refused or reset)
    run_id: uuid.UUID | None
    seconds: float
    error: str = ""


async def _calls(url: str, n: int, concurrency: int, rate: float | None, sync: bool, timeout: float) -> list[Call]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    started = time.monotonic()
    params = {} if sync else {"async": "1"}

    async def one(client: httpx.AsyncClient, i: int) -> Call:
        if rate:
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
        async with gate:
            t0 = time.monotonic()
            try:
                r = await client.post(url, params=params, json={"i": i})
            except httpx.HTTPError as exc:
                return Call(i, None, None, time.monotonic() - t0, f"{type(exc).__name__}: {exc}")
            rid = r.headers.get("x-runpad-run-id")
            return Call(
                i,
                r.status_code,
                uuid.UUID(rid) if rid else None,
                time.monotonic() - t0,
                "" if r.status_code < 400 else r.text[:300],
            )

    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        return list(await asyncio.gather(*(one(client, i) for i in range(n))))


def call_hook(
    url: str, n: int, concurrency: int, rate: float | None = None, sync: bool = False, timeout: float = 120
) -> list[Call]:
    """n POSTs of {"i": i} to url, at most `concurrency` at once and (with rate) started at that
    many per second; asynchronous (?async=1) unless sync. Every call is answered or recorded failed."""
    return asyncio.run(_calls(url, n, concurrency, rate, sync, timeout))


class Burst(threading.Thread):
    """call_hook in the background, so the drill can break a service while calls are arriving."""

    def __init__(self, *args, **kwargs):
        super().__init__(daemon=True, name="burst")
        self.args, self.kwargs = args, kwargs
        self.calls: list[Call] = []

    def run(self) -> None:
        self.calls = call_hook(*self.args, **self.kwargs)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0
