"""Runs a person starts: a manual run of a saved script, and a try-out of unsaved code. Each run is
committed, then queued through app.services.queue."""

from __future__ import annotations

import uuid
from typing import Any

from app.core import errors
from app.core.db import session
from app.models import Role, Run, Trigger
from app.services import builds, limits, queue, runs, scripts, versions
from app.services.access import Access


class LaunchError(errors.InvalidInput):
    """A try-out that cannot start as asked; nothing was written."""


def manual_run(access: Access, script_id: uuid.UUID, event: Any) -> Run:
    """A run of the script's current version with `event` as the event body (any role may start one)."""
    script = scripts.get(access, script_id)
    with session() as s:
        version = scripts.current_version(s, script)
        builds.ensure_build(s, version)  # a failed build is queued again: running is a way to retry it
        run = runs.create(s, version, Trigger.manual, event, script=script, owner_id=access.user_id)
        s.commit()
    queue.send_run(run.id, run.trigger)
    return run


def tryout(
    access: Access,
    runtime: str,
    code: str,
    dependencies: list[str],
    secret_names: list[str],
    event: Any,
    *,
    timeout_seconds: int | None = None,
    memory_mb: int | None = None,
    network: bool = True,
) -> Run:
    """A run of unsaved code; its version belongs to no script. The worker builds dependencies first."""
    access.require(Role.developer)
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
        run = runs.create(
            s,
            version,
            Trigger.tryout,
            event,
            timeout_seconds=timeout_seconds,
            memory_mb=memory_mb,
            network=network,
            workspace_id=access.workspace_id,
            owner_id=access.user_id,
        )
        s.commit()
    queue.send_run(run.id, run.trigger)
    return run


def _check_limits(timeout_seconds: int | None, memory_mb: int | None) -> None:
    for label, value, bounds in (
        ("timeout_seconds", timeout_seconds, limits.TIMEOUT_RANGE),
        ("memory_mb", memory_mb, limits.MEMORY_RANGE),
    ):
        if value is not None and (message := limits.problem(label, value, bounds)):
            raise LaunchError(message)
