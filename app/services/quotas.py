"""Per-workspace quotas: most concurrent runs, fastest schedule, most scripts (contract §6).

Concurrent runs. A worker starts a run only while its workspace has fewer active (building or
running) runs than its limit: the quota, and no more than its fair share of the installation's
worker slots, split evenly between this workspace and every other one with runs waiting. Alone,
a workspace may use its whole quota; with others waiting, nobody takes more than an equal part.
A run over the limit is not kept by a worker, which would take a slot from other workspaces: it
stays queued, marked `waiting_since` (held), and is sent again, to the back of the queue, when a
run of its workspace ends (the worker) or, as a backstop, by the scheduler's sweep. So the queue
itself stays first come, first served, and one workspace's backlog cannot starve another's runs.
Checks and marks take a per-workspace lock in the same transaction, so a run that ends while
another is being held back always sees it.

A workspace counts as waiting while it has runs held, or queued within the requeue interval (so a
backlog ahead of its runs in the queue is held back for them); runs queued long ago and never
tried are the requeue sweep's business (their message was lost) and must not shrink everyone's
share.

The fastest schedule and the most scripts are checked when a script is saved: a save that cannot
fit is refused, naming the quota."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import redis
from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from app.core import errors
from app.core.db import session
from app.core.redis import redis_client
from app.core.settings import settings
from app.models import Run, RunStatus, Script, Trigger, Workspace
from app.services import audit, schedules
from app.services.access import Access, Actor, NotMember

SLOTS_PREFIX = "runpad:worker-slots:"
SLOTS_CACHE_SECONDS = 5.0
CRON_SAMPLE = 120  # consecutive ticks looked at for a cron's shortest gap
QUOTA_RANGE = (1, 100_000)
FIELDS = ("max_concurrent_runs", "min_schedule_seconds", "max_scripts")


class QuotaExceeded(errors.Conflict):
    """A save that the workspace's quota cannot fit."""


class ScheduleTooFast(errors.InvalidInput):
    """A schedule firing more often than the workspace's quota allows."""


@dataclass(frozen=True)
class Quotas:
    max_concurrent_runs: int
    min_schedule_seconds: int
    max_scripts: int


# ---- the worker slots -------------------------------------------------------------------------


def report_slots(r: redis.Redis, worker: str, slots: int, ttl_seconds: int) -> None:
    """A live worker's number of slots (its concurrency); a report lapses after ttl_seconds."""
    r.set(SLOTS_PREFIX + worker, str(slots), ex=ttl_seconds)


_slots: tuple[float, int] = (0.0, 0)


def total_slots() -> int:
    """The slots of every live worker, read at most every few seconds; 0 when no worker reports
    (a run executed in a process that is not a worker, as tests do): then nothing is limited by
    slots, only by quotas a workspace has of its own."""
    global _slots
    read_at, slots = _slots
    if time.monotonic() - read_at > SLOTS_CACHE_SECONDS:
        r = redis_client()
        keys = list(r.scan_iter(match=SLOTS_PREFIX + "*", count=500))
        values = cast("list[bytes | None]", r.mget(keys)) if keys else []
        slots = sum(int(v) for v in values if v)
        _slots = (time.monotonic(), slots)
    return slots


# ---- reading and setting ----------------------------------------------------------------------


def of(workspace: Workspace) -> Quotas:
    """A workspace's quotas, its own where it has them, else the installation's defaults."""
    slots = total_slots()
    default_runs = settings.workspace_max_concurrent_runs or (max(1, slots // 2) if slots else QUOTA_RANGE[1])
    return Quotas(
        workspace.max_concurrent_runs or default_runs,
        workspace.min_schedule_seconds or settings.workspace_min_schedule_seconds,
        workspace.max_scripts or settings.workspace_max_scripts,
    )


def _lock(s: Session, workspace_id: uuid.UUID) -> None:
    """Serialises quota checks of one workspace until the transaction ends."""
    s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(workspace_id.bytes[:8], signed=True)})


def _workspace(s: Session, workspace_id: uuid.UUID) -> Workspace:
    return s.get_one(Workspace, workspace_id)


# ---- concurrent runs --------------------------------------------------------------------------


def active_runs(s: Session, workspace_id: uuid.UUID) -> int:
    statuses = (RunStatus.building, RunStatus.running)
    return s.scalar(select(func.count()).where(Run.workspace_id == workspace_id, Run.status.in_(statuses))) or 0


def run_limit(s: Session, workspace_id: uuid.UUID) -> int:
    """How many runs the workspace may have active now: its quota, or less while others wait."""
    quota, slots = of(_workspace(s, workspace_id)).max_concurrent_runs, total_slots()
    if not slots:
        return quota
    recently = func.now() - timedelta(seconds=settings.requeue_after_seconds)
    others = s.scalar(
        select(func.count(func.distinct(Run.workspace_id))).where(
            Run.status == RunStatus.queued,
            Run.workspace_id != workspace_id,
            or_(Run.waiting_since.is_not(None), Run.queued_at > recently),
            due(),
        )
    )
    return min(quota, max(1, math.ceil(slots / (1 + (others or 0)))))


def due():
    """Held runs that may go: all but retries whose backoff has not passed (failures.retry)."""
    return or_(Run.not_before.is_(None), Run.not_before <= func.now())


def may_start(s: Session, workspace_id: uuid.UUID) -> bool:
    """Whether a run of the workspace may start now; call within the claim's transaction. Locks the
    workspace's quota until that transaction ends."""
    _lock(s, workspace_id)
    active = active_runs(s, workspace_id)
    return active == 0 or active < run_limit(s, workspace_id)  # the first run never waits


def hold(s: Session, run_id: uuid.UUID) -> None:
    """Marks a queued run as waiting for its workspace's turn (after may_start said no)."""
    s.execute(
        update(Run)
        .where(Run.id == run_id, Run.status == RunStatus.queued, Run.waiting_since.is_(None))
        .values(waiting_since=datetime.now(UTC))
    )


def wake(send: Callable[[uuid.UUID, str], None], workspace_id: uuid.UUID | None = None) -> list[uuid.UUID]:
    """Sends again, oldest first, as many waiting runs as their workspace has room for now (of one
    workspace, or of all). The runs are unmarked and committed before they are sent; a send that
    fails leaves a queued run for the requeue sweep."""
    with session() as s:
        stmt = (
            select(Run.workspace_id)
            .distinct()
            .where(Run.status == RunStatus.queued, Run.waiting_since.is_not(None), due())
        )
        ids = [workspace_id] if workspace_id else list(s.scalars(stmt))
    woken: list[tuple[uuid.UUID, str]] = []
    for ws in ids:
        with session() as s:
            _lock(s, ws)  # after a hold in progress commits, so its run is seen here
            waiting = select(Run.id).where(
                Run.workspace_id == ws, Run.status == RunStatus.queued, Run.waiting_since.is_not(None), due()
            )
            if not s.scalar(select(waiting.exists())):
                continue
            room = run_limit(s, ws) - active_runs(s, ws)
            if room <= 0:
                continue
            rows = s.execute(
                update(Run)
                .where(Run.id.in_(waiting.order_by(Run.queued_at).limit(room)))
                .values(waiting_since=None)
                .returning(Run.id, Run.trigger, Run.queued_at)
            ).all()
            s.commit()
        woken += [(run_id, trigger) for run_id, trigger, _ in sorted(rows, key=lambda row: row[2])]
    for run_id, trigger in woken:
        send(run_id, trigger)
    return [run_id for run_id, _ in woken]


# ---- saves ------------------------------------------------------------------------------------


def check_new_script(s: Session, workspace_id: uuid.UUID) -> None:
    """Before adding a script: refuses it when the workspace has its most scripts. Locks the
    workspace's quota until the transaction ends, so two saves cannot both take the last place."""
    _lock(s, workspace_id)
    limit = of(_workspace(s, workspace_id)).max_scripts
    count = s.scalar(select(func.count()).where(Script.workspace_id == workspace_id)) or 0
    if count >= limit:
        raise QuotaExceeded(
            f"this workspace has {count} scripts, its quota: delete one, or ask an installation admin to raise it"
        )


def check_schedule(s: Session, script: Script) -> None:
    """Refuses a schedule whose ticks can come closer than the workspace's fastest schedule. A cron's
    shortest gap is taken over its next CRON_SAMPLE ticks."""
    fastest = of(_workspace(s, script.workspace_id)).min_schedule_seconds
    if script.trigger_type != Trigger.schedule or fastest <= 1:  # nothing fires faster than every second
        return
    if script.interval_seconds is not None:
        gap = float(script.interval_seconds)
    else:
        ticks = schedules.upcoming(script.cron, None, script.timezone, CRON_SAMPLE)
        gap = min((b - a).total_seconds() for a, b in zip(ticks, ticks[1:], strict=False))
    if gap < fastest:
        raise ScheduleTooFast(
            f"this schedule can fire every {gap:g} s; this workspace's quota allows at most one run every {fastest} s"
        )


# ---- the quotas themselves --------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    quotas: Quotas
    own: dict[str, int | None]  # the workspace's own values; None where the default applies
    active_runs: int
    waiting_runs: int
    scripts: int


def usage(access: Access) -> Usage:
    """A workspace's quotas and what it uses of them (any member may look)."""
    with session() as s:
        ws = _workspace(s, access.workspace_id)
        waiting = select(func.count()).where(
            Run.workspace_id == ws.id, Run.status == RunStatus.queued, Run.waiting_since.is_not(None)
        )
        return Usage(
            of(ws),
            {name: getattr(ws, name) for name in FIELDS},
            active_runs(s, ws.id),
            s.scalar(waiting) or 0,
            s.scalar(select(func.count()).where(Script.workspace_id == ws.id)) or 0,
        )


def change(actor: Actor, slug: str, values: dict[str, int | None]) -> Workspace:
    """Sets a workspace's own quotas (None: back to the default). Installation admins only: a
    workspace's admins must not raise their own share of the installation."""
    if not actor.is_admin:
        raise errors.Forbidden("only installation admins set a workspace's quotas")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise errors.InvalidInput(f"unknown quota {sorted(unknown)[0]!r}; quotas are {', '.join(FIELDS)}")
    for name, value in values.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not QUOTA_RANGE[0] <= value <= QUOTA_RANGE[1]
        ):
            raise errors.InvalidInput(
                f"{name} must be a whole number from {QUOTA_RANGE[0]} to {QUOTA_RANGE[1]}, or null"
            )
    with session() as s:
        ws = s.scalars(select(Workspace).where(Workspace.slug == slug)).one_or_none()
        if ws is None:
            raise NotMember(f"no workspace {slug!r}")
        for name, value in values.items():
            setattr(ws, name, value)
        audit.record(s, actor, "workspace.quotas", slug, ws.id, {name: values[name] for name in sorted(values)})
        s.commit()
        s.refresh(ws)
        return ws
