"""The scripts list: one row per script of a user with its trigger in words, its build, its last run
and its next scheduled run, ready to show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on

from app.core.db import session
from app.core.settings import settings
from app.models import Build, Run, Script
from app.services import schedules
from app.services.access import Access
from app.views import listings

# The build statuses as the editor and the list say them: a ready image is a build that succeeded.
BUILD_LABELS = {"queued": "queued", "building": "building", "ready": "succeeded", "failed": "failed"}


@dataclass(frozen=True)
class ScriptRow:
    id: str
    name: str
    runtime: str
    trigger_type: str
    trigger_text: str  # "Manual", "Every 5 minutes", "At 02:30 AM"; the hook URL for http
    hook_url: str
    enabled: bool
    build_status: str  # a BUILD_LABELS value, "" without a build
    build_error: str
    last_run_status: str  # "" when it never ran
    last_run_ago: str
    next_run_in: str  # "" unless an enabled schedule

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def hook_url(script: Script) -> str:
    """The script's public hook URL, "" unless it has an http trigger."""
    if script.trigger_type != "http" or not script.hook_token:
        return ""
    return f"{settings.hooks_url}/hooks/{script.hook_token}"  # its own origin, never the IDE's


def build_label(build: Build | None) -> str:
    return BUILD_LABELS.get(build.status, build.status) if build else ""


def trigger_text(script: Script) -> str:
    if script.trigger_type == "http":
        return hook_url(script)
    if script.trigger_type == "schedule":
        return schedules.describe(script.cron, script.interval_seconds)
    return "Manual"


def _span(seconds: float) -> str:
    seconds = int(abs(seconds))
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if unit == 'day' and count > 1 else ''}"
    return f"{seconds} s"


def ago(when: datetime | None, now: datetime) -> str:
    """'just now', '3 min ago', '2 h ago', '5 days ago'."""
    if when is None:
        return ""
    seconds = (now - when).total_seconds()
    return "just now" if seconds < 5 else f"{_span(seconds)} ago"


def until(when: datetime | None, now: datetime) -> str:
    """'in 3 min', 'in 2 h', 'due now' (a tick the scheduler has not fired yet)."""
    if when is None:
        return ""
    seconds = (when - now).total_seconds()
    return "due now" if seconds < 1 else f"in {_span(seconds)}"


def last_runs(script_ids: list[uuid.UUID]) -> dict[uuid.UUID, Run]:
    """Each script's newest run (by queued_at), one query for all."""
    if not script_ids:
        return {}
    with session() as s:
        q = (
            select(Run)
            .where(Run.script_id.in_(script_ids))
            .ext(distinct_on(Run.script_id))
            .order_by(Run.script_id, Run.queued_at.desc(), Run.id.desc())
        )
        return {run.script_id: run for run in s.scalars(q) if run.script_id}


def script_rows(access: Access, now: datetime | None = None) -> list[ScriptRow]:
    """The workspace's scripts, newest first, as the list page shows them."""
    now = now or datetime.now(UTC)
    scripts = listings.scripts_of(access)
    runs = last_runs([script.id for script, _, _ in scripts])
    rows = []
    for script, _version, build in scripts:
        run = runs.get(script.id)
        when = (run.finished_at or run.started_at or run.queued_at) if run else None
        scheduled = script.trigger_type == "schedule" and script.enabled
        rows.append(
            ScriptRow(
                id=str(script.id),
                name=script.name,
                runtime=script.runtime,
                trigger_type=script.trigger_type,
                trigger_text=trigger_text(script),
                hook_url=hook_url(script),
                enabled=script.enabled,
                build_status=build_label(build),
                build_error=(build.error or "") if build else "",
                last_run_status=run.status if run else "",
                last_run_ago=ago(when, now) if run else "",
                next_run_in=until(script.next_run_at, now) if scheduled else "",
            )
        )
    return rows
