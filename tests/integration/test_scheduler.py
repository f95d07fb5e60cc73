"""The scheduler against real PostgreSQL and Redis: ticks become runs once, missed ticks collapse,
overlap is honoured, and two scheduler processes fire every tick of busy schedules exactly once."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import delete, func, select, text, update

from app.core.db import session
from app.models import Run, RunStatus, Script, ScriptVersion, User
from app.services import requeue, runs, schedules
from tests.support.actors import acting
from tests.support.scheduler_process import SchedulerProcess
from workers import dispatch
from workers.scheduler import queue_size

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def made():
    """Scripts a test creates; deleted (with their runs) afterwards, and the run queue emptied."""
    ids: list[uuid.UUID] = []
    yield ids
    with session() as s:
        s.execute(delete(Script).where(Script.id.in_(ids)))
        s.commit()
    dispatch.purge()


def scheduled(made, cron=None, interval=None, next_run_at=T0, tz="UTC", **fields) -> Script:
    """A schedule-triggered script with a live version 1, inserted directly (no build: its runs never
    execute)."""
    fields.setdefault("deployed_version", 1)
    with session() as s:
        script = Script(
            workspace_id=acting().workspace_id,
            name="sched",
            runtime="python",
            trigger_type="schedule",
            cron=cron,
            interval_seconds=interval,
            timezone=tz,
            next_run_at=next_run_at,
            **fields,
        )
        s.add(script)
        s.flush()
        s.add(ScriptVersion(script_id=script.id, number=1, runtime="python", code="x = 1\n", deps_hash="none"))
        s.commit()
    made.append(script.id)
    return script


def runs_of(script_id) -> list[Run]:
    with session() as s:
        return list(s.scalars(select(Run).where(Run.script_id == script_id).order_by(Run.scheduled_at)))


def next_run_at(script_id) -> datetime | None:
    with session() as s:
        return s.get(Script, script_id).next_run_at


def test_a_due_tick_becomes_one_queued_run_carrying_the_schedule_event(made):
    script = scheduled(made, cron="*/5 * * * *", timeout_seconds=7)
    created = schedules.fire_due(now=T0 + timedelta(seconds=2))
    [run] = runs_of(script.id)
    assert created == [run.id]
    assert (run.status, run.trigger, run.version, run.timeout_seconds) == ("queued", "schedule", 1, 7)
    assert run.scheduled_at == T0
    assert run.event == {
        "trigger": "schedule",
        "body": None,
        "scheduled_at": "2026-05-01T12:00:00Z",
        "run_id": str(run.id),
    }
    assert next_run_at(script.id) == T0 + timedelta(minutes=5)
    assert schedules.fire_due(now=T0 + timedelta(seconds=3)) == []  # not due again until 12:05


def test_a_tick_runs_the_deployed_version_and_skips_a_script_with_none_live(made):
    script = scheduled(made, interval=60)
    never = scheduled(made, interval=60, deployed_version=None)
    with session() as s:  # a newer version that is not live (its build failed, or a draft)
        s.add(ScriptVersion(script_id=script.id, number=2, runtime="python", code="y = 2\n", deps_hash="other"))
        s.execute(update(Script).where(Script.id == script.id).values(current_version=2))
        s.commit()
    schedules.fire_due(now=T0 + timedelta(seconds=1))
    [run] = runs_of(script.id)
    assert run.version == 1
    assert runs_of(never.id) == [] and next_run_at(never.id) == T0 + timedelta(minutes=1)  # skipped, not stuck


def test_a_batch_gives_each_run_its_own_id_whatever_the_query_plan(made):
    scripts = [scheduled(made, interval=60, next_run_at=T0) for _ in range(60)]
    with session() as s:  # with statistics the planner may evaluate an uncorrelated uuid once
        s.execute(text("ANALYZE scripts, script_versions, runs"))
        s.commit()
    created = schedules.fire_due(now=T0, limit=100)
    assert len(set(created)) == 60
    for script in scripts:
        [run] = runs_of(script.id)
        assert run.event["run_id"] == str(run.id) and run.version_id is not None


def test_a_scheduled_run_has_the_columns_runs_create_gives_a_run_of_the_script(made):
    with session() as s:
        owner = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
        s.add(owner)
        s.commit()
    script = scheduled(made, interval=60, timeout_seconds=11, memory_mb=128, network=False, owner_id=owner.id)
    [fired] = [runs.get(i) for i in schedules.fire_due(now=T0)]
    with session() as s:
        version = s.scalars(select(ScriptVersion).where(ScriptVersion.script_id == script.id)).one()
        made_by_create = runs.create(
            s,
            version,
            "schedule",
            script=s.get(Script, script.id),
            event=schedules.schedule_event(T0),
            scheduled_at=T0 + timedelta(minutes=9),
            may_retry=True,  # as every schedule run may be
        )
        s.commit()
    own = {"id", "event", "queued_at", "scheduled_at"}
    columns = [c for c in Run.model_fields if c not in own]
    assert {c: getattr(fired, c) for c in columns} == {c: getattr(made_by_create, c) for c in columns}
    assert fired.event == {**schedules.schedule_event(T0), "run_id": str(fired.id)}
    with session() as s:
        s.execute(delete(User).where(User.id == owner.id))
        s.commit()


def test_ticks_missed_while_no_scheduler_ran_fire_once(made):
    script = scheduled(made, cron="*/5 * * * *", next_run_at=T0)
    now = T0 + timedelta(hours=3, minutes=2)  # 37 ticks missed
    assert len(schedules.fire_due(now=now)) == 1
    assert [r.scheduled_at for r in runs_of(script.id)] == [T0]
    assert next_run_at(script.id) == T0 + timedelta(hours=3, minutes=5)
    assert schedules.fire_due(now=now) == []


def test_an_interval_keeps_its_phase_after_missed_ticks(made):
    script = scheduled(made, interval=10, next_run_at=T0, allow_overlap=True)
    schedules.fire_due(now=T0 + timedelta(seconds=35, milliseconds=500))
    assert next_run_at(script.id) == T0 + timedelta(seconds=40)
    schedules.fire_due(now=T0 + timedelta(seconds=40, milliseconds=20))
    assert [r.scheduled_at for r in runs_of(script.id)] == [T0, T0 + timedelta(seconds=40)]


def test_a_tick_is_skipped_while_a_run_is_unfinished_unless_overlap_is_allowed(made):
    lone = scheduled(made, interval=60, next_run_at=T0)
    overlapping = scheduled(made, interval=60, next_run_at=T0, allow_overlap=True)
    schedules.fire_due(now=T0)
    for minute in (1, 2):  # the first runs are still queued
        schedules.fire_due(now=T0 + timedelta(minutes=minute))
    assert len(runs_of(lone.id)) == 1
    assert len(runs_of(overlapping.id)) == 3
    assert next_run_at(lone.id) == T0 + timedelta(minutes=3)  # skipped ticks still advance
    [first] = runs_of(lone.id)
    for status in (RunStatus.building, RunStatus.running):  # active runs block too
        with session() as s:
            s.execute(update(Run).where(Run.id == first.id).values(status=status))
            s.commit()
        schedules.fire_due(now=T0 + timedelta(minutes=3 if status == RunStatus.building else 4))
        assert len(runs_of(lone.id)) == 1
    runs.finish(first.id, RunStatus.succeeded, result=None)
    schedules.fire_due(now=T0 + timedelta(minutes=5))
    assert [r.scheduled_at for r in runs_of(lone.id)] == [T0, T0 + timedelta(minutes=5)]


def test_a_disabled_or_unscheduled_script_does_not_fire(made):
    disabled = scheduled(made, interval=1, next_run_at=T0, enabled=False)
    manual = scheduled(made, interval=1, next_run_at=T0)
    with session() as s:
        s.execute(update(Script).where(Script.id == manual.id).values(trigger_type="manual"))
        s.commit()
    assert schedules.fire_due(now=T0 + timedelta(hours=1)) == []
    assert runs_of(disabled.id) == runs_of(manual.id) == []
    assert next_run_at(disabled.id) == T0  # untouched; the scripts service recomputes it on enable


def test_disabling_stops_the_next_tick_at_once(made):
    script = scheduled(made, cron="* * * * * *", next_run_at=T0)
    schedules.fire_due(now=T0)
    with session() as s:
        s.execute(update(Script).where(Script.id == script.id).values(enabled=False))
        s.commit()
    assert schedules.fire_due(now=T0 + timedelta(seconds=5)) == []
    assert len(runs_of(script.id)) == 1


def test_an_edited_schedule_fires_on_its_new_ticks(made):
    script = scheduled(made, cron="0 * * * *", next_run_at=T0 + timedelta(hours=1))
    edited_at = T0 + timedelta(minutes=7, seconds=3)
    with session() as s:  # what the scripts service does on save
        s.execute(
            update(Script)
            .where(Script.id == script.id)
            .values(
                cron="*/10 * * * *",
                timezone="Asia/Kolkata",
                next_run_at=schedules.next_run("*/10 * * * *", None, "Asia/Kolkata", edited_at),
            )
        )
        s.commit()
    assert next_run_at(script.id) == T0 + timedelta(minutes=10)
    schedules.fire_due(now=T0 + timedelta(minutes=10, seconds=1))
    assert [r.scheduled_at for r in runs_of(script.id)] == [T0 + timedelta(minutes=10)]
    assert next_run_at(script.id) == T0 + timedelta(minutes=20)


def test_a_tick_that_already_has_a_run_is_skipped_without_failing_the_batch(made):
    script = scheduled(made, interval=60, next_run_at=T0, allow_overlap=True)
    other = scheduled(made, interval=60, next_run_at=T0, allow_overlap=True)
    schedules.fire_due(now=T0)
    with session() as s:  # moved back by hand to a tick that already fired
        s.execute(update(Script).where(Script.id == script.id).values(next_run_at=T0))
        s.execute(update(Script).where(Script.id == other.id).values(next_run_at=T0 + timedelta(minutes=1)))
        s.commit()
    assert len(schedules.fire_due(now=T0 + timedelta(minutes=1))) == 1  # only `other`
    assert len(runs_of(script.id)) == 1 and len(runs_of(other.id)) == 2
    assert next_run_at(script.id) == T0 + timedelta(minutes=2)


def test_a_schedule_that_can_no_longer_be_computed_stops_instead_of_failing_every_batch(made):
    broken = scheduled(made, cron="* * * *", next_run_at=T0)  # bad data written around validate
    fine = scheduled(made, interval=60, next_run_at=T0)
    assert len(schedules.fire_due(now=T0)) == 2
    assert next_run_at(broken.id) is None and next_run_at(fine.id) == T0 + timedelta(minutes=1)


def test_concurrent_fire_due_calls_fire_each_script_once(made):
    scripts = [scheduled(made, interval=60, next_run_at=T0) for _ in range(150)]
    created: list = []
    barrier = threading.Barrier(4)

    def fire():
        barrier.wait()
        while ids := schedules.fire_due(now=T0 + timedelta(seconds=1), limit=7):
            created.extend(ids)

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(created) == len(set(created)) == 150
    assert all(len(runs_of(s.id)) == 1 for s in scripts)


def test_the_sweep_resends_a_lost_run_then_fails_it(made):
    script = scheduled(made, interval=3600, next_run_at=None)
    with session() as s:
        version = s.scalars(select(ScriptVersion).where(ScriptVersion.script_id == script.id)).one()
        run = runs.create(s, version, "manual", script=script)
        run.queued_at = datetime.now(UTC) - timedelta(minutes=5)
        s.commit()
    sent = []
    lost = lambda run_id, trigger: sent.append((run_id, trigger))  # noqa: E731 - the message never arrives
    for attempt in range(3):
        swept = requeue.sweep(lost, ["manual"], timedelta(seconds=1), max_attempts=2)
        again = requeue.sweep(lost, ["manual"], timedelta(seconds=1), max_attempts=2)
        assert run.id not in again.requeued + again.failed  # at most once per period, across schedulers
        assert (run.id in swept.requeued, run.id in swept.failed) == ((True, False) if attempt < 2 else (False, True))
        time.sleep(1.1)
    assert [m for m in sent if m[0] == run.id] == [(run.id, "manual")] * 2
    done = runs.get(run.id)
    assert done.status == "failed" and "no worker took this run" in done.error


def test_the_sweep_leaves_fresh_runs_and_other_triggers_alone(made):
    script = scheduled(made, interval=3600, next_run_at=None)
    with session() as s:
        version = s.scalars(select(ScriptVersion).where(ScriptVersion.script_id == script.id)).one()
        fresh = runs.create(s, version, "manual", script=script)
        s.commit()
    swept = requeue.sweep(lambda *_: None, ["manual", "http"], timedelta(seconds=60), max_attempts=2)
    assert fresh.id not in swept.requeued
    swept = requeue.sweep(lambda *_: None, ["http"], timedelta(seconds=0), max_attempts=2)
    assert fresh.id not in swept.requeued


def test_a_scheduler_process_resends_a_run_whose_message_was_lost(made, docker_ready):
    from app.services import versions
    from tests.support.worker_process import WorkerProcess

    script = scheduled(made, interval=3600, next_run_at=None)
    base = versions.base_for("python")
    with session() as s:  # committed, but the enqueue after the commit never happened
        version = versions.new_version(s, base, "def handler(e, c):\n    return 'found'\n", [], [], script.id, 2)
        run = runs.create(s, version, "manual", script=script)
        s.commit()
    worker = WorkerProcess(f"sched-test-worker-{uuid.uuid4().hex[:6]}").start()
    scheduler = SchedulerProcess(
        f"sched-test-{uuid.uuid4().hex[:6]}", requeue_after_seconds=2, requeue_sweep_seconds=0.5
    ).start()
    try:
        done = runs.wait(run.id, timeout=90)
        assert (done.status, done.result) == ("succeeded", "found"), (done.status, done.error, scheduler.log()[-2000:])
        # other tests' never-queued runs in the same database may be re-sent alongside it
        assert re.search(r"re-sent \d+ lost run\(s\)", scheduler.log())
    finally:
        assert scheduler.stop() == 0
        worker.stop()


WINDOW_SECONDS = 125
SCRIPTS = 20


def test_two_scheduler_processes_fire_every_second_of_20_schedules_exactly_once(made):
    """Small batches (5) make the two processes contend for rows on every tick."""
    with session() as s:  # other tests' schedules would share the queue this test counts
        s.execute(update(Script).where(Script.trigger_type == "schedule").values(enabled=False))
        s.commit()
    dispatch.purge()
    procs = [
        SchedulerProcess(
            f"sched-pair-{i}-{uuid.uuid4().hex[:6]}", scheduler_batch=5, requeue_after_seconds=100_000
        ).start()
        for i in range(2)
    ]
    try:
        first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
        ids = [
            scheduled(made, cron="* * * * * *", next_run_at=first, allow_overlap=True).id for _ in range(SCRIPTS // 2)
        ]
        ids += [scheduled(made, interval=1, next_run_at=first, allow_overlap=True).id for _ in range(SCRIPTS // 2)]
        time.sleep((first - datetime.now(UTC)).total_seconds() + WINDOW_SECONDS)
        with session() as s:
            stopped_at = s.scalar(select(func.clock_timestamp()))
            s.execute(update(Script).where(Script.id.in_(ids)).values(enabled=False))
            s.commit()
        time.sleep(1)
    finally:
        codes = [p.stop() for p in procs]
    assert codes == [0, 0], [p.log()[-2000:] for p in procs]
    with session() as s:
        rows = s.execute(
            select(Run.script_id, Run.scheduled_at, Run.queued_at)
            .where(Run.script_id.in_(ids))
            .order_by(Run.scheduled_at)
        ).all()
    ticks, lags = defaultdict(list), []
    for script_id, at, queued_at in rows:
        ticks[script_id].append(at)
        lags.append((queued_at - at).total_seconds())
    must_have = int((stopped_at - first).total_seconds()) - 1  # every tick up to a second before the stop
    for script_id in ids:
        got = ticks[script_id]
        assert got[0] == first
        assert all(b - a == timedelta(seconds=1) for a, b in pairwise(got)), "a gap or a duplicate"
        assert must_have <= len(got) - 1 <= must_have + 2
    assert len(rows) >= SCRIPTS * WINDOW_SECONDS
    assert queue_size("runs") == len(rows)  # each run enqueued once, after its commit
    for p in procs:  # both took part
        assert "fired" in p.log(), p.log()[-2000:]
    lags.sort()
    print(
        f"\n{len(rows)} runs; lag p50 {lags[len(lags) // 2]:.3f} s, p99 {lags[int(len(lags) * 0.99)]:.3f} s, "
        f"max {lags[-1]:.3f} s; fired lines: {[p.log().count('fired') for p in procs]}"
    )
    assert lags[int(len(lags) * 0.99)] < 1.0
