"""The real path: enqueue → Celery worker process → container → result, and what survives failures."""

import time
import uuid
from datetime import timedelta

import pytest

from app.core.db import session
from app.services import logs, runs, versions
from tests.support.actors import acting
from tests.support.worker_process import WorkerProcess
from workers import dispatch, tasks  # noqa: F401  (registers the task names for send_task)
from workers.runtime.docker_client import client

pytestmark = pytest.mark.usefixtures("docker_ready")


def queued(runtime: str, code: str, body=None, **limits):
    base = versions.base_for(runtime)
    with session() as s:
        version = versions.new_version(s, base, code, [], [])
        run = runs.create(s, version, "tryout", body, **limits, workspace_id=acting().workspace_id)
        s.commit()
    return run


def containers_of(run_id):
    return client().api.containers(all=True, filters={"label": f"runpad.run_id={run_id}"})


def wait_for_status(run_id, statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = runs.get(run_id)
        if run.status in statuses:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} still {runs.get(run_id).status}")


@pytest.fixture
def worker():
    w = WorkerProcess(f"test-worker-{uuid.uuid4().hex[:8]}").start()
    yield w
    w.stop()


def test_enqueued_runs_finish_through_the_worker_each_in_a_fresh_container(worker):
    seen = set()
    for i in range(4):
        run = queued("node", "export default (e) => e.body + 1;", body=i)
        dispatch.enqueue_run(run.id, run.trigger)
        done = runs.wait(run.id, timeout=60)
        assert done.status == "succeeded" and done.result == i + 1
        assert done.worker == worker.name
        seen.add(done.container_id)
    assert len(seen) == 4  # warm containers are never reused across runs


def test_a_message_delivered_twice_runs_once(worker):
    marker = uuid.uuid4().hex
    run = queued("python", f"import time\ndef handler(e, c):\n    print('{marker}')\n    time.sleep(1)\n    return 1\n")
    dispatch.enqueue_run(run.id, run.trigger)
    dispatch.enqueue_run(run.id, run.trigger)
    assert runs.wait(run.id, timeout=60).status == "succeeded"
    time.sleep(2)  # let the second delivery be consumed too
    assert [ln.line for ln in logs.read("run", run.id)].count(marker) == 1


def test_cancel_stops_a_running_run(worker):
    run = queued("python", "import time\ndef handler(e, c):\n    time.sleep(120)\n", timeout_seconds=300)
    dispatch.enqueue_run(run.id, run.trigger)
    wait_for_status(run.id, {"running"})
    runs.cancel(run.id)
    done = runs.wait(run.id, timeout=20)
    assert done.status == "cancelled"
    deadline = time.monotonic() + 10
    while containers_of(run.id) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert containers_of(run.id) == []


def test_cancel_of_a_queued_run_is_immediate():
    run = queued("python", "x = 1\n")
    assert runs.cancel(run.id).status == "cancelled"


def test_a_killed_worker_leaves_no_run_running_and_no_container(worker):
    run = queued("python", "import time\ndef handler(e, c):\n    time.sleep(120)\n", timeout_seconds=300)
    dispatch.enqueue_run(run.id, run.trigger)
    wait_for_status(run.id, {"running"})
    assert containers_of(run.id)
    worker.kill9()
    assert runs.get(run.id).status == "running"  # nobody knows yet
    restarted = WorkerProcess(worker.name).start()  # same machine, same name: cleans up at start
    try:
        done = runs.get(run.id)
        assert done.status == "failed" and "stopped before it finished" in done.error
        assert containers_of(run.id) == []
        retry = queued("node", "export default () => 'after restart';")
        dispatch.enqueue_run(retry.id, retry.trigger)
        assert runs.wait(retry.id, timeout=60).result == "after restart"
    finally:
        restarted.stop()


def test_the_reaper_ends_runs_of_workers_without_heartbeat():
    run = queued("python", "x = 1\n")
    claimed = runs.claim(run.id, "a-worker-that-died", share_slots=False)
    assert claimed is not None
    with session() as s:  # as if it started a minute ago
        row = s.get(type(claimed), run.id)
        row.started_at = row.started_at - timedelta(minutes=1)
        s.add(row)
        s.commit()
    assert runs.reap(live_workers={"someone-else"}) == [run.id]
    assert "a-worker-that-died" in runs.get(run.id).error
    assert runs.reap(live_workers=set()) == []  # ended once
