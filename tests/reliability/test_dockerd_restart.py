"""dockerd stopped and started again while runs execute. Without live-restore (the default here)
stopping dockerd stops every container: runs in flight cannot finish, and the warm pool's waiting
containers die with them."""

from __future__ import annotations

import time

from app.core.redis import redis_client
from app.models import FINAL_RUN_STATUSES
from app.services import metrics, runs
from tests.reliability import services
from tests.reliability.helpers import our_containers, queued_tryout, wait_for_status
from workers import dispatch, tasks  # noqa: F401  (registers the task names for send_task)
from workers.runtime import containers, network

TRIVIAL = "export default (e) => ({ ok: e.body });"
SLOW = "export default () => new Promise((r) => setTimeout(r, 90000));"
SETTLE_BOUND = 30  # runs in flight end, and old containers are gone, within this long of dockerd answering


def run_trivial(body, timeout: float = 60):
    run = queued_tryout("node", TRIVIAL, body)
    dispatch.enqueue_run(run.id, run.trigger)
    return runs.wait(run.id, timeout=timeout)


def pool_stats(worker: str) -> dict[str, int]:
    raw = redis_client().hgetall(metrics.POOL_PREFIX + worker)
    return {k.decode(): int(v) for k, v in raw.items()}


def warm_containers(worker: str) -> list[dict]:
    return [
        c
        for c in our_containers(f"{containers.LABEL_WORKER}={worker}", f"{containers.LABEL_POOL}=1")
        if c["State"] == "running"
    ]


def test_a_dockerd_restart_fails_runs_in_flight_and_the_warm_pool_recovers(start_worker, figures):
    """Promise: when dockerd restarts, runs in flight end `failed` with an error saying that the
    Docker Engine stopped or restarted, at the latest 30 s after it answers again; the worker
    keeps running; the warm pool notices its dead containers when their image is next used and
    replaces them, so the next run succeeds (cold) and the ones after it are warm again; every
    container from before the restart is removed within 30 s of dockerd answering (the worker
    retries the removals dockerd refused while it was down), and the run network's firewall
    rules still hold."""
    worker = start_worker("drill-dockerd")
    assert run_trivial(0).status == "succeeded"  # fills the warm pool for this image and limits
    services.wait_until(lambda: len(warm_containers(worker.name)) >= 2, 30, "warm pool filled")
    long = [queued_tryout("node", SLOW, timeout_seconds=120) for _ in range(2)]  # same image and limits: one pool
    for run in long:
        dispatch.enqueue_run(run.id, run.trigger)
    for run in long:
        wait_for_status(run.id, {"running"}, 60)
    before = {c["Id"] for c in our_containers(f"{containers.LABEL_WORKER}={worker.name}")}

    with services.restored(services.ensure_dockerd):
        t0 = time.monotonic()
        services.stop_dockerd()
        stopped_in = time.monotonic() - t0
        services.ensure_dockerd()
    back = time.monotonic()
    restart_took = back - t0

    ended = [wait_for_status(run.id, FINAL_RUN_STATUSES, SETTLE_BOUND + 30) for run in long]
    ended_after_back = time.monotonic() - back
    assert worker.proc.poll() is None, "the worker process died with dockerd"
    hits_before = pool_stats(worker.name).get("hits", 0)
    t1 = time.monotonic()
    first = run_trivial(1)
    first_took = time.monotonic() - t1
    assert (first.status, first.result) == ("succeeded", {"ok": 1}), first.error
    services.wait_until(lambda: len(warm_containers(worker.name)) >= 2, 30, "warm pool refilled")
    t2 = time.monotonic()
    second = run_trivial(2)
    second_took = time.monotonic() - t2
    assert (second.status, second.result) == ("succeeded", {"ok": 2}), second.error
    services.wait_until(lambda: pool_stats(worker.name).get("hits", 0) > hits_before, 15, "a warm hit published")

    deadline = back + SETTLE_BOUND
    while before & {c["Id"] for c in our_containers()} and time.monotonic() < deadline:
        time.sleep(0.5)
    left = before & {c["Id"] for c in our_containers()}
    figures(
        dockerd_stop_s=round(stopped_in, 1),
        dockerd_restart_total_s=round(restart_took, 1),
        in_flight_ended_s_after_back=round(ended_after_back, 1),
        errors=sorted({r.error for r in ended}),
        first_run_after_s=round(first_took, 2),
        next_warm_run_s=round(second_took, 2),
        old_containers_left=len(left),
    )

    for run in ended:
        assert run.status == "failed" and "Docker Engine stopped or restarted" in run.error, run.error
    assert ended_after_back <= SETTLE_BOUND
    assert left == set(), [c for c in our_containers() if c["Id"] in left]
    assert network.firewall_intact(), "firewall rules missing after the restart"
    worker.stop()
    assert our_containers(f"{containers.LABEL_WORKER}={worker.name}") == []
