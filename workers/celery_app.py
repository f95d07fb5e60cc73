"""The Celery application: Redis broker, late acks, one message at a time per thread.

Start a worker with: celery -A workers.celery_app worker --pool threads -Q tryout,runs,builds
(threads, because a run mostly waits on Docker, and the warm pool lives in the process)."""

from __future__ import annotations

from celery import Celery

from app.core.settings import settings

# workers.lifecycle starts and stops a worker process's housekeeping (imported by the worker, not here)
celery = Celery("runpad", broker=settings.redis_url, include=["workers.tasks", "workers.lifecycle"])
celery.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    task_default_queue="runs",
    broker_transport_options={"visibility_timeout": 3600, "queue_order_strategy": "priority"},
    worker_hijack_root_logger=False,
)
app = celery  # `celery -A workers.celery_app` finds it under either name
