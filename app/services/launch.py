"""Runs a person starts: a manual run of a saved script, and a try-out of unsaved code. Each run is
committed, then queued through app.services.queue."""

from __future__ import annotations

import uuid
from typing import Any

from app.core import errors
from app.db import session
from app.models import Run
from app.services import builds, queue, runs, scripts, versions


class LaunchError(errors.InvalidInput):
    """A try-out that cannot start as asked; nothing was written."""


def manual_run(script_id: uuid.UUID, owner_id: uuid.UUID, event: Any) -> Run:
    """A run of the script's current version with `event` as the event body."""
    script = scripts.get(script_id, owner_id)
    with session() as s:
        version = scripts.current_version(s, script)
        builds.ensure_build(s, version)  # a failed build is queued again: running is a way to retry it
        run = runs.create(s, version, "manual", event, script=script)
        s.commit()
    queue.send_run(run.id, run.trigger)
    return run


def tryout(owner_id: uuid.UUID, runtime: str, code: str, dependencies: list[str], secret_names: list[str],
           event: Any, *, timeout_seconds: int | None = None, memory_mb: int | None = None,
           network: bool = True) -> Run:
    """A run of unsaved code; its version belongs to no script. The worker builds dependencies first."""
    _check_limits(timeout_seconds, memory_mb)
    with session() as s:
        try:
            version = versions.new_version(s, runtime, code, dependencies, secret_names)
        except versions.VersionError as exc:
            raise LaunchError(str(exc)) from None
        builds.ensure_build(s, version)
        run = runs.create(s, version, "tryout", event, timeout_seconds=timeout_seconds, memory_mb=memory_mb,
                          network=network, owner_id=owner_id)
        s.commit()
    queue.send_run(run.id, run.trigger)
    return run


def _check_limits(timeout_seconds: int | None, memory_mb: int | None) -> None:
    low, high = scripts.TIMEOUT_RANGE
    if timeout_seconds is not None and not (isinstance(timeout_seconds, int) and low <= timeout_seconds <= high):
        raise LaunchError(f"timeout_seconds must be a whole number from {low} to {high}")
    low, high = scripts.MEMORY_RANGE
    if memory_mb is not None and not (isinstance(memory_mb, int) and low <= memory_mb <= high):
        raise LaunchError(f"memory_mb must be a whole number from {low} to {high}")

