"""The scheduler process: fires due schedules as runs and re-sends runs whose message was lost.

    python -m workers.scheduler

Any number may run at once, on any machines: fire_due locks the scripts it fires with
FOR UPDATE SKIP LOCKED and advances them in the same transaction, so each tick fires once, and
concurrent schedulers share a burst of due scripts between them. Runs are enqueued only after
the commit; if that fails (Redis down), the sweep re-sends them once the queue is reachable.
SIGTERM or SIGINT: the current batch finishes and the process exits 0."""

from __future__ import annotations

import logging
import signal
import threading
import time
from concurrent import futures
from datetime import timedelta

from kombu.exceptions import ChannelError

from app.core.settings import settings
from app.services import quotas, requeue, schedules
from workers import dispatch
from workers.celery_app import celery

log = logging.getLogger("runpad.scheduler")
TRIGGERS = ("schedule", "manual", "http", "tryout", "error")


def queue_size(queue: str) -> int:
    with celery.pool.acquire(block=True) as conn:
        try:
            channel = conn.default_channel  # type: ignore[attr-defined]  # a Connection; celery-types: a Producer
            return channel.queue_declare(queue=queue, passive=True).message_count
        except ChannelError:  # the queue's keys do not exist: it is empty
            return 0


def send(run_ids: list) -> None:
    """Enqueues committed scheduled runs; on a broker error they are left for the sweep."""
    if not run_ids:
        return
    try:
        dispatch.enqueue_runs(run_ids, "schedule")
        log.info("fired %d run(s)", len(run_ids))
    except Exception:  # any broker error: the runs are committed and will be swept
        log.exception("enqueue failed; %d committed run(s) left for the sweep", len(run_ids))


class Scheduler:
    def __init__(self) -> None:
        self.batch = settings.scheduler_batch
        self.max_sleep = settings.scheduler_max_sleep_seconds
        self.requeue_after = timedelta(seconds=settings.requeue_after_seconds)
        self.requeue_attempts = settings.requeue_max_attempts
        self.sweep_every = settings.requeue_sweep_seconds
        self.stopping = threading.Event()
        self.sender = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sender")
        self._last_sweep = 0.0

    def fire(self) -> None:
        """Fires due schedules batch by batch until none is left; each batch is enqueued by the
        sender thread while the next one is fired (this thread mostly waits on PostgreSQL then),
        so the last message follows the last commit closely. Returns once all are enqueued."""
        sent = []
        try:
            while not self.stopping.is_set():
                run_ids = schedules.fire_due(limit=self.batch)
                if run_ids:
                    sent.append(self.sender.submit(send, run_ids))
                if len(run_ids) < self.batch:
                    break
        finally:  # also when a batch failed: the ones before it are committed
            futures.wait(sent)

    def sweep(self) -> None:
        if time.monotonic() - self._last_sweep < self.sweep_every:
            return
        self._last_sweep = time.monotonic()
        woken = quotas.wake(dispatch.enqueue_run)  # a worker wakes them as runs end; this is the backstop
        if woken:
            log.info("woke %d run(s) waiting for their workspace's quota", len(woken))
        empty = {q for q in {dispatch.QUEUE_FOR_TRIGGER.get(t, "runs") for t in TRIGGERS} if queue_size(q) == 0}
        triggers = [t for t in TRIGGERS if dispatch.QUEUE_FOR_TRIGGER.get(t, "runs") in empty]
        if triggers:
            swept = requeue.sweep(dispatch.enqueue_run, triggers, self.requeue_after, self.requeue_attempts)
            if swept.requeued or swept.failed:
                log.warning(
                    "re-sent %d lost run(s); failed %d after %d tries",
                    len(swept.requeued),
                    len(swept.failed),
                    self.requeue_attempts,
                )

    def pause(self) -> float:
        """Until the next schedule is due (checked again at least every max_sleep, as a save may
        bring one forward), and at least 10 ms so rows another scheduler holds are not spun on."""
        due_in = schedules.seconds_until_due()
        if due_in is None:
            return self.max_sleep
        return min(self.max_sleep, max(0.01, due_in + 0.002))

    def run(self) -> None:
        schedules.timezones()  # read tzdata now, not in the first burst of due schedules
        log.info("scheduler started (batch %d)", self.batch)
        while not self.stopping.is_set():
            try:
                self.fire()
                self.sweep()
                wait = self.pause()
            except Exception:  # database or Redis away: log, wait, try again
                log.exception("scheduler loop failed; retrying in 1 s")
                wait = 1.0
            self.stopping.wait(wait)
        self.sender.shutdown()
        log.info("scheduler stopped")

    def stop(self, *_) -> None:
        self.stopping.set()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    scheduler = Scheduler()
    signal.signal(signal.SIGTERM, scheduler.stop)
    signal.signal(signal.SIGINT, scheduler.stop)
    scheduler.run()


if __name__ == "__main__":
    main()
