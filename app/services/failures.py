"""What follows a run that failed or a trigger that could not start one: a retry when the script
asks for them (schedule and asynchronous hook runs), else the workspace's error handler.

A retry is a new run of the same event, held (quotas' waiting mark) until its backoff has passed;
quotas.wake sends it then, from a worker as runs end or from the scheduler's sweep, so a retry
survives any worker restarting meanwhile. The handler hears of a failure once its retries are used
up; a call turned away is reported at most once a minute per script, however many arrive."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import redis

from app.core.db import session
from app.core.redis import redis_client
from app.models import Run, RunStatus, Script, ScriptVersion, Trigger
from app.services import error_handler, metrics, runs, scripts
from app.services.access import Access
from app.services.error_handler import Send

log = logging.getLogger(__name__)
FAILED = (RunStatus.failed, RunStatus.timed_out)
NOT_REPORTED = (Trigger.tryout, Trigger.error)  # a try-out's person sees it; a handler never calls itself
TURNED_AWAY_PREFIX = "runpad:turned-away:"
TURNED_AWAY_EVERY_SECONDS = 60
TURNED_AWAY_LOG_PREFIX = "runpad:turned-away-log:"  # the script's latest turned-away calls, newest first
TURNED_AWAY_KEPT = 100  # contract §3: the script lists its last 100
TURNED_AWAY_KEPT_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class TurnedAway:
    at: str  # ISO 8601, UTC
    status: int
    error: str


def after_end(run_id: uuid.UUID, send: Send) -> None:
    """Called once a run has ended: retries it or reports it when it failed."""
    with session() as s:
        run = s.get(Run, run_id)
        script = s.get(Script, run.script_id) if run and run.script_id else None
    if run is None or script is None or run.status not in FAILED or run.trigger in NOT_REPORTED:
        return
    if retry(run, script) is not None:
        return
    body = error_handler.payload(script, run.id, run.status, run.error, run.trigger)
    error_handler.report(script, body, send)


def retry(run: Run, script: Script) -> Run | None:
    """A held retry of the failed run, due after the script's backoff (doubled per attempt), or None
    when the run may not be retried or its script's retries are used up."""
    if not run.may_retry or run.attempt > script.retry_count:
        return None
    now = datetime.now(UTC)
    with session() as s:
        version = s.get_one(ScriptVersion, run.version_id)  # the code that failed, even if a newer one is live
        again = runs.create(s, version, run.trigger, script=script, event=dict(run.event or {}), may_retry=True)
        again.attempt, again.retry_of = run.attempt + 1, run.retry_of or run.id
        again.waiting_since = now
        again.not_before = now + timedelta(seconds=script.retry_backoff_seconds * 2 ** (run.attempt - 1))
        s.commit()
        s.refresh(again)
    return again


def recent_turned_away(access: Access, script_id: uuid.UUID) -> list[TurnedAway]:
    """The script's latest calls turned away (kept a week, at most TURNED_AWAY_KEPT), newest first;
    any member may look."""
    scripts.get(access, script_id)
    raw = cast("list[bytes]", redis_client().lrange(TURNED_AWAY_LOG_PREFIX + str(script_id), 0, -1))
    return [TurnedAway(**json.loads(item)) for item in raw]


def turned_away(script: Script, status: int, error: str, send: Send) -> None:
    """A hook call that could not start a run for Runpad's reasons (409, 503): counted, and reported
    to the handler at most once a minute per script."""
    metrics.record_turned_away(status)
    call = TurnedAway(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), status, error[:500])
    try:
        r, log_key = redis_client(), TURNED_AWAY_LOG_PREFIX + str(script.id)
        pipe = r.pipeline(transaction=False)
        pipe.lpush(log_key, json.dumps(asdict(call)))
        pipe.ltrim(log_key, 0, TURNED_AWAY_KEPT - 1)
        pipe.expire(log_key, TURNED_AWAY_KEPT_SECONDS)
        pipe.execute()
        first = r.set(TURNED_AWAY_PREFIX + str(script.id), "1", nx=True, ex=TURNED_AWAY_EVERY_SECONDS)
    except redis.RedisError:
        log.warning("cannot tell whether the handler heard of script %s's turned-away calls", script.id)
        return
    if not first:
        return
    body = error_handler.payload(script, None, "turned_away", f"HTTP {status}: {error}", Trigger.http)
    try:
        error_handler.report(script, body, send)
    except Exception:  # the caller is answering a hook: a handler that cannot start must not change that
        log.exception("could not start the error handler for script %s's turned-away call", script.id)
