"""Schedules: checking a cron or interval trigger, computing its ticks, and firing due ticks as runs.

Cron takes 5 fields (minute hour day-of-month month day-of-week) or 6 with the SECONDS FIRST
(second minute hour day-of-month month day-of-week), as in Quartz, Spring, node-cron and
cron-descriptor, so `describe` reads a 6-field expression the way it is evaluated. Expressions are
evaluated on the wall clock of the script's IANA timezone; across daylight-saving changes:

- spring forward: a time the day skips (02:30 in America/New_York) fires once, at the end of the gap
  (03:00 EDT), so a daily job still runs that day (croniter's behaviour);
- fall back: a time the day repeats (01:30) fires once, at its first occurrence, like cron; a
  schedule whose hour field is `*` (hourly or more often) follows real time and fires in both.

Intervals are counted in real time: ticks are `interval_seconds` apart whatever the clocks do.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import uuid
import zoneinfo
from datetime import UTC, datetime, timedelta

from cron_descriptor import get_description
from croniter import croniter
from croniter.croniter import CroniterError
from sqlalchemy import Row, and_, func, select, text
from sqlalchemy.orm import Session

from app.core import errors
from app.core.db import database_now, session
from app.models import Run, RunStatus, Script, ScriptVersion

log = logging.getLogger(__name__)

INTERVAL_RANGE = (1, 365 * 24 * 3600)
UNFINISHED = (RunStatus.queued, RunStatus.building, RunStatus.running)
CRON_HINT = "5 fields: minute hour day-of-month month day-of-week, or 6 with seconds first"
CRON_HELP = f"use {CRON_HINT}"
# Each field's name and the numbers it takes, in a 5-field expression's order; a 6-field one puts SECOND
# first. croniter also takes 7 for Sunday, JAN-DEC and SUN-SAT.
CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day-of-month", 1, 31), ("month", 1, 12), ("day-of-week", 0, 7))
SECOND = ("second", 0, 59)


class ScheduleError(errors.InvalidInput):
    """A schedule that cannot be used, with a message a person can act on."""


@functools.cache
def timezones() -> frozenset[str]:
    """The IANA names a schedule may use (for a picker); the first call reads tzdata (~0.1 s)."""
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


def _zone(name: str) -> zoneinfo.ZoneInfo:
    if not isinstance(name, str) or name not in timezones():
        raise ScheduleError(f"unknown timezone {name!r}: use an IANA name such as 'Europe/Paris' or 'UTC'")
    return zoneinfo.ZoneInfo(name)


@functools.lru_cache(maxsize=4096)
def _cron(expr: str) -> tuple[croniter, bool]:
    """A parsed iterator for expr (parsing costs ~0.7 ms, a step ~0.1 ms; callers step a copy, so
    threads never share one) and whether its hour field covers every hour (see the module note)."""
    fields = expr.split()
    if len(fields) not in (5, 6):
        raise ScheduleError(f"cron {expr!r} has {len(fields)} fields: {CRON_HELP}")
    if not croniter.is_valid(expr, second_at_beginning=True):
        raise ScheduleError(f"cron {expr!r}: {_bad_field(fields)}")
    hours = croniter.expand(expr, second_at_beginning=True)[0][1]
    every_hour = hours == ["*"] or len(hours) == 24
    return croniter(expr, datetime(2000, 1, 1, tzinfo=UTC), second_at_beginning=True), every_hour


def _bad_field(fields: list[str]) -> str:
    """What is wrong with the first field croniter refuses on its own, e.g. "the hour field '25' is out
    of range 0-23": a person fixes one field, so the message names it."""
    names = ((SECOND,) if len(fields) == 6 else ()) + CRON_FIELDS
    for i, (field, (name, low, high)) in enumerate(zip(fields, names, strict=True)):
        alone = ["*"] * len(fields)
        alone[i] = field
        if croniter.is_valid(" ".join(alone), second_at_beginning=True):
            continue
        # the numbers the field names (not the steps after "/": "*/90" is every 90th, allowed)
        numbers = [int(n) for part in field.split(",") for n in re.findall(r"\d+", part.split("/")[0])]
        if any(not low <= n <= high for n in numbers):
            return f"the {name} field {field!r} is out of range {low}-{high}"
        return f"the {name} field {field!r} is not valid"
    return f"it is not a valid expression: {CRON_HELP}"


def validate(cron: str | None, interval_seconds: int | None, timezone: str) -> None:
    """Raises ScheduleError unless exactly one of cron and interval is set, it is valid, the
    timezone is an IANA name, and the schedule fires at least once."""
    if (cron is None) == (interval_seconds is None):
        raise ScheduleError("a schedule needs exactly one of cron and interval_seconds")
    zone = _zone(timezone)
    if interval_seconds is not None:
        if (
            isinstance(interval_seconds, bool)
            or not isinstance(interval_seconds, int)
            or not INTERVAL_RANGE[0] <= interval_seconds <= INTERVAL_RANGE[1]
        ):
            raise ScheduleError(
                f"interval_seconds must be a whole number from {INTERVAL_RANGE[0]} to {INTERVAL_RANGE[1]} (one year)"
            )
        return
    if not isinstance(cron, str) or not cron.strip():
        raise ScheduleError(f"cron must be a non-empty string: {CRON_HELP}")
    _next_cron(cron, zone, datetime.now(zone))  # e.g. "0 0 30 2 *" is valid but never fires


def _next_cron(cron: str, zone: zoneinfo.ZoneInfo, after: datetime) -> datetime:
    parsed, every_hour = _cron(" ".join(cron.split()))
    iterator = copy.copy(parsed)
    tick = after
    while True:
        try:
            tick = iterator.get_next(datetime, start_time=tick.astimezone(zone))
        except CroniterError:
            raise ScheduleError(f"cron {cron!r} never fires (e.g. 30 February)") from None
        if tick.fold == 0 or every_hour:  # fold 1: the second pass through a repeated hour
            return tick.astimezone(UTC)


def next_run(cron: str | None, interval_seconds: int | None, timezone: str, after: datetime) -> datetime:
    """The first tick strictly after `after` (aware), as an aware UTC datetime on a whole second.
    An interval counts from `after` (a save); fire_due keeps an interval's phase instead."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if interval_seconds is not None:
        return after.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=interval_seconds)
    if cron is None:
        raise ScheduleError("a schedule needs exactly one of cron and interval_seconds")
    return _next_cron(cron, _zone(timezone), after)


def upcoming(
    cron: str | None, interval_seconds: int | None, tz: str, n: int = 5, after: datetime | None = None
) -> list[datetime]:
    """The next n ticks after `after` (default: now), for showing a schedule before saving it."""
    ticks, tick = [], after or datetime.now(UTC)
    for _ in range(n):
        tick = next_run(cron, interval_seconds, tz, tick)
        ticks.append(tick)
    return ticks


def describe(cron: str | None, interval_seconds: int | None) -> str:
    """A sentence for the UI: 'Every 5 minutes', 'At 02:30 AM, Monday through Friday'."""
    if interval_seconds is not None:
        for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
            if interval_seconds % size == 0:
                count = interval_seconds // size
                return f"Every {unit}" if count == 1 else f"Every {count} {unit}s"
    try:
        return get_description(" ".join((cron or "").split()))
    except Exception:  # noqa: BLE001 - the descriptor rejects some valid forms (L, #); show the expression
        return cron or ""


DUE_COLUMNS = (
    Script.id,
    Script.next_run_at,
    Script.cron,
    Script.interval_seconds,
    Script.timezone,
    Script.allow_overlap,
    ScriptVersion.id.label("version_id"),
)
# A run per fired script, copied from the script row this transaction holds: its deployed version,
# workspace and limits, as runs.create sets them (a test compares the two), and the event of
# contract §2 (schedule_event, in SQL).
# Built in the database because SQLModel Run objects cost ~1.6 ms each and a 500-row parameter list
# ~0.1 s; this is ~30 ms for 500. A tick that already has a run (next_run_at moved back by hand)
# is skipped by the unique constraint, not an error.
INSERT_RUNS = text("""
    INSERT INTO runs (id, script_id, version_id, workspace_id, version, trigger, status, event, timeout_seconds,
                      memory_mb, network, scheduled_at, queued_at, log_truncated, may_retry)
    SELECT f.run_id, f.script_id, f.version_id, f.workspace_id, f.version, 'schedule', 'queued',
           jsonb_build_object('trigger', 'schedule', 'body', NULL, 'run_id', f.run_id, 'scheduled_at',
                              to_char(f.tick AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
           f.timeout_seconds, f.memory_mb, f.network, f.tick, clock_timestamp(), false, true
    FROM (SELECT gen_random_uuid() AS run_id, s.id AS script_id, v.id AS version_id, s.workspace_id,
                 v.number AS version, s.timeout_seconds, s.memory_mb, s.network, s.next_run_at AS tick
          FROM scripts s JOIN script_versions v ON v.script_id = s.id AND v.number = s.deployed_version
          WHERE s.id = ANY(CAST(:ids AS uuid[]))) f  -- a volatile select list: one uuid per row
    ON CONFLICT ON CONSTRAINT uq_runs_script_scheduled_at DO NOTHING
    RETURNING id""")
ADVANCE = text(
    "UPDATE scripts SET next_run_at = v.next_run_at "
    "FROM unnest(CAST(:ids AS uuid[]), CAST(:nexts AS timestamptz[])) AS v(id, next_run_at) "
    "WHERE scripts.id = v.id"
)


def _due(s: Session, now: datetime, limit: int) -> list[Row]:
    """Due scripts with their deployed version, locked; rows another scheduler holds are skipped."""
    current = and_(ScriptVersion.script_id == Script.id, ScriptVersion.number == Script.deployed_version)
    return list(
        s.execute(
            select(*DUE_COLUMNS)
            .outerjoin(ScriptVersion, current)
            .where(Script.enabled, Script.trigger_type == "schedule", Script.next_run_at <= now)
            .order_by(Script.next_run_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=Script)
        )
    )


def _busy(s: Session, script_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not script_ids:
        return set()
    return set(
        s.scalars(select(Run.script_id).distinct().where(Run.script_id.in_(script_ids), Run.status.in_(UNFINISHED)))
    )


def schedule_event(tick: datetime) -> dict:
    """The event of contract §2 for a schedule, without its run_id (INSERT_RUNS builds the same)."""
    return {"trigger": "schedule", "body": None, "scheduled_at": tick.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def fire_due(now: datetime | None = None, limit: int = 500) -> list[uuid.UUID]:
    """Fires up to `limit` due schedules in one transaction: a run per due tick (none while a run of
    a script that forbids overlap is unfinished), next_run_at advanced past now. Returns the ids of
    the committed runs; the caller enqueues them. `now` defaults to the database's clock, so
    schedulers on several machines agree on it."""
    with session() as s:
        now = now or database_now(s)
        due = _due(s, now, limit)
        if not due:
            return []
        busy = _busy(s, [d.id for d in due if not d.allow_overlap])
        for d in due:
            if d.version_id is None:
                log.warning("script %s has no live version yet; tick %s skipped", d.id, d.next_run_at)
        fire = [d.id for d in due if d.version_id and d.id not in busy]
        created = list(s.scalars(INSERT_RUNS, {"ids": fire})) if fire else []
        memo: dict = {}
        s.execute(ADVANCE, {"ids": [d.id for d in due], "nexts": [_advance(d, now, memo) for d in due]})
        s.commit()
        return created


def _advance(due: Row, now: datetime, memo: dict) -> datetime | None:
    """The first tick strictly after now: ticks missed while no scheduler ran collapse into the one
    just fired, and an interval keeps its phase (tick + k * interval). memo shares a cron's answer
    within a batch, as many scripts use the same few expressions."""
    try:
        if due.interval_seconds is not None:
            if due.interval_seconds < INTERVAL_RANGE[0]:
                raise ScheduleError(f"interval_seconds is {due.interval_seconds}")
            step = timedelta(seconds=due.interval_seconds)
            return due.next_run_at + step * ((now - due.next_run_at) // step + 1)
        key = (due.cron or "", due.timezone)
        if key not in memo:
            memo[key] = _next_cron(key[0], _zone(key[1]), now)
        return memo[key]
    except ScheduleError as exc:  # e.g. a timezone gone from tzdata: stop it rather than fail every batch
        log.error("script %s: %s; its schedule is stopped", due.id, exc)
        return None


def seconds_until_due() -> float | None:
    """Seconds until the earliest enabled schedule is due, by the database's clock (negative when
    one is overdue), or None when there is none."""
    with session() as s:
        due = s.scalar(select(func.min(Script.next_run_at)).where(Script.enabled, Script.trigger_type == "schedule"))
        if due is None:
            return None
        return (due - database_now(s)).total_seconds()
