"""Re-sending runs whose queue message was lost (Redis failed between the commit and the enqueue,
or lost its data), and failing them with a clear error after a few tries.

A run that has waited long is not necessarily lost: behind a backlog its message is still in the
queue. So the caller sweeps only runs whose queue is empty (see workers/scheduler.py); a re-send
is harmless anyway, because a run is claimed once (runs.claim) and a second delivery finds nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select

from app.core.db import database_now, session
from app.core.redis import redis_client
from app.models import Run, RunStatus
from app.services import runs

SENT_PREFIX = "runpad:requeue:sent:"
ATTEMPTS_PREFIX = "runpad:requeue:attempts:"


@dataclass
class Swept:
    requeued: list[uuid.UUID] = field(default_factory=list)
    failed: list[uuid.UUID] = field(default_factory=list)


def stale_queued(
    older_than: timedelta, triggers: Iterable[str], now: datetime | None = None, limit: int = 500
) -> list[tuple[uuid.UUID, str]]:
    """Runs of these triggers still queued `older_than` after they were queued, oldest first."""
    with session() as s:
        now = now or database_now(s)
        rows = s.execute(
            select(Run.id, Run.trigger)
            .where(
                Run.status == RunStatus.queued,
                Run.waiting_since.is_(None),  # held back by its workspace's quota, not lost: quotas.wake sends it
                Run.trigger.in_(list(triggers)),
                Run.queued_at < now - older_than,
            )
            .order_by(Run.queued_at)
            .limit(limit)
        )
        return [(run_id, trigger) for run_id, trigger in rows]


def sweep(
    enqueue: Callable[[uuid.UUID, str], None],
    triggers: Iterable[str],
    older_than: timedelta,
    max_attempts: int,
    now: datetime | None = None,
) -> Swept:
    """Re-sends each stale queued run at most once per `older_than` (across every scheduler: the
    Redis key is set only by the first) and `max_attempts` times in all; then it fails the run."""
    swept = Swept()
    r = redis_client()
    for run_id, trigger in stale_queued(older_than, triggers, now):
        if not r.set(SENT_PREFIX + str(run_id), "1", nx=True, ex=max(1, int(older_than.total_seconds()))):
            continue  # re-sent recently, by this scheduler or another
        attempts = cast(int, r.incr(ATTEMPTS_PREFIX + str(run_id)))  # redis-py types replies as Awaitable too
        r.expire(ATTEMPTS_PREFIX + str(run_id), 7 * 24 * 3600)
        if attempts > max_attempts:
            error = (
                f"no worker took this run: it was still queued after being sent {max_attempts + 1} times "
                f"(the queue lost it, or no worker listens to it)"
            )
            if runs.finish_if_queued(run_id, RunStatus.failed, error):
                swept.failed.append(run_id)
            continue
        enqueue(run_id, trigger)
        swept.requeued.append(run_id)
    return swept
