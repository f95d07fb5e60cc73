"""A dependency build whose worker died is built by another worker: the builds' counterpart of the
run reaper. Before this, a build claimed by a worker killed mid-build stayed `building` for ever, and
every run of its dependency set waited for it until the build timeout, then failed."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete

from app.core.db import session
from app.core.settings import settings
from app.models import Build, BuildStatus, utcnow
from app.services import base_catalog, builds, logs
from tests.support.worker_process import WorkerProcess
from workers import tasks  # noqa: F401  (registers the task names for send_task)
from workers.runtime import images

pytestmark = pytest.mark.usefixtures("docker_ready")


def held_build(worker: str, started_ago: timedelta, runtime: str = "node", deps_hash: str | None = None) -> Build:
    """A build `worker` claimed `started_ago`, of the empty dependency set, by default under a hash of
    its own (so it is no other test's build; an empty node set installs nothing: no network)."""
    build = Build(
        deps_hash=deps_hash or f"reclaim-test-{uuid.uuid4().hex}",
        runtime=runtime,
        dependencies=[],
        base_image=settings.base_image(runtime),
        base_digest=images.base_digest(settings.base_image(runtime)),
        status=BuildStatus.building,
        worker=worker,
        started_at=utcnow() - started_ago,
    )
    with session() as s:
        s.add(build)
        s.commit()
        s.refresh(build)
    return build


def test_builds_of_workers_without_heartbeat_go_back_to_the_queue_once():
    dead = held_build("a-worker-that-died", timedelta(minutes=1))
    live = held_build("a-live-worker", timedelta(minutes=1))
    young = held_build("another-dead-worker", timedelta(seconds=1))  # within the grace: left alone for now
    requeued = builds.requeue_abandoned({"a-live-worker", "someone-else"})
    assert dead.id in requeued and live.id not in requeued and young.id not in requeued
    again = builds.get(dead.id)
    assert (again.status, again.started_at) == (BuildStatus.queued, None)
    assert builds.claim(dead.id, "someone-else") is not None  # claimable again, as a new build is
    assert builds.get(live.id).status == builds.get(young.id).status == BuildStatus.building
    assert dead.id not in builds.requeue_abandoned({"a-live-worker"})  # put back once
    mine = held_build("me-before-a-restart", timedelta(0))
    assert builds.requeue_abandoned(set(), grace=timedelta(0), among={"me-before-a-restart"}) == [mine.id]


def test_the_log_of_a_build_built_again_carries_on_after_the_first_attempt():
    build = held_build("a-worker-that-died", timedelta(minutes=1))
    first = logs.LogSink("build", build.id)
    first.system("building the node runner layer")
    first.flush()
    builds.requeue_abandoned(set())
    lines = logs.read("build", build.id)
    assert [ln.seq for ln in lines] == [1, 2]
    assert "(a-worker-that-died) stopped before it finished" in lines[-1].line


def test_a_live_worker_builds_what_a_dead_worker_left_half_built():
    # A worker builds only a set whose hash its own base reproduces: the empty node set's real hash.
    # Its row (other tests' too) is replaced by one a dead worker holds; the image is shared, so kept.
    real = base_catalog.current("node").deps_hash([])
    with session() as s:
        s.execute(delete(Build).where(Build.deps_hash == real))
        s.commit()
    name = f"reclaimer-{uuid.uuid4().hex[:6]}"
    worker = WorkerProcess(name).start()
    build = held_build("a-worker-killed-mid-build", timedelta(minutes=1), deps_hash=real)
    try:
        # the worker's housekeeping puts it back in the queue and sends it (every 2 heartbeats, once
        # Redis has held heartbeats for one TTL): 2 × 5 s + 15 s at most, and the build a few seconds
        deadline = time.monotonic() + 90
        while (done := builds.get(build.id)).status not in (BuildStatus.ready, BuildStatus.failed):
            assert time.monotonic() < deadline, f"build still {done.status} after 90 s"
            time.sleep(0.5)
        assert (done.status, done.worker) == (BuildStatus.ready, name), done.error
        assert images.image_present(done.image_ref)
    finally:
        worker.stop()
