"""A worker process's start and stop: the warm pool, the housekeeper (its walls are checked first: a
worker without them exits) and the log shipper. Celery imports this module in the worker (see
workers.celery_app's include), so the app definition itself depends on none of it."""

from __future__ import annotations

import logging
import os

from celery.signals import worker_ready, worker_shutting_down

_keeper = None
_shipper = None


@worker_ready.connect
def _on_ready(sender=None, **_):
    global _keeper, _shipper
    from workers import engine, maintenance, shipping
    from workers.runtime.network import FirewallError
    from workers.runtime.pool import WarmPool

    logging.basicConfig(level=logging.INFO)
    engine.pool = WarmPool()
    engine.slots = int(getattr(getattr(sender, "controller", None), "concurrency", None) or 1)  # sender: the Consumer
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
