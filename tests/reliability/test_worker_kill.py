"""kill -9 of a worker in the middle of a run, with and without the worker coming back."""

from __future__ import annotations

import time
import uuid

from app.core.settings import settings
from app.models import FINAL_RUN_STATUSES
from app.services import logs, runs
from tests.reliability import services
from tests.reliability.helpers import messages_for, our_containers, queued_tryout, wait_for_status
from tests.support.worker_process import WorkerProcess
from workers import dispatch, tasks  # noqa: F401  (registers the task names for send_task)

HEARTBEAT_TTL = settings.heartbeat_seconds * 3  # 15 s: a killed worker's key lives this long at most
REAP_GRACE = 20  # runs.reap leaves runs younger than this alone
REAP_EVERY = settings.heartbeat_seconds * 2  # each live worker reaps on every second housekeeping tick
BOUND_SECONDS = 40  # measured ≈ 21-31 s; see docs/reliability.md


def sleeper(marker: str) -> str:
    return f"import time\ndef handler(e, c):\n    print('{marker}', flush=True)\n    time.sleep(120)\n"


def marker_count(run_id, marker: str) -> int:
    return [line.line for line in logs.read("run", run_id)].count(marker)


def test_a_killed_worker_that_never_comes_back_is_reaped_by_another_worker(start_worker, figures):
    """Promise: when a worker dies mid-run (kill -9) and never returns, any other live worker
    ends the run as `failed`, with an error naming the dead worker, within 40 s of the death
    (heartbeat TTL 15 s, reap grace 20 s after the run started, a reaper pass every 10 s), and
    removes every container the dead worker left (the run's and its warm pool's). The run is not
    retried: a redelivered message finds it ended and does nothing. The surviving worker keeps
    serving runs."""
    doomed = start_worker("drill-doomed")
    marker = uuid.uuid4().hex
    run = queued_tryout("python", sleeper(marker), timeout_seconds=300)
    dispatch.enqueue_run(run.id, run.trigger)
    running = wait_for_status(run.id, {"running"}, 60)
    assert running.worker == doomed.name
    survivor = start_worker("drill-survivor")  # after the claim, so the run is surely on `doomed`
    assert our_containers(f"runpad.worker={doomed.name}")  # the run's container and warm ones

    doomed.kill9()
    killed, killed_wall = time.monotonic(), time.time()
    assert runs.get(run.id).status == "running"  # nobody knows yet
    done = wait_for_status(run.id, FINAL_RUN_STATUSES, BOUND_SECONDS + 20)
    ended_after = time.monotonic() - killed
    while our_containers(f"runpad.worker={doomed.name}") and time.monotonic() - killed < BOUND_SECONDS + 20:
        time.sleep(0.2)
    cleaned_after = time.monotonic() - killed

    assert done.status == "failed" and f"({doomed.name}) stopped before it finished" in done.error
    assert our_containers(f"runpad.worker={doomed.name}") == []
    assert our_containers(f"runpad.run_id={run.id}") == []
    started_before_kill = killed_wall - running.started_at.timestamp()
    figures(
        reaped_after_kill_s=round(ended_after, 1),
        containers_gone_after_kill_s=round(cleaned_after, 1),
        run_had_started_s_before_kill=round(started_before_kill, 1),
        bound_s=BOUND_SECONDS,
        heartbeat_ttl_s=HEARTBEAT_TTL,
        reap_grace_s=REAP_GRACE,
        reap_every_s=REAP_EVERY,
    )
    assert ended_after <= BOUND_SECONDS and cleaned_after <= BOUND_SECONDS

    # At most once: the message the dead worker held, delivered again, finds the run ended.
    held = messages_for(run.id, "tryout")  # the dead worker's own message, unacknowledged until it times out
    dispatch.enqueue_run(run.id, run.trigger)
    after = queued_tryout("node", "export default () => 'still serving';")
    dispatch.enqueue_run(after.id, after.trigger)
    served = runs.wait(after.id, timeout=60)
    assert (served.status, served.result, served.worker) == ("succeeded", "still serving", survivor.name)
    # the duplicate was queued first; wait until a worker has consumed and acknowledged it
    services.wait_until(lambda: messages_for(run.id, "tryout") <= held, 30, "the duplicate message consumed")
    again = runs.get(run.id)
    assert (again.status, again.finished_at) == ("failed", done.finished_at)
    assert marker_count(run.id, marker) == 1


def test_a_killed_worker_restarted_under_its_name_ends_its_runs_at_start(start_worker, figures):
    """Promise: a worker killed mid-run and started again under the same name (same machine)
    ends the runs it held as `failed` before it takes new work, and removes the containers its
    previous life left; the next run succeeds."""
    worker = start_worker("drill-phoenix")
    run = queued_tryout("python", sleeper(uuid.uuid4().hex), timeout_seconds=300)
    dispatch.enqueue_run(run.id, run.trigger)
    wait_for_status(run.id, {"running"}, 60)
    worker.kill9()
    assert runs.get(run.id).status == "running"
    t0 = time.monotonic()
    again = WorkerProcess(worker.name).start()  # returns once it is ready (first heartbeat)
    ready_after = time.monotonic() - t0
    try:
        done = runs.get(run.id)
        assert done.status == "failed" and "stopped before it finished" in done.error
        assert our_containers(f"runpad.run_id={run.id}") == []
        assert our_containers(f"runpad.worker={worker.name}") == []  # the new life has started none yet
        after = queued_tryout("node", "export default () => 'after restart';")
        dispatch.enqueue_run(after.id, after.trigger)
        assert runs.wait(after.id, timeout=60).result == "after restart"
        figures(restart_to_ready_s=round(ready_after, 1), run_failed_by_ready=True)
    finally:
        again.stop()
