"""Runs: created committed before they are queued, claimed once, finished once, waited on via Redis."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import redis
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core import errors
from app.core.db import session
from app.core.redis import redis_client
from app.core.settings import settings
from app.models import FINAL_RUN_STATUSES, Run, RunStatus, Script, ScriptVersion, Trigger, utcnow
from app.services import metrics, quotas

ACTIVE = (RunStatus.building, RunStatus.running)


class RunError(errors.InvalidInput):
    """A run that cannot be created as asked; nothing was written."""


class EventTooLarge(RunError, errors.TooLarge):
    """The event is over settings.max_event_bytes."""


def status_channel(run_id: uuid.UUID) -> str:
    return f"runpad:run:{run_id}"


def cancel_key(run_id: uuid.UUID) -> str:
    return f"runpad:cancel:{run_id}"


def event_document(trigger: str, run_id: uuid.UUID, body=None, **fields) -> dict:
    """The event of contract §2 for manual runs and try-outs: what the user typed is the body."""
    event = {"trigger": "manual" if trigger == "tryout" else trigger, "body": body, "run_id": str(run_id)}
    event.update(fields)
    return event


# Kept from whoever reads a run's event (the API, the run page), whatever the hook's auth: the caller's
# credentials. When the hook checks them they are not even stored (app/services/hooks.py); a hook without
# auth hands them to its handler, which may check them itself, and a rerun hands them on again.
CREDENTIAL_HEADERS = {"cookie", "authorization", "proxy-authorization"}
CREDENTIAL_HEADER_WORDS = ("signature", "token", "secret", "api-key", "apikey", "password")


def shown_event(event: Any) -> Any:
    """The event as a run shows it: without the request headers that carry credentials."""
    if not isinstance(event, dict) or not isinstance(event.get("headers"), dict):
        return event
    headers = {
        name: value
        for name, value in event["headers"].items()
        if name.lower() not in CREDENTIAL_HEADERS and not any(word in name.lower() for word in CREDENTIAL_HEADER_WORDS)
    }
    return {**event, "headers": headers}


def create(
    s: Session,
    version: ScriptVersion,
    trigger: str,
    body=None,
    script: Script | None = None,
    event: dict | None = None,
    scheduled_at: datetime | None = None,
    timeout_seconds: int | None = None,
    memory_mb: int | None = None,
    network: bool | None = None,
    workspace_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    may_retry: bool = False,
) -> Run:
    """Adds (does not commit) a queued run of version; the caller enqueues it after commit. The run
    is of the script's workspace, or of `workspace_id` for a try-out; owner_id is who started it.
    Limits come from the script, else from the arguments (a try-out), else the defaults."""
    workspace_id = script.workspace_id if script else workspace_id
    if workspace_id is None:
        raise ValueError("a run without a script needs the workspace it runs in")
    run_id = uuid.uuid4()
    event = event if event is not None else event_document(trigger, run_id, body)
    event["run_id"] = str(run_id)
    size = len(json.dumps(event).encode())
    if size > settings.max_event_bytes:
        raise EventTooLarge(f"event is {size} bytes; the limit is {settings.max_event_bytes} bytes")
    run = Run(
        id=run_id,
        script_id=script.id if script else None,
        version_id=version.id,
        workspace_id=workspace_id,
        owner_id=owner_id,
        version=version.number if script else None,
        trigger=Trigger(trigger),
        event=event,
        scheduled_at=scheduled_at,
        timeout_seconds=script.timeout_seconds if script else timeout_seconds or settings.default_timeout_seconds,
        memory_mb=script.memory_mb if script else memory_mb or settings.default_memory_mb,
        network=script.network if script else network is not False,
        may_retry=may_retry,
    )
    s.add(run)
    return run


def get(run_id: uuid.UUID) -> Run | None:
    with session() as s:
        return s.get(Run, run_id)


class Held(errors.Unavailable):
    """The run's workspace is at its concurrency limit: the run stays queued, marked as waiting
    (the worker that claimed it lets it go; no person sees this)."""


def claim(run_id: uuid.UUID, worker: str, *, share_slots: bool) -> Run | None:
    """Moves a queued run to building for this worker, or raises Held when its workspace may not
    start another run now (app/services/quotas.py; share_slots False: a process that is not a worker,
    with no slots to share, claims regardless). A second delivery of the same message finds nothing
    to claim, so a run executes at most once."""
    with session() as s:
        workspace_id = s.scalar(select(Run.workspace_id).where(Run.id == run_id, Run.status == RunStatus.queued))
        if workspace_id is None:
            return None
        if share_slots and not quotas.may_start(s, workspace_id):
            quotas.hold(s, run_id)
            s.commit()
            raise Held(f"run {run_id}: its workspace is at its limit of concurrent runs")
        run = s.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.queued)
            .values(status=RunStatus.building, worker=worker, started_at=utcnow(), waiting_since=None)
            .returning(Run)
        ).scalar_one_or_none()
        s.commit()
    if run:
        publish(run_id, RunStatus.building)
    return run


def mark_running(run_id: uuid.UUID, container_id: str) -> bool:
    with session() as s:
        result = s.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.building)
            .values(status=RunStatus.running, container_id=container_id)
        )
        n = result.rowcount  # type: ignore[attr-defined]  # a CursorResult, typed as Result
        s.commit()
    if n:
        publish(run_id, RunStatus.running)
    return bool(n)


def storable(value):
    """PostgreSQL's jsonb cannot hold NUL characters: they become U+FFFD in a stored result."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


def finish(
    run_id: uuid.UUID,
    status: RunStatus,
    *,
    result=None,
    error: str | None = None,
    exit_code: int | None = None,
    log_truncated: bool = False,
) -> bool:
    """Records the end of an active run once; False if it had already ended (e.g. reaped)."""
    now = utcnow()
    with session() as s:
        run = s.execute(select(Run).where(Run.id == run_id).with_for_update()).scalar_one()
        if run.status in FINAL_RUN_STATUSES:
            return False
        started = run.started_at or now
        run.status, run.result, run.error, run.exit_code = status, storable(result), storable(error), exit_code
        run.finished_at, run.log_truncated = now, log_truncated
        run.duration_ms = int((now - started).total_seconds() * 1000)
        s.add(run)
        runtime = s.get_one(ScriptVersion, run.version_id).runtime
        queue_wait = (run.started_at - run.queued_at).total_seconds() if run.started_at else None
        s.commit()
    publish(run_id, status)  # first: a hook call is waiting on it; the metrics are not
    metrics.record_run_end(status, runtime, run.duration_ms / 1000, queue_wait)
    return True


def publish(run_id: uuid.UUID, status: str) -> None:
    try:
        redis_client().publish(status_channel(run_id), json.dumps({"status": status}))
    except redis.RedisError:
        pass  # waiters fall back to polling PostgreSQL


def cancel(run_id: uuid.UUID) -> Run | None:
    """Cancels a queued run at once; asks the worker to stop an active one."""
    with session() as s:
        run = s.get(Run, run_id)
        if run is None or run.status in FINAL_RUN_STATUSES:
            return run
    if finish_if_queued(run_id, RunStatus.cancelled, "cancelled before it started"):
        return get(run_id)
    redis_client().set(cancel_key(run_id), "1", ex=3600)
    return get(run_id)


def finish_if_queued(run_id: uuid.UUID, status: RunStatus, error: str) -> bool:
    with session() as s:
        version_id = s.execute(
            update(Run)
            .where(Run.id == run_id, Run.status == RunStatus.queued)
            .values(status=status, error=error, finished_at=utcnow())
            .returning(Run.version_id)
        ).scalar_one_or_none()
        runtime = s.get_one(ScriptVersion, version_id).runtime if version_id else None
        s.commit()
    if runtime is None:  # not queued (any more)
        return False
    metrics.record_run_end(status, runtime, None, None)
    publish(run_id, status)
    return True


def cancel_requested(run_id: uuid.UUID) -> bool:
    try:
        return bool(redis_client().exists(cancel_key(run_id)))
    except redis.RedisError:
        return False


def wait(run_id: uuid.UUID, timeout: float) -> Run | None:
    """Blocks until the run has ended or timeout passes; returns the run as it then is. Redis only
    wakes the waiter early: while it is unreachable (restarting), PostgreSQL is polled instead."""
    deadline = time.monotonic() + timeout
    pubsub = None
    try:
        while True:
            if pubsub is None:
                pubsub = _subscribed(run_id)
            run = get(run_id)  # checked after subscribing, so no end is missed between the two
            if run is None or run.status in FINAL_RUN_STATUSES or time.monotonic() >= deadline:
                return run
            pause = min(1.0, max(0.0, deadline - time.monotonic()))
            if pubsub is None:
                time.sleep(min(pause, 0.25))
                continue
            try:
                msg = pubsub.get_message(timeout=pause)
                while msg and json.loads(msg["data"]).get("status") not in FINAL_RUN_STATUSES:
                    msg = pubsub.get_message(timeout=min(1.0, max(0.0, deadline - time.monotonic())))
            except redis.RedisError:
                pubsub.close()
                pubsub = None
    finally:
        if pubsub is not None:
            pubsub.close()


def _subscribed(run_id: uuid.UUID):
    """A pub/sub subscribed to the run's status channel, or None while Redis is unreachable."""
    pubsub = redis_client().pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(status_channel(run_id))
        return pubsub
    except redis.RedisError:
        pubsub.close()
        return None


def reap(
    live_workers: set[str], grace: timedelta = timedelta(seconds=20), among: set[str] | None = None
) -> list[uuid.UUID]:
    """Ends active runs whose worker has stopped sending heartbeats (only the runs of `among`, when
    given), with an error saying so."""
    cutoff = utcnow() - grace
    with session() as s:
        rows = s.execute(select(Run.id, Run.worker).where(Run.status.in_(ACTIVE), Run.started_at < cutoff)).all()
    reaped = []
    for run_id, worker in rows:
        if (
            worker not in live_workers
            and (among is None or worker in among)
            and finish(
                run_id, RunStatus.failed, error=f"the worker running this run ({worker}) stopped before it finished"
            )
        ):
            reaped.append(run_id)
    return reaped
