"""A bounded load test of the hooks endpoint on 127.0.0.1: 2,000 calls at concurrency 20."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.core.db import session
from app.models import LogLine
from app.services import access, quotas
from tests.reliability.helpers import call_hook, hook_script, percentile, queued_messages, runs_of, wait_all_final
from tests.support.actors import acting

HANDLER = "export default (event) => { console.log('ran', event.body.i); return { i: event.body.i }; };"
CALLS = int(os.environ.get("RUNPAD_DRILL_LOAD_CALLS", "2000"))  # fewer for a quick local look
CONCURRENCY = 20
SYNC_CALLS = 100
# Each run is a fresh container: this 2-core machine creates, starts and removes about 6 a second
# (network off), so 2,000 runs take about 5.5 minutes; the bound leaves room for a slower machine.
DRAIN_BOUND = 600


def executions_per_run(run_ids) -> Counter:
    """How many times each run's handler printed its line: once per execution."""
    with session() as s:
        rows = s.execute(
            select(LogLine.source_id, func.count())
            .where(
                LogLine.source == "run",
                LogLine.source_id.in_(list(run_ids)),
                LogLine.stream == "stdout",
                LogLine.line.like("ran %"),
            )
            .group_by(LogLine.source_id)
        )
        return Counter(dict(rows.all()))


@pytest.mark.timeout(DRAIN_BOUND + 300)
def test_2000_async_hook_calls_at_concurrency_20_each_become_exactly_one_run(web, start_worker, figures):
    """Promise: on loopback, 2,000 asynchronous calls (?async=1) at concurrency 20 are all
    accepted (202, each with its own run id) and each is queued exactly once: the script has
    exactly 2,000 queued runs and the queue one message for each. Once a worker runs, every one
    of them ends `succeeded` with the result of its own call, executed once (its handler's log
    line appears once): none lost, none doubled. Then 100 synchronous calls at concurrency 20 all
    get their handler's answer. Throughput and latency are measured, not promised: the calls are
    made with no worker running, so the figures are the endpoint's own on this 2-core machine."""
    saved = hook_script(HANDLER, network=False)  # no veth pair per run: about twice the runs per second
    # the whole worker for this workspace, as an installation admin would grant one that owns the machine
    # (the default is half the slots); so the drain measures the hooks path, comparable with earlier runs
    quotas.change(access.SYSTEM, acting().slug, {"max_concurrent_runs": 4})
    url = f"{web.url}/hooks/{saved.script.hook_token}"

    t0 = time.monotonic()
    calls = call_hook(url, CALLS, CONCURRENCY)
    accepted_in = time.monotonic() - t0
    answers = Counter(c.status for c in calls)
    assert answers == {202: CALLS}, (answers, [c.error for c in calls if c.status != 202][:5])
    ids = {c.run_id: c.i for c in calls}
    assert len(ids) == CALLS
    assert Counter(run.status for run in runs_of(saved.script.id)) == {"queued": CALLS}
    queued = queued_messages()
    assert all(queued[run_id] == 1 for run_id in ids)

    worker = start_worker("drill-load", concurrency=4)
    t1 = time.monotonic()
    wait_all_final(saved.script.id, DRAIN_BOUND)
    drained_in = time.monotonic() - t1
    mine = runs_of(saved.script.id)
    assert {run.id for run in mine} == set(ids)
    assert Counter(run.status for run in mine) == {"succeeded": CALLS}
    assert all(run.result == {"i": ids[run.id]} and run.worker == worker.name for run in mine)
    assert sorted(run.event["body"]["i"] for run in mine) == list(range(CALLS))
    executions = executions_per_run(ids)
    assert len(executions) == CALLS and set(executions.values()) == {1}

    t2 = time.monotonic()
    sync = call_hook(url, SYNC_CALLS, CONCURRENCY, sync=True)
    sync_in = time.monotonic() - t2
    assert Counter(c.status for c in sync) == {200: SYNC_CALLS}, [c.error for c in sync if c.status != 200][:5]
    assert all(c.run_id for c in sync)
    latencies = [c.seconds for c in calls]
    figures(
        mode="async ?async=1, no worker running",
        calls=CALLS,
        concurrency=CONCURRENCY,
        accept_s=round(accepted_in, 1),
        accepted_per_s=round(CALLS / accepted_in),
        accept_p50_ms=round(percentile(latencies, 50) * 1000),
        accept_p99_ms=round(percentile(latencies, 99) * 1000),
        drain_s=round(drained_in, 1),
        runs_finished_per_s=round(CALLS / drained_in, 1),
        sync_calls=SYNC_CALLS,
        sync_s=round(sync_in, 1),
        sync_per_s=round(SYNC_CALLS / sync_in, 1),
        sync_p50_ms=round(percentile([c.seconds for c in sync], 50) * 1000),
        sync_p99_ms=round(percentile([c.seconds for c in sync], 99) * 1000),
    )
