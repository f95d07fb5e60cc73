"""Runs a person starts: a manual run of a saved script, a run again of an earlier run, and a try-out
of unsaved code. Each run is committed, then queued through app.services.queue."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from app.core import errors
from app.core.db import session
from app.models import Role, Run, Script, Trigger
from app.services import builds, deploys, detected, limits, queue, runs, scripts, versions
from app.services.access import Access


class LaunchError(errors.InvalidInput):
    """A try-out that cannot start as asked; nothing was written."""


class NotRerunnable(errors.Conflict):
    """A try-out's run: it has no saved script to run again."""


def manual_run(access: Access, script_id: uuid.UUID, event: Any) -> Run:
    """A run of the script's deployed version with `event` as the event body (any role may start one)."""
    return _start(access, scripts.get(access, script_id), body=event)


def rerun(access: Access, run_id: uuid.UUID) -> Run:
    """Runs the script of one of the workspace's runs again with the same event (a new run_id in it),
    as a manual run with `rerun_of` set; operators may. It runs the script's deployed version."""
    access.require(Role.operator)
    earlier = runs.get(run_id)
    if earlier is None or earlier.workspace_id != access.workspace_id:
        raise errors.NotFound(f"no run {run_id}")
    if earlier.script_id is None:
        raise NotRerunnable("a try-out cannot be run again: it has no saved script. Try the code out again.")
    event = copy.deepcopy(earlier.event) if isinstance(earlier.event, dict) else None
    return _start(access, scripts.get(access, earlier.script_id), event=event, rerun_of=earlier.id)


def _start(
    access: Access, script: Script, body: Any = None, event: dict | None = None, rerun_of: uuid.UUID | None = None
) -> Run:
    """A manual run of the script's deployed version (its newest while none is live, which waits for
    its build): `event` whole, or one made around `body`."""
    with session() as s:
        version = deploys.live_version(s, script) or scripts.current_version(s, script)
        builds.ensure_build(s, version)  # a failed build is queued again: running is a way to retry it
        run = runs.create(s, version, Trigger.manual, body, script=script, event=event, owner_id=access.user_id)
        run.rerun_of = rerun_of
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
    script_id: uuid.UUID | None = None,
) -> Run:
    """A run of unsaved code; its version belongs to no script. The worker builds dependencies first.
    Imports keep the pins of `script_id`'s current version (the script being edited), so trying out
    a saved script's code uses its image."""
    access.require(Role.developer)
    _check_limits(timeout_seconds, memory_mb)
    try:
        base = versions.base_for(runtime)  # before the transaction: it may read the base catalog
    except versions.VersionError as exc:
        raise LaunchError(str(exc)) from None
    pins = detected.pins_of_script(script_id, access.workspace_id)
    imported = detected.resolve(runtime, code, dependencies, pins)  # registry lookups: before the transaction
    with session() as s:
        try:
            version = versions.new_version(s, base, code, dependencies, secret_names, detected=imported)
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
