"""Runs a person starts: a manual run of a saved script, and a try-out of unsaved code. Each run is
committed before it is queued; `enqueue` is passed in (workers.dispatch.enqueue_run in the app)."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable

from app.db import session
from app.models import Run, RunStatus
from app.services import builds, runs, scripts, versions

Enqueue = Callable[[uuid.UUID, str], None]
RETRY_DELAYS = (0.1, 0.3, 0.9)


class LaunchError(ValueError):
    """A try-out that cannot start as asked; nothing was written."""


class QueueUnavailable(RuntimeError):
    """The run was recorded but could not be queued; it has been ended as failed, saying why."""


def manual_run(script_id: uuid.UUID, owner_id: uuid.UUID, event: Any, enqueue: Enqueue) -> Run:
    """A run of the script's current version with `event` as the event body."""
    script = scripts.get(script_id, owner_id)
    with session() as s:
        version = scripts.current_version(s, script)
        builds.ensure_build(s, version)  # a failed build is queued again: running is a way to retry it
        run = runs.create(s, version, "manual", event, script=script)
        s.commit()
    return _queued(run, enqueue)


def tryout(owner_id: uuid.UUID, runtime: str, code: str, dependencies: list[str], secret_names: list[str],
           event: Any, enqueue: Enqueue, *, timeout_seconds: int | None = None, memory_mb: int | None = None,
           network: bool = True) -> Run:
    """A run of unsaved code; its version belongs to no script. The worker builds dependencies first."""
    _check_limits(timeout_seconds, memory_mb)
    try:
        base = versions.base_for(runtime)  # before the transaction: it may read the base catalog
    except versions.VersionError as exc:
        raise LaunchError(str(exc)) from None
    with session() as s:
        try:
            version = versions.new_version(s, base, code, dependencies, secret_names)
        except versions.VersionError as exc:
            raise LaunchError(str(exc)) from None
        builds.ensure_build(s, version, base)
        run = runs.create(s, version, "tryout", event, timeout_seconds=timeout_seconds, memory_mb=memory_mb,
                          network=network, owner_id=owner_id)
        s.commit()
    return _queued(run, enqueue)


def _check_limits(timeout_seconds: int | None, memory_mb: int | None) -> None:
    low, high = scripts.TIMEOUT_RANGE
    if timeout_seconds is not None and not (isinstance(timeout_seconds, int) and low <= timeout_seconds <= high):
        raise LaunchError(f"timeout_seconds must be a whole number from {low} to {high}")
    low, high = scripts.MEMORY_RANGE
    if memory_mb is not None and not (isinstance(memory_mb, int) and low <= memory_mb <= high):
        raise LaunchError(f"memory_mb must be a whole number from {low} to {high}")


def _queued(run: Run, enqueue: Enqueue) -> Run:
    """Queues a committed run; a broker blip is retried briefly, a longer outage ends the run as failed."""
    for delay in (*RETRY_DELAYS, None):
        try:
            enqueue(run.id, run.trigger)
            return run
        except Exception as exc:  # noqa: BLE001 - any broker error
            if delay is None:
                runs.finish_if_queued(run.id, RunStatus.failed, f"could not queue the run: {exc}")
                raise QueueUnavailable(f"the run {run.id} could not be queued (it was recorded as failed): {exc}")
            time.sleep(delay)
    raise AssertionError("unreachable")
