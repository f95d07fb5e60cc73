"""The Celery application: Redis broker, late acks, one message at a time per thread.

Start a worker with: celery -A workers.celery_app worker --pool threads -Q tryout,runs,builds
(threads, because a run mostly waits on Docker, and the warm pool lives in the process)."""

from __future__ import annotations

import logging
import os

from celery import Celery
from celery.signals import worker_ready, worker_shutting_down

from app.settings import settings

celery = Celery("runpad", broker=settings.redis_url, include=["workers.tasks"])
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

_keeper = None
_shipper = None


@worker_ready.connect
def _on_ready(**_):
    global _keeper, _shipper
    from workers import engine, maintenance, shipping
    from workers.runtime.network import FirewallError
    from workers.runtime.pool import WarmPool

    logging.basicConfig(level=logging.INFO)
    engine.pool = WarmPool()
    try:
        _keeper = maintenance.start_worker(engine.pool)
    except FirewallError as exc:
        # Celery logs and swallows errors from signal handlers; a worker without its walls must not take work
        logging.getLogger(__name__).critical("%s", exc)
        os._exit(3)
    # its own thread: a CloudWatch call that hangs must not delay the heartbeats the housekeeper sends
    _shipper = shipping.LogShipper()
    _shipper.start()


@worker_shutting_down.connect
def _on_shutdown(**_):
    from workers import engine

    if _keeper is not None:
        _keeper.stop()
    if _shipper is not None:
        _shipper.stop()
    if engine.pool is not None:
        engine.pool.close()
