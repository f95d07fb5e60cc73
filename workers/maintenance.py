"""A worker's start-up (firewall, clean-up, publishing its base images) and its housekeeping:
heartbeats, reports of its engine, removing containers dead workers left, reaping their runs, putting
their builds back in the queue, and shrinking the warm pool. Housekeeping runs as one daemon thread
per worker process."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import cast

import docker

from app.core.redis import redis_client
from app.core.settings import settings
from app.services import base_catalog, builds, engines, metrics, quotas, runs
from workers import dispatch, engine
from workers.runtime import containers, images
from workers.runtime.docker_client import client

log = logging.getLogger(__name__)
HEARTBEAT_PREFIX = "runpad:worker:"
HEARTBEATS_SINCE = "runpad:workers:heartbeats-since"  # Redis time of the first heartbeat it holds
ENGINE_PING_SECONDS = 3


def heartbeat() -> None:
    r, ttl = redis_client(), settings.heartbeat_seconds * 3
    r.set(HEARTBEAT_PREFIX + settings.worker_name, "1", ex=ttl)
    quotas.report_slots(r, settings.worker_name, engine.slots, ttl)


def report_engine() -> bool:
    """Tells /readyz whether this worker's engine answers. A ping on a client of its own with a short
    timeout: a hung engine must not hold the housekeeping (and so the heartbeat) for minutes."""
    probe = None
    try:
        probe = docker.DockerClient.from_env(timeout=ENGINE_PING_SECONDS)
        answers = bool(probe.ping())
    except Exception:  # noqa: BLE001 - any failure means "does not answer"
        answers = False
    finally:
        if probe is not None:
            probe.close()
    engines.report(redis_client(), settings.worker_name, answers, ttl_seconds=settings.heartbeat_seconds * 3)
    return answers


def publish_base_images() -> list[base_catalog.Entry]:
    """Puts this engine's base images (name, id, runner digest) in the catalog the web hashes with.
    A runtime whose base image is missing and cannot be pulled is left out and logged: saving a
    script of it then says to start a worker that has it."""
    entries = []
    for runtime in base_catalog.RUNTIMES:
        try:
            entries.append(images.local_base(runtime))
        except images.ImageError as exc:
            log.error("cannot publish the %s base image: %s", runtime, exc)
    base_catalog.publish(entries, settings.worker_name)
    for entry in entries:
        pinned = settings.pinned_base(entry.runtime)
        if pinned is not None and pinned != (entry.digest, entry.runner_digest):
            log.error(
                "settings pin the %s base to %s (runner %s) but this worker has %s (runner %s): it will "
                "refuse to build new versions of %s",
                entry.runtime,
                pinned[0],
                pinned[1],
                entry.digest,
                entry.runner_digest,
                entry.runtime,
            )
    return entries


def heartbeats_tell_the_dead() -> bool:
    """Whether a missing heartbeat means a dead worker. Not for one TTL after Redis lost its data
    (restarted without persistence, or flushed): it forgot every heartbeat at once, and a live worker
    sends its next one only on its next tick. Redis's own clock, so machines need not agree."""
    r = redis_client()
    now = cast("tuple[int, int]", r.time())[0]  # redis-py types replies as Awaitable too
    r.set(HEARTBEATS_SINCE, now, nx=True)
    return now - int(cast("bytes | None", r.get(HEARTBEATS_SINCE)) or now) >= settings.heartbeat_seconds * 3


def live_workers() -> set[str]:
    keys = redis_client().scan_iter(match=HEARTBEAT_PREFIX + "*", count=500)
    return {k.decode().removeprefix(HEARTBEAT_PREFIX) for k in keys}


def remove_orphans(at_start: bool = False) -> int:
    """Removes runpad containers whose worker is dead, and at start this worker's own leftovers."""
    alive = live_workers()
    if at_start:
        alive.discard(settings.worker_name)
    others = heartbeats_tell_the_dead()
    removed = 0
    mine = f"{containers.LABEL_INSTANCE}={settings.instance}"
    for c in client().api.containers(all=True, filters={"label": [containers.LABEL_WORKER, mine]}):
        owner = c["Labels"].get(containers.LABEL_WORKER)
        if owner not in alive and (others or owner == settings.worker_name):
            containers.remove(c["Id"])
            removed += 1
    return removed


def requeue_abandoned_builds(alive: set[str], **kw) -> list:
    """Builds dead workers held go back in the queue and are sent again: the message a dead worker
    held comes back only after the broker's visibility timeout (an hour). If the send fails, the build
    stays queued and the first run that needs it builds it."""
    requeued = builds.requeue_abandoned(alive, **kw)
    for build_id in requeued:
        dispatch.enqueue_build(build_id)
    return requeued


def reap(alive: set[str], **kw) -> list:
    """Ends the runs dead workers held (runs.reap), and follows each up as a worker follows up any
    run's end: a retry or the workspace's error handler, and its slot free for a waiting run."""
    reaped = runs.reap(alive, **kw)
    for run in filter(None, map(runs.get, reaped)):
        engine.follow_up(run)
    return reaped


def fail_own_leftovers() -> list:
    """At start: runs this worker name held when it died cannot be resumed; end them now, and queue
    its builds again (and those of other dead workers, when heartbeats can tell who is dead)."""
    me = settings.worker_name
    alive, among = live_workers() - {me}, None if heartbeats_tell_the_dead() else {me}
    requeue_abandoned_builds(alive, grace=timedelta(0), among=among)
    return reap(alive, grace=timedelta(0), among=among)


class Housekeeper(threading.Thread):
    def __init__(self, pool=None):
        super().__init__(daemon=True, name="housekeeper")
        self.pool = pool
        self.stopping = threading.Event()

    def run(self) -> None:
        ticks = 0
        while not self.stopping.wait(settings.heartbeat_seconds):
            ticks += 1
            try:
                heartbeat()
                report_engine()
                if ticks % 2 == 0 and heartbeats_tell_the_dead():
                    alive = live_workers()
                    reap(alive)
                    requeue_abandoned_builds(alive)
                    remove_orphans()
                if self.pool is not None:
                    self.pool.shrink()
                    metrics.publish_pool_stats(
                        settings.worker_name,
                        self.pool.size(),
                        self.pool.hits,
                        self.pool.misses,
                        ttl=settings.heartbeat_seconds * 3,
                    )
            except Exception:  # housekeeping retries on the next tick
                log.exception("housekeeping failed; retrying")

    def stop(self) -> None:
        self.stopping.set()


def start_worker(pool=None) -> Housekeeper:
    """What a worker does before taking work: check its walls, publish its base images, clean up
    after a previous life, announce itself."""
    from workers.runtime.network import ensure_networks

    ensure_networks()  # raises FirewallError when the rules are not on the bridges in use
    publish_base_images()
    fail_own_leftovers()
    removed = remove_orphans(at_start=True)
    if removed:
        log.info("removed %d container(s) left by stopped workers", removed)
    heartbeat()  # only now: a heartbeat says this worker is ready
    report_engine()
    keeper = Housekeeper(pool)
    keeper.start()
    return keeper
