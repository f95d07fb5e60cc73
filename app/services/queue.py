"""The one way committed runs and builds reach the workers. A service commits its rows, then calls
`send_run` or `send_build` here; nothing else in app/ or state/ talks to the broker.

Each process installs its backend once at start: the web and hooks apps install the Celery one
(workers.dispatch.CeleryQueue); a test whose subject is not the broker installs `Memory`."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from app.core import errors
from app.models import RunStatus
from app.services import runs

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.1, 0.3, 0.9)  # a broker blip is over within about a second


class Backend(Protocol):
    def run(self, run_id: uuid.UUID, trigger: str) -> None: ...

    def build(self, build_id: uuid.UUID) -> None: ...


class QueueUnavailable(errors.Unavailable):
    """The run was recorded but could not be queued; it has been ended as failed, saying why."""

    service = "the run queue"


_backend: Backend | None = None


def install(backend: Backend | None) -> Backend | None:
    """Makes `backend` this process's queue; returns the one it replaces."""
    global _backend
    previous, _backend = _backend, backend
    return previous


@contextmanager
def using(backend: Backend) -> Iterator[Backend]:
    """`backend` for the duration of a with block, then the one before it again (for tests)."""
    previous = install(backend)
    try:
        yield backend
    finally:
        install(previous)


def backend() -> Backend:
    if _backend is None:
        raise RuntimeError("no queue is installed in this process: call app.services.queue.install() at start")
    return _backend


def send_run(run_id: uuid.UUID, trigger: str) -> None:
    """Queues a committed run. A broker blip is retried briefly; a longer outage ends the run as
    failed (so nobody waits on it) and raises QueueUnavailable."""
    for delay in (*RETRY_DELAYS, None):
        try:
            backend().run(run_id, trigger)
            return
        except Exception as exc:  # any broker error
            if delay is None:
                runs.finish_if_queued(run_id, RunStatus.failed, f"could not queue the run: {exc}")
                raise QueueUnavailable(
                    f"the run {run_id} could not be queued (it was recorded as failed): {exc}"
                ) from exc
            time.sleep(delay)


def send_build(build_id: uuid.UUID) -> bool:
    """Queues a committed build; False if the broker would not take it. Nothing is lost then: the
    build stays queued and the first run of its version builds it (runs always check their image)."""
    try:
        backend().build(build_id)
        return True
    except Exception:  # noqa: BLE001 - any broker error
        log.warning("could not queue build %s; its first run will build it", build_id, exc_info=True)
        return False


class Memory:
    """A queue that keeps what it is sent, in order, for tests whose subject is not the broker.
    With `failing`, sends raise it as an unreachable broker would: the next `times` sends, or all."""

    def __init__(self, failing: Exception | None = None, times: int | None = None):
        self.sent: list[tuple[str, uuid.UUID, str | None]] = []
        self.failing, self.times = failing, times

    def run(self, run_id: uuid.UUID, trigger: str) -> None:
        self._take("run", run_id, trigger)

    def build(self, build_id: uuid.UUID) -> None:
        self._take("build", build_id, None)

    def _take(self, kind: str, item_id: uuid.UUID, trigger: str | None) -> None:
        if self.failing is not None and self.times != 0:
            self.times = None if self.times is None else self.times - 1
            raise self.failing
        self.sent.append((kind, item_id, trigger))

    def run_ids(self) -> list[uuid.UUID]:
        return [item_id for kind, item_id, _ in self.sent if kind == "run"]

    def build_ids(self) -> list[uuid.UUID]:
        return [item_id for kind, item_id, _ in self.sent if kind == "build"]
