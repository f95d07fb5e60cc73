"""What the editor page needs beyond the scripts service: a saved script as editable fields, the
trigger a form describes, a live preview of a schedule, and the changes between two sets of fields."""

from __future__ import annotations

import dataclasses
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.core.db import session
from app.models import Run, ScriptVersion
from app.services import schedules, scripts
from app.services.access import Access
from app.views import listings
from app.views.overview import build_label, hook_url

PREVIEW_COUNT = 5
SCHEDULE_KINDS = ("cron", "interval")


@dataclass
class Fields:
    """A script as the editor edits it; `trigger` is what scripts.create/update take."""

    name: str
    code: str
    dependencies: list[str]
    secrets: list[str]
    trigger: dict
    timeout_seconds: int
    memory_mb: int
    network: bool
    enabled: bool
    # {"count", "backoff_seconds"}, as scripts.create/update take them
    retries: dict = field(default_factory=lambda: {"count": 0, "backoff_seconds": 60})


@dataclass
class Loaded:
    """A saved script for the editor: its fields plus what only a saved script has."""

    id: str
    runtime: str
    fields: Fields
    schedule_kind: str
    cron: str
    interval_seconds: int | None
    timezone: str
    http_auth: str
    version: int
    hook_url: str
    build_id: str
    build_status: str  # overview.BUILD_LABELS value, "" without a build
    build_error: str
    deployed_version: int  # 0 while no version is live
    deploy_error: str
    draft: bool  # the newest version is a draft
    detected: list[str] = field(default_factory=list)  # the version's pinned imports


def trigger_of(
    kind: str,
    http_auth: str = "none",
    cron: str | None = None,
    interval_seconds: int | None = None,
    timezone: str = "UTC",
) -> dict:
    """The trigger document for scripts.create/update; only the fields of its kind."""
    if kind == "http":
        return {"type": "http", "http_auth": http_auth}
    if kind == "schedule":
        return {"type": "schedule", "cron": cron, "interval_seconds": interval_seconds, "timezone": timezone}
    return {"type": kind}


def load(access: Access, script_id: uuid.UUID) -> Loaded:
    """The script as editable fields; scripts.NotFound for an unknown id or another workspace's script."""
    script, version, build = listings.script_view(access, script_id)
    trigger = trigger_of(script.trigger_type, script.http_auth, script.cron, script.interval_seconds, script.timezone)
    fields = Fields(
        script.name,
        version.code,
        list(version.dependencies),
        list(version.secrets),
        trigger,
        script.timeout_seconds,
        script.memory_mb,
        script.network,
        script.enabled,
        {"count": script.retry_count, "backoff_seconds": script.retry_backoff_seconds},
    )
    return Loaded(
        id=str(script.id),
        runtime=script.runtime,
        fields=fields,
        schedule_kind="interval" if script.interval_seconds is not None else "cron",
        cron=script.cron or "",
        interval_seconds=script.interval_seconds,
        timezone=script.timezone,
        http_auth=script.http_auth,
        version=version.number,
        hook_url=hook_url(script),
        build_id=str(build.id) if build else "",
        build_status=build_label(build),
        build_error=(build.error or "") if build else "",
        deployed_version=script.deployed_version or 0,
        deploy_error=script.deploy_error or "",
        draft=version.draft,
        detected=list(version.detected_dependencies),
    )


def parse_interval(text: str) -> int:
    """Interval seconds typed in a box, or ScheduleError saying what to type."""
    low, high = schedules.INTERVAL_RANGE
    try:
        seconds = int(str(text).strip())
    except ValueError:
        raise schedules.ScheduleError(f"the interval must be a whole number of seconds from {low} to {high}") from None
    if not low <= seconds <= high:
        raise schedules.ScheduleError(f"the interval must be a whole number of seconds from {low} to {high}")
    return seconds


def schedule_trigger(kind: str, cron_text: str, interval_text: str, timezone: str) -> dict:
    """The schedule trigger the form describes, checked: ScheduleError with the reason otherwise."""
    if kind not in SCHEDULE_KINDS:
        raise schedules.ScheduleError("choose cron or interval")
    if kind == "cron":
        cron, interval = " ".join(cron_text.split()), None
        if not cron:
            raise schedules.ScheduleError(f"type a cron expression: {schedules.CRON_HELP}")
    else:
        cron, interval = None, parse_interval(interval_text)
    schedules.validate(cron, interval, timezone)
    return trigger_of("schedule", cron=cron, interval_seconds=interval, timezone=timezone)


@dataclass
class Preview:
    description: str = ""
    times: list[str] = field(default_factory=list)
    error: str = ""


def format_tick(tick: datetime, timezone: str) -> str:
    """'Mon 1 Dec 2026, 09:00:00 CET' on the schedule's wall clock."""
    local = tick.astimezone(zoneinfo.ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M:%S} {local.tzname()}"


def preview(kind: str, cron_text: str, interval_text: str, timezone: str, now: datetime | None = None) -> Preview:
    """The schedule in words and its next ticks in its timezone, or the reason it cannot be used."""
    try:
        trigger = schedule_trigger(kind, cron_text, interval_text, timezone)
        ticks = schedules.upcoming(
            trigger["cron"], trigger["interval_seconds"], timezone, PREVIEW_COUNT, now or datetime.now(UTC)
        )
    except schedules.ScheduleError as exc:
        return Preview(error=str(exc))
    return Preview(
        schedules.describe(trigger["cron"], trigger["interval_seconds"]), [format_tick(t, timezone) for t in ticks]
    )


def parse_limit(text: str, label: str, bounds: tuple[int, int]) -> int:
    """A limit typed in a box (timeout seconds, memory MB), or ScriptError saying what to type."""
    low, high = bounds
    try:
        value = int(str(text).strip())
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise scripts.ScriptError(f"{label} must be a whole number from {low} to {high}")
    return value


def _check_text(label: str, value: str) -> None:
    # PostgreSQL text holds no NUL and no lone surrogate; say so instead of failing on write
    if "\x00" in value:
        raise scripts.ScriptError(f"{label} may not contain NUL characters")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise scripts.ScriptError(f"{label} must be valid Unicode") from None


def changes(saved: Fields, current: Fields) -> dict:
    """What scripts.update needs to turn `saved` into `current`; an unchanged trigger is left out, so
    saving code does not move an interval's next tick."""
    before, after = _plain(saved), _plain(current)
    return {key: value for key, value in after.items() if before[key] != value}


def _plain(fields: Fields) -> dict:
    """Fields as plain lists and dicts (a Reflex state hands out proxies of its lists and dicts)."""
    plain = {}
    for item in dataclasses.fields(fields):
        value = getattr(fields, item.name)
        plain[item.name] = list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value
    return plain


def create(access: Access, runtime: str, fields: Fields, draft: bool = False) -> scripts.Saved:
    _check_text("the name", fields.name)
    _check_text("the code", fields.code)
    return scripts.create(
        access,
        fields.name,
        runtime,
        fields.code,
        fields.dependencies,
        fields.secrets,
        trigger=fields.trigger,
        timeout_seconds=fields.timeout_seconds,
        memory_mb=fields.memory_mb,
        network=fields.network,
        enabled=fields.enabled,
        retries=fields.retries,
        draft=draft,
    )


def detected_of_run(run_id: uuid.UUID) -> list[str]:
    """The packages a run's version detected and pinned (a try-out's, for the Dependencies panel)."""
    with session() as s:
        run = s.get(Run, run_id)
        version = s.get(ScriptVersion, run.version_id) if run else None
    return list(version.detected_dependencies) if version else []


def update(access: Access, script_id: uuid.UUID, saved: Fields, current: Fields, draft: bool = False) -> scripts.Saved:
    _check_text("the name", current.name)
    _check_text("the code", current.code)
    return scripts.update(access, script_id, {**changes(saved, current), "draft": draft})


def deploy_label(live: int, version: int, draft: bool, build_status: str, waiting: bool) -> str:
    """What is live and what is being edited: "live: v3 · editing: v5 (building…)". `waiting`: the
    version was saved to go live when its build succeeds, which the build's finish has done."""
    if live == version or (waiting and build_status == "succeeded"):
        return f"live: v{version}"
    if draft:
        why = "draft"
    elif build_status in ("queued", "building"):
        why = "building…"
    elif build_status == "failed":
        why = "build failed"
    else:
        why = "not deployed"
    return f"{f'live: v{live}' if live else 'not live yet'} · editing: v{version} ({why})"
