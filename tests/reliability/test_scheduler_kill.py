"""Two schedulers share every-second schedules; one is killed (kill -9) in the middle."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from sqlalchemy import func, select, update

from app.core.db import session
from app.models import Run, RunStatus, Script, ScriptVersion
from tests.integration.test_scheduler import made  # noqa: F401 - the fixture: scripts deleted, queues purged
from tests.reliability.helpers import queued_messages
from tests.support.actors import acting

SCRIPTS = 20
WINDOW_SECONDS = 36
KILL_AT = 12  # seconds into the window


def every_second(made_ids: list[uuid.UUID], first: datetime, cron: bool) -> uuid.UUID:
    """A schedule-triggered script inserted directly (no build: its runs are never executed)."""
    with session() as s:
        script = Script(
            workspace_id=acting().workspace_id,
            name="drill-tick",
            runtime="python",
            trigger_type="schedule",
            cron="* * * * * *" if cron else None,
            interval_seconds=None if cron else 1,
            timezone="UTC",
            next_run_at=first,
            allow_overlap=True,
            deployed_version=1,
        )
        s.add(script)
        s.flush()
        s.add(ScriptVersion(script_id=script.id, number=1, runtime="python", code="x = 1\n", deps_hash="none"))
        s.commit()
    made_ids.append(script.id)
    return script.id


def test_killing_one_of_two_schedulers_loses_and_doubles_no_tick(made, start_scheduler, figures):  # noqa: F811 - made is the imported fixture
    """Promise: with two schedulers running, kill -9 of one mid-window loses no tick and fires none
    twice: every every-second schedule has exactly one run per second across the window (the dead
    one's open transaction rolls back, the survivor fires what it would have); the survivor's lag
    stays under a second apart from the tick(s) the killed one held when it died; each run is
    enqueued at most once, and a run the killed scheduler committed but had not yet enqueued stays
    `queued`, for the sweep to re-send (test_scheduler covers the sweep)."""
    procs = [start_scheduler(f"drill-sched-{i}", scheduler_batch=5, requeue_after_seconds=100_000) for i in range(2)]
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    ids = [every_second(made, first, cron=i % 2 == 0) for i in range(SCRIPTS)]
    time.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds()) + KILL_AT)
    victim, survivor = procs
    assert "fired" in victim.log() and "fired" in survivor.log()  # both were taking part
    os.killpg(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait()
    killed_at = datetime.now(UTC)
    time.sleep(WINDOW_SECONDS - KILL_AT)
    with session() as s:
        stopped_at = s.scalar(select(func.clock_timestamp()))
        s.execute(update(Script).where(Script.id.in_(ids)).values(enabled=False))
        s.commit()
    time.sleep(1)
    assert survivor.stop() == 0, survivor.log()[-2000:]

    with session() as s:
        rows = s.execute(
            select(Run.id, Run.script_id, Run.scheduled_at, Run.queued_at, Run.status).where(Run.script_id.in_(ids))
        ).all()
    ticks = defaultdict(list)
    for row in rows:
        ticks[row.script_id].append(row.scheduled_at)
    must_have = int((stopped_at - first).total_seconds()) - 1  # every tick up to a second before the stop
    for script_id in ids:
        got = sorted(ticks[script_id])
        assert got[0] == first
        assert all(b - a == timedelta(seconds=1) for a, b in pairwise(got)), "a gap or a duplicate"
        assert must_have <= len(got) - 1 <= must_have + 2
    sent = queued_messages()
    unsent = [row for row in rows if row.id not in sent]
    lags = sorted((row.queued_at - row.scheduled_at).total_seconds() for row in rows)
    after_kill = sorted(
        (row.queued_at - row.scheduled_at).total_seconds()
        for row in rows
        if row.scheduled_at > killed_at + timedelta(seconds=2)
    )
    figures(
        runs=len(rows),
        ticks_per_script=len(rows) // SCRIPTS,
        doubled=sum(sent[row.id] > 1 for row in rows),
        committed_not_enqueued=len(unsent),
        lag_p50_s=round(lags[len(lags) // 2], 3),
        lag_max_s=round(lags[-1], 3),
        lag_max_after_kill_s=round(after_kill[-1], 3),
        lag_p99_after_kill_s=round(after_kill[int(len(after_kill) * 0.99)], 3),
    )
    assert all(sent[row.id] <= 1 for row in rows)
    assert all(row.status == RunStatus.queued for row in unsent)
    assert after_kill[int(len(after_kill) * 0.99)] < 1.0
