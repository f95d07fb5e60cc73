"""A worker's housekeeping: heartbeats, removing containers dead workers left, reaping their runs,
putting their builds back in the queue, and shrinking the warm pool. Runs as one daemon thread per
worker process."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import redis

from app.services import builds, metrics, runs
from app.services.logs import redis_client
from app.settings import settings
from workers import dispatch
from workers.runtime import containers
from workers.runtime.docker_client import client

log = logging.getLogger(__name__)
HEARTBEAT_PREFIX = "runpad:worker:"
HEARTBEATS_SINCE = "runpad:workers:heartbeats-since"  # Redis time of the first heartbeat it holds


def heartbeat() -> None:
    redis_client().set(HEARTBEAT_PREFIX + settings.worker_name, "1", ex=settings.heartbeat_seconds * 3)


def heartbeats_tell_the_dead() -> bool:
    """Whether a missing heartbeat means a dead worker. Not for one TTL after Redis lost its data
    (restarted without persistence, or flushed): it forgot every heartbeat at once, and a live worker
    sends its next one only on its next tick. Redis's own clock, so machines need not agree."""
    r = redis_client()
    now = r.time()[0]
    r.set(HEARTBEATS_SINCE, now, nx=True)
    return now - int(r.get(HEARTBEATS_SINCE) or now) >= settings.heartbeat_seconds * 3


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


def fail_own_leftovers() -> list:
    """At start: runs this worker name held when it died cannot be resumed; end them now, and queue
    its builds again (and those of other dead workers, when heartbeats can tell who is dead)."""
    me = settings.worker_name
    alive, among = live_workers() - {me}, None if heartbeats_tell_the_dead() else {me}
    requeue_abandoned_builds(alive, grace=timedelta(0), among=among)
    return runs.reap(alive, grace=timedelta(0), among=among)


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
                if ticks % 2 == 0 and heartbeats_tell_the_dead():
                    alive = live_workers()
                    runs.reap(alive)
                    requeue_abandoned_builds(alive)
                    remove_orphans()
                if self.pool is not None:
                    self.pool.shrink()
                    metrics.publish_pool_stats(settings.worker_name, self.pool.size(), self.pool.hits,
                                               self.pool.misses, ttl=settings.heartbeat_seconds * 3)
            except (redis.RedisError, Exception):  # noqa: BLE001 - housekeeping retries on the next tick
                log.exception("housekeeping failed; retrying")

    def stop(self) -> None:
        self.stopping.set()


def start_worker(pool=None) -> Housekeeper:
    """What a worker does before taking work: announce itself, clean up after a previous life."""
    from workers.runtime.network import ensure_networks

    ensure_networks()  # raises FirewallError when the rules are not on the bridges in use
    fail_own_leftovers()
    removed = remove_orphans(at_start=True)
    if removed:
        log.info("removed %d container(s) left by stopped workers", removed)
    heartbeat()  # only now: a heartbeat says this worker is ready
    keeper = Housekeeper(pool)
    keeper.start()
    return keeper
