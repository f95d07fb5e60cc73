"""Failures reach someone (contract §4), through a real worker and scheduler: a failed run starts the
workspace's error handler with the contract's payload; a schedule run is retried after its backoff
first; the handler's own failure does not call it again; a run whose worker died is followed up so too
once the reaper ends it; a hook call turned away is reported once a minute and counted; each handler
runs with its own workspace's secrets only."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.db import session
from app.core.redis import redis_client
from app.models import Run, RunStatus, Script, Trigger
from app.services import error_handler, failures, hooks, launch, metrics, queue, runs, schedules, scripts, secrets
from app.services.access import Access
from tests.support.actors import acting, new_user
from tests.support.scheduler_process import SchedulerProcess
from tests.support.scripts import built_script, unbuilt_script
from tests.support.worker_process import WorkerProcess
from workers import dispatch, maintenance

pytestmark = pytest.mark.usefixtures("docker_ready")
FAILS = "export default () => { throw new Error('boom ' + 'from the script'); };"
# the secret reversed: a run's result has its secrets' values masked
HANDLER = "export default (event) => ({ got: event, secret: [...(process.env.WHERE ?? '')].reverse().join('') });"


@pytest.fixture(scope="module")
def worker():
    w = WorkerProcess(f"failures-worker-{uuid.uuid4().hex[:6]}", concurrency=4).start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def scheduler():
    """Its sweep sends retries once their backoff has passed (every second here)."""
    s = SchedulerProcess(f"failures-scheduler-{uuid.uuid4().hex[:6]}", requeue_sweep_seconds=1).start()
    yield s
    s.stop()


def team(secret_value: str) -> tuple[Access, Script]:
    """A workspace with the secret WHERE and a handler that returns its event and that secret."""
    where = acting(new_user("failures"))
    secrets.put(where, "WHERE", secret_value)
    handler = built_script(where, "on failure", "node", HANDLER, [], ["WHERE"]).script
    error_handler.choose(where, handler.id)
    return where, handler


def runs_of(script_id: uuid.UUID) -> list[Run]:
    with session() as s:
        return list(s.scalars(select(Run).where(Run.script_id == script_id).order_by(Run.queued_at)))


def wait_for(check, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def handler_runs(handler: Script, n: int) -> list[Run]:
    return wait_for(lambda: (done := [r for r in runs_of(handler.id) if r.finished_at]) and len(done) >= n and done)


def test_a_failed_run_starts_the_handler_with_the_contract_payload(worker):
    where, handler = team("team a")
    failing = built_script(where, "fails", "node", FAILS).script
    run = launch.manual_run(where, failing.id, {"x": 1})
    assert runs.wait(run.id, timeout=60).status == RunStatus.failed

    [handled] = handler_runs(handler, 1)
    assert handled.status == RunStatus.succeeded and handled.trigger == Trigger.error
    event = handled.result["got"]
    assert event["trigger"] == "error" and event["run_id"] == str(handled.id)
    body = event["body"]
    assert body.keys() == {"script_id", "script_name", "run_id", "status", "error", "trigger", "at"}
    assert body["script_id"] == str(failing.id) and body["script_name"] == "fails"
    assert body["run_id"] == str(run.id) and body["status"] == "failed" and body["trigger"] == "manual"
    assert "boom from the script" in body["error"]
    assert handled.result["secret"] == "team a"[::-1]  # its own workspace's value


def test_a_schedule_run_is_retried_after_its_backoff_then_reported(worker, scheduler):
    where, handler = team("team b")
    failing = built_script(where, "nightly", "node", FAILS, trigger={"type": "schedule", "interval_seconds": 3600})
    scripts.update(where, failing.script.id, {"retries": {"count": 2, "backoff_seconds": 1}})
    with session() as s:  # the tick the scheduler would fire (schedules.INSERT_RUNS makes the same run)
        script = s.get_one(Script, failing.script.id)
        first = runs.create(
            s,
            failing.version,
            "schedule",
            script=script,
            event=schedules.schedule_event(script.next_run_at),
            may_retry=True,
        )
        s.commit()
    dispatch.enqueue_run(first.id, "schedule")

    attempts = wait_for(
        lambda: (done := [r for r in runs_of(failing.script.id) if r.finished_at]) and len(done) == 3 and done
    )
    assert [r.attempt for r in attempts] == [1, 2, 3] and {r.status for r in attempts} == {RunStatus.failed}
    assert {r.retry_of for r in attempts[1:]} == {first.id}
    assert [r.event["scheduled_at"] for r in attempts] == [first.event["scheduled_at"]] * 3
    assert attempts[1].started_at >= attempts[1].not_before  # waited out its backoff: 1 s, then 2 s
    assert (attempts[2].not_before - attempts[1].finished_at).total_seconds() >= 1.9

    [handled] = handler_runs(handler, 1)  # once, after the last try
    assert handled.result["got"]["body"]["run_id"] == str(attempts[2].id)
    assert handled.result["got"]["body"]["trigger"] == "schedule"


def test_the_handler_failing_does_not_call_it_again(worker):
    where = acting(new_user("failures"))
    handler = built_script(where, "broken handler", "node", FAILS).script
    error_handler.choose(where, handler.id)
    failing = built_script(where, "fails", "node", FAILS).script
    runs.wait(launch.manual_run(where, failing.id, None).id, timeout=60)
    [handled] = handler_runs(handler, 1)
    assert handled.status == RunStatus.failed
    time.sleep(2)  # time enough for a second handler run to have been queued and started
    assert len(runs_of(handler.id)) == 1


def test_another_workspaces_failures_never_reach_a_handler(worker):
    _, theirs = team("team c")
    where, mine = team("team d")
    failing = built_script(where, "fails", "node", FAILS).script
    runs.wait(launch.manual_run(where, failing.id, None).id, timeout=60)
    [handled] = handler_runs(mine, 1)
    assert handled.result["secret"] == "team d"[::-1]
    assert runs_of(theirs.id) == []


def held_by_a_dead_worker(where: Access, script: Script, trigger: str) -> Run:
    """A run of the script that a worker claimed a minute ago and then died holding (no heartbeat)."""
    with session() as s:
        version = scripts.current_version(s, s.get_one(Script, script.id))
        run = runs.create(s, version, trigger, {"n": 1}, script=s.get_one(Script, script.id), may_retry=True)
        s.commit()
    dead = f"dead-worker-{uuid.uuid4().hex[:6]}"
    assert runs.claim(run.id, dead, share_slots=False) is not None
    with session() as s:
        row = s.get_one(Run, run.id)
        row.started_at -= timedelta(minutes=1)
        s.commit()
    return row


def test_a_run_a_dead_worker_held_starts_the_handler_once_reaped(worker):
    where, handler = team("team f")
    script = built_script(where, "held", "node", "export default () => 1;").script
    held = held_by_a_dead_worker(where, script, "manual")

    assert maintenance.reap({worker.name}, among={held.worker}) == [held.id]
    assert runs.get(held.id).status == RunStatus.failed
    [handled] = handler_runs(handler, 1)
    body = handled.result["got"]["body"]
    assert body["run_id"] == str(held.id) and body["status"] == "failed" and body["trigger"] == "manual"
    assert f"({held.worker}) stopped before it finished" in body["error"]


def test_a_reaped_schedule_run_is_retried_before_the_handler_hears(worker, scheduler):
    where, handler = team("team g")
    script = built_script(where, "nightly held", "node", "export default () => 'second try';").script
    scripts.update(where, script.id, {"retries": {"count": 1, "backoff_seconds": 1}})
    held = held_by_a_dead_worker(where, script, "schedule")

    maintenance.reap({worker.name}, among={held.worker})
    retried = wait_for(lambda: [r for r in runs_of(script.id) if r.retry_of == held.id and r.finished_at])
    assert [(r.attempt, r.status, r.result) for r in retried] == [(2, RunStatus.succeeded, "second try")]
    assert runs_of(handler.id) == []  # the retry succeeded: nothing to report


def test_a_hook_call_turned_away_is_reported_once_a_minute_and_counted(worker):
    where, handler = team("team e")
    # a dependency set of its own whose build is never sent: every call is turned away with 409
    package = f"runpad-never-built-{uuid.uuid4().hex[:8]}@1.0.0"
    hook = unbuilt_script(where, "hook", "node", "export default () => 1;", [package], trigger={"type": "http"}).script
    before = int(redis_client().hget(metrics.TURNED_AWAY_KEY, "409") or 0)
    call = hooks.HookRequest(hook.hook_token, "POST", "/", {}, {}, b"", wants_async=True)
    with queue.using(dispatch.CeleryQueue()):
        answers = [hooks.accept(call).status for _ in range(3)]
    assert answers == [409, 409, 409]
    assert int(redis_client().hget(metrics.TURNED_AWAY_KEY, "409")) == before + 3
    listed = failures.recent_turned_away(where, hook.id)  # what the script's runs page lists
    assert [(c.status, "not built yet" in c.error) for c in listed] == [(409, True)] * 3

    [handled] = handler_runs(handler, 1)  # three calls, one report
    body = handled.result["got"]["body"]
    assert body["status"] == "turned_away" and body["run_id"] is None and body["trigger"] == "http"
    assert "HTTP 409" in body["error"] and "not built yet" in body["error"]
