"""Queues committed runs and builds. Call these only after the rows are committed."""

from __future__ import annotations

import uuid

from workers.celery_app import celery

QUEUE_FOR_TRIGGER = {"tryout": "tryout"}


def enqueue_run(run_id: uuid.UUID, trigger: str) -> None:
    celery.send_task("runpad.run", args=[str(run_id)], queue=QUEUE_FOR_TRIGGER.get(trigger, "runs"))


def enqueue_build(build_id: uuid.UUID) -> None:
    celery.send_task("runpad.build", args=[str(build_id)], queue="builds")
