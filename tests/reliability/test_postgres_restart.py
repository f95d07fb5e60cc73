"""PostgreSQL stopped (fast shutdown: connections cut) for a few seconds while runs execute and
hook calls arrive, then started again."""

from __future__ import annotations

import time
from collections import Counter

from app.models import FINAL_RUN_STATUSES
from tests.reliability import services
from tests.reliability.helpers import call_hook, hook_script, runs_of, status_counts, wait_all_final

HANDLER = (
    "export default async (event) => { await new Promise((r) => setTimeout(r, 1500)); return { i: event.body.i }; };"
)
DOWN_SECONDS = 5.0
SETTLE_BOUND = 60  # every run final within this many seconds of PostgreSQL answering again


def test_a_postgres_restart_fails_calls_clearly_and_leaves_no_run_unfinished(
    web, start_worker, start_scheduler, figures
):
    """Promise: while PostgreSQL is down, hook calls are answered 503 at once (no run can be
    recorded, so none is promised); runs in flight when it went down finish (`succeeded`) or end
    `failed` with an error saying why, and runs still queued run once it is back (the scheduler's
    sweep re-sends a message a worker could not act on); within 60 s of PostgreSQL answering
    again no run is left queued, building or running; the next call succeeds."""
    start_worker("drill-pg")  # 4 runs at a time
    start_scheduler(requeue_after_seconds=5, requeue_sweep_seconds=1)
    saved = hook_script(HANDLER)
    url = f"{web.url}/hooks/{saved.script.hook_token}"
    assert call_hook(url, 1, 1, sync=True)[0].status == 200

    before = call_hook(url, 8, 8)  # 4 run, 4 wait their turn
    assert all(c.status == 202 for c in before), before
    deadline = time.monotonic() + 30
    while status_counts(saved.script.id).get("running", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    in_flight = status_counts(saved.script.id)
    with services.restored(services.ensure_postgres):
        services.stop_postgres()
        down = time.monotonic()
        during = call_hook(url, 12, 4, rate=4)  # 3 s of calls, async and sync alike fail
        during += call_hook(url, 4, 4, sync=True)
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down)))
        services.ensure_postgres()
        back = time.monotonic()
    outage = back - down
    wait_all_final(saved.script.id, SETTLE_BOUND + 60)
    settled_after_back = time.monotonic() - back

    by_id = {run.id: run for run in runs_of(saved.script.id)}
    outcome = {c.i: (by_id[c.run_id].status, by_id[c.run_id].error) for c in before}
    figures(
        outage_s=round(outage, 1),
        in_flight_at_stop=in_flight,
        answers_during_outage=dict(Counter(c.status for c in during)),
        slowest_answer_during_outage_s=round(max(c.seconds for c in during), 2),
        before_outcomes=dict(Counter(s for s, _ in outcome.values())),
        errors=sorted({e for _, e in outcome.values() if e}),
        all_final_s_after_pg_back=round(settled_after_back, 1),
    )

    assert all(c.status == 503 for c in during), during  # the contract's JSON error, not a bare 500
    assert all(run.status in FINAL_RUN_STATUSES for run in by_id.values())
    for status, error in outcome.values():
        assert status == "succeeded" or (status == "failed" and error), (status, error)
    assert settled_after_back <= SETTLE_BOUND
    after = call_hook(url, 1, 1, sync=True)[0]
    assert after.status == 200, after
