"""Queues committed runs and builds. Call these only after the rows are committed."""

from __future__ import annotations

import uuid

from workers.celery_app import celery

QUEUE_FOR_TRIGGER = {"tryout": "tryout"}


def enqueue_run(run_id: uuid.UUID, trigger: str) -> None:
    celery.send_task("runpad.run", args=[str(run_id)], queue=QUEUE_FOR_TRIGGER.get(trigger, "runs"))


def enqueue_build(build_id: uuid.UUID) -> None:
    celery.send_task("runpad.build", args=[str(build_id)], queue="builds")


def enqueue_runs(run_ids: list[uuid.UUID], trigger: str, batch: int = 500) -> None:
    """Queues many committed runs, `batch` messages per Redis round trip (about half the cost of
    one enqueue_run each). On an error, messages not yet flushed are dropped: the caller's runs stay
    queued for the scheduler's sweep to re-send."""
    queue = QUEUE_FOR_TRIGGER.get(trigger, "runs")
    with celery.producer_or_acquire() as producer, producer.batch(max_size=batch):
        for run_id in run_ids:
            celery.send_task("runpad.run", args=[str(run_id)], queue=queue, producer=producer)


def purge(queues: tuple[str, ...] = ("runs", "tryout")) -> None:
    """Drops every waiting message of these queues (tests and drills use it so no later worker runs
    what they queued)."""
    with celery.pool.acquire(block=True) as conn:
        for queue in queues:
            conn.default_channel.queue_purge(queue)
