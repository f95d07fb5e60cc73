"""Redis restarted (it keeps nothing on disk: every queued message and heartbeat is lost) while
hook calls arrive and runs execute."""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import update

from app.core.db import session
from app.models import FINAL_RUN_STATUSES, Run
from app.services import access, quotas, runs
from tests.reliability import services
from tests.reliability.helpers import (
    Burst,
    call_hook,
    hook_script,
    our_containers,
    queued_tryout,
    runs_of,
    wait_all_final,
    wait_for_status,
)
from tests.support.actors import acting
from workers import dispatch, tasks  # noqa: F401  (registers the task names for send_task)

HANDLER = (
    "export default async (event) => { await new Promise((r) => setTimeout(r, 100)); return { i: event.body.i }; };"
)
DOWN_SECONDS = 2.0  # longer than the hook's enqueue retry (0.1 + 0.3 + 0.9 s), so some calls exhaust it
HELD_SECONDS = 12  # the long run's worker stays silent this long after Redis is back (< heartbeat TTL 15 s)
ASYNC_CALLS = 150
SYNC_CALLS = 24
SETTLE_BOUND = 60  # every run final within this many seconds of Redis answering again
CONTAINER_GONE_BOUND = 30  # a finished run's container is removed within this long
LONG_TIMEOUT = 120  # the long run's own limit: it sleeps 40 s, and must end `succeeded` well within it


def watch_held_run(run_id, seconds: float) -> list[tuple[str, bool]]:
    """While its worker is stopped and Redis has forgotten every heartbeat, sample the long run's
    status and whether its container still exists, once a second for `seconds`."""
    samples = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        samples.append((runs.get(run_id).status, bool(our_containers(f"runpad.run_id={run_id}"))))
        time.sleep(1)
    return samples


def test_a_redis_restart_during_a_burst_of_hook_calls_loses_no_run(web, start_worker, start_scheduler, figures):
    """Promise: when Redis restarts empty during a burst of hook calls,
    - every call is answered with a run id, and that run ends with a final status recorded in
      PostgreSQL within 60 s of Redis answering again; no run stays queued or running:
      - a run whose queue message was lost is re-sent by the scheduler's sweep and succeeds;
      - a call whose enqueue failed for longer than its retries (0.1 + 0.3 + 0.9 s) is answered
        503 and its run is `failed` ("could not queue the run");
      - a synchronous call waiting while Redis is away gets its run's answer (the waiter polls
        PostgreSQL until Redis is back);
    - a live worker's long run is not reaped, nor its container removed, while Redis has forgotten
      the heartbeats: the worker is alive, it has just not announced itself again yet;
    - the long run then ends `succeeded` with its own result, within its timeout, and only then is
      its container removed;
    - the next call after the restart succeeds."""
    scheduler = start_scheduler(requeue_after_seconds=5, requeue_sweep_seconds=1)
    saved = hook_script(HANDLER, network=False)  # no veth pair per run: twice the run throughput here
    # both workers' slots for this workspace (the default quota is half of them, less the long run's):
    # the drill is about delivery across a Redis restart, and its sync calls must not queue for a quota
    quotas.change(access.SYSTEM, acting().slug, {"max_concurrent_runs": 8})
    keeper = start_worker("drill-redis-keeper")  # holds a long run across the restart
    long = queued_tryout(
        "python",
        "import time\ndef handler(e, c):\n    time.sleep(40)\n    return 'kept'\n",
        timeout_seconds=LONG_TIMEOUT,
    )
    dispatch.enqueue_run(long.id, long.trigger)
    wait_for_status(long.id, {"running"}, 60)
    with session() as s:  # as if it had started long ago: old enough for any reaper to consider it
        s.execute(update(Run).where(Run.id == long.id).values(started_at=Run.started_at - timedelta(minutes=2)))
        s.commit()
    start_worker("drill-redis-other")  # only now, so the long run is surely the keeper's
    url = f"{web.url}/hooks/{saved.script.hook_token}"
    assert call_hook(url, 1, 1, sync=True)[0].status == 200  # warm: image checked, pool filled

    async_calls = Burst(url, ASYNC_CALLS, 10, rate=ASYNC_CALLS / 10)  # 10 s of calls
    sync_calls = Burst(url, SYNC_CALLS, 4, rate=SYNC_CALLS / 8, sync=True)
    async_calls.start()
    sync_calls.start()
    time.sleep(4)
    with services.restored(services.ensure_redis):
        services.stop_redis()
        os.killpg(keeper.proc.pid, signal.SIGSTOP)  # its next heartbeat comes HELD_SECONDS after Redis is back
        try:
            time.sleep(DOWN_SECONDS)
            services.ensure_redis()
            back = time.monotonic()
            held = watch_held_run(long.id, HELD_SECONDS)
        finally:
            os.killpg(keeper.proc.pid, signal.SIGCONT)
    async_calls.join(120)
    sync_calls.join(180)
    calls = async_calls.calls + sync_calls.calls
    assert len(calls) == ASYNC_CALLS + SYNC_CALLS

    wait_all_final(saved.script.id, SETTLE_BOUND + 30)
    settled_after_back = time.monotonic() - back
    # The long run is asserted on below too, so wait for it as well: it ends by its own timeout at the latest.
    kept = wait_for_status(long.id, FINAL_RUN_STATUSES, LONG_TIMEOUT)
    by_id = {run.id: run for run in runs_of(saved.script.id)} | {long.id: kept}
    answered = Counter(c.status for c in calls)
    with_id = [c for c in calls if c.run_id]
    statuses = Counter(by_id[c.run_id].status for c in with_id)
    resent = sum(int(n) for n in re.findall(r"re-sent (\d+) lost run", scheduler.log()))
    sync_answers = Counter(f"{c.status}{'' if c.run_id else ' without run id'}" for c in sync_calls.calls)
    figures(
        calls=len(calls),
        answers=dict(answered),
        runs_created=len(by_id) - 1,
        calls_with_run_id=len(with_id),
        sync_answers=dict(sync_answers),
        final_statuses=dict(statuses),
        resent_by_sweep=resent,
        all_final_s_after_redis_back=round(settled_after_back, 1),
        redis_down_s=DOWN_SECONDS,
        long_run=f"{kept.status} {kept.result!r}",
        long_run_samples_while_held=len(held),
    )

    assert all(c.run_id for c in calls), [c for c in calls if not c.run_id][:5]
    for c in with_id:
        run = by_id[c.run_id]
        assert run.status in FINAL_RUN_STATUSES, (c, run.status)
        if c.status == 202 or c.status == 200:
            assert run.status == "succeeded" and run.result == {"i": c.i}, (c, run.status, run.error)
        if c.status == 503:
            assert run.status == "failed" and "could not queue the run" in run.error
    assert all(run.status in FINAL_RUN_STATUSES for run in by_id.values())
    assert len({c.run_id for c in with_id}) == len(with_id)  # no run id handed out twice
    assert settled_after_back <= SETTLE_BOUND

    assert held and all(status == "running" and alive for status, alive in held), held  # not reaped, not removed
    assert (kept.status, kept.result) == ("succeeded", "kept"), kept.error
    # removal runs beside the recording of the end, so it gets a bound of its own
    services.wait_until(
        lambda: our_containers(f"runpad.run_id={long.id}") == [],
        CONTAINER_GONE_BOUND,
        "the long run's container removed",
    )
    assert call_hook(url, 1, 1, sync=True)[0].status == 200
