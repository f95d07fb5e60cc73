"""What the run pages show, as plain values: durations and times, an event's JSON check, log lines as
rows (found by a search, matches marked), the dependency changes between two versions, and the hook
calls a script turned away."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from app.core.db import session
from app.core.settings import settings
from app.models import FINAL_RUN_STATUSES, Build, BuildStatus, Run, RunStatus, ScriptVersion
from app.services import dependencies, failures, runs
from app.services.access import Access

MAX_SHOWN_LINES = 2000  # the browser gets the last lines only; the whole log is a download away
EVENT_KEYS = ("trigger", "run_id", "scheduled_at", "method", "path", "query", "headers", "body", "body_base64")
MAX_SHOWN_EVENT_CHARS = 100_000  # an event may be 6 MiB; the page shows its start, the API has it whole


@dataclass
class Part:
    text: str
    hit: bool = False


@dataclass
class LogRow:
    seq: int
    time: str  # HH:MM:SS.mmm, shown beside the line
    stamp: str  # the full ISO timestamp, shown on hover
    stream: str  # stdout | stderr | system
    parts: list[Part] = field(default_factory=list)


def event_json_error(text: str) -> str:
    """ "" when text is a JSON document that fits in an event, else what is wrong and where."""
    if not text.strip():
        return 'Enter a JSON value, for example {} or {"name": "Ada"}.'
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Line {exc.lineno}, column {exc.colno}: {exc.msg}."
    size = len(text.encode())
    if size > settings.max_event_bytes:
        return f"The event is {size} bytes; the limit is {settings.max_event_bytes} bytes."
    return ""


def parsed_event(text: str):
    """The event body from checked JSON text (see event_json_error)."""
    return json.loads(text)


def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def event_text(event) -> tuple[str, bool]:
    """A run's event as the run page shows it (pretty JSON, credential headers left out) and whether
    it was cut to MAX_SHOWN_EVENT_CHARS."""
    shown = runs.shown_event(event)
    if isinstance(shown, dict):  # jsonb keeps keys by length: put them in the contract's order again
        first = {key: shown[key] for key in EVENT_KEYS if key in shown}
        shown = first | {key: value for key, value in shown.items() if key not in first}
    text = pretty_json(shown)
    return text[:MAX_SHOWN_EVENT_CHARS], len(text) > MAX_SHOWN_EVENT_CHARS


def format_duration(ms: int | None) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds:02d} s"


def relative_time(at: datetime | None, now: datetime | None = None) -> str:
    if at is None:
        return "not started"
    seconds = int(((now or datetime.now(UTC)) - at).total_seconds())
    if seconds < 10:
        return "just now"
    for limit, unit, size in ((60, "s", 1), (3600, "min", 60), (86400, "h", 3600), (86400 * 30, "d", 86400)):
        if seconds < limit:
            return f"{seconds // size} {unit} ago"
    return at.strftime("%Y-%m-%d")


def exact_time(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else ""


def _as_datetime(ts: datetime | str) -> datetime:
    return ts if isinstance(ts, datetime) else datetime.fromisoformat(ts)


def log_row(seq: int, ts: datetime | str, stream: str, line: str) -> LogRow:
    at = _as_datetime(ts).astimezone(UTC)
    return LogRow(seq, at.strftime("%H:%M:%S.") + f"{at.microsecond // 1000:03d}", at.isoformat(), stream, [Part(line)])


def merged(rows: list[LogRow], new: list[LogRow]) -> list[LogRow]:
    """rows with new ones added in seq order: a line that missed the live feed arrives late, from storage."""
    new = sorted(new, key=lambda r: r.seq)  # a batch can hold a stored line after a live one too
    if rows and new and new[0].seq < rows[-1].seq:
        return sorted(rows + new, key=lambda r: r.seq)
    return rows + new


def _marked(line: str, needle: str) -> list[Part]:
    """line split into parts, the case-insensitive occurrences of needle marked as hits."""
    parts, lower, start = [], line.lower(), 0
    while (found := lower.find(needle, start)) != -1:
        if found > start:
            parts.append(Part(line[start:found]))
        parts.append(Part(line[found : found + len(needle)], True))
        start = found + len(needle)
    if start < len(line) or not parts:
        parts.append(Part(line[start:]))
    return parts


def search(rows: list[LogRow], query: str) -> list[LogRow]:
    """The rows whose text contains query (any case), with the matches marked; all rows when query is blank."""
    needle = query.strip().lower()
    if not needle:
        return rows
    found = []
    for row in rows:
        text = "".join(p.text for p in row.parts)
        if needle in text.lower():
            found.append(LogRow(row.seq, row.time, row.stamp, row.stream, _marked(text, needle)))
    return found


def dependency_changes(runtime: str, old: list[str], new: list[str]) -> list[dict[str, str]]:
    """What changed from old to new, by package: kind added/removed/changed, name, and the two specs."""

    def by_name(specs: list[str]) -> dict[str, str]:
        return {dependencies.package_name(runtime, s): s for s in specs}

    before, after = by_name(old), by_name(new)
    changes = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name, ""), after.get(name, "")
        if was != now:
            kind = "added" if not was else "removed" if not now else "changed"
            changes.append({"kind": kind, "name": name, "old": was, "new": now})
    return changes


def build_pending(run_id: uuid.UUID) -> bool:
    """Whether the run waits for its dependencies to be installed (a build of a non-empty set, not ready yet)."""
    with session() as s:
        row = s.execute(
            select(Build.status, Build.dependencies)
            .join(ScriptVersion, ScriptVersion.deps_hash == Build.deps_hash)
            .join(Run, Run.version_id == ScriptVersion.id)
            .where(Run.id == run_id)
        ).first()
    return row is not None and bool(row.dependencies) and row.status != BuildStatus.ready


@dataclass
class RunSummary:
    """A run as its pages show it: every field ready to display."""

    status: str = ""
    trigger: str = ""
    version: str = ""  # "v3", or "" for a try-out
    started: str = ""  # relative: "3 min ago"
    started_exact: str = ""
    finished_exact: str = ""
    duration: str = ""
    result: str = ""  # pretty JSON, or "" when there is none
    error: str = ""
    installing: bool = False  # waiting for its dependencies to be installed
    held: bool = False  # waiting for its workspace's concurrency quota
    final: bool = False
    log_truncated: bool = False


def summary_of(run: Run) -> RunSummary:
    final, at = run.status in FINAL_RUN_STATUSES, run.started_at or run.queued_at
    waiting = run.status in (RunStatus.queued, RunStatus.building)
    return RunSummary(
        status=run.status,
        trigger=run.trigger,
        version=f"v{run.version}" if run.version else "",
        started=relative_time(at),
        started_exact=exact_time(at),
        finished_exact=exact_time(run.finished_at),
        duration=format_duration(run.duration_ms),
        result=pretty_json(run.result) if run.result is not None else "",
        error=run.error or "",
        installing=waiting and build_pending(run.id),
        held=run.status == RunStatus.queued and run.waiting_since is not None,
        final=final,
        log_truncated=run.log_truncated,
    )


@dataclass
class RunListRow:
    """One row of a run history: a script's, or the workspace's (then with the script's name)."""

    id: str
    status: str
    trigger: str
    version: str
    started: str
    started_exact: str
    duration: str
    final: bool
    script: str = ""  # the script's name; "" for a try-out or in a script's own history
    rerun: bool = False  # a run again of an earlier run


def list_row(run: Run, now: datetime | None = None, script: str = "") -> RunListRow:
    at = run.started_at or run.queued_at
    return RunListRow(
        str(run.id),
        run.status,
        run.trigger,
        f"v{run.version}" if run.version else "",
        relative_time(at, now),
        exact_time(at),
        format_duration(run.duration_ms),
        run.status in FINAL_RUN_STATUSES,
        script,
        run.rerun_of is not None,
    )


def runs_by_id(access: Access, run_ids: list[uuid.UUID]) -> dict[str, Run]:
    """The workspace's runs among run_ids, as they are now, by id."""
    if not run_ids:
        return {}
    with session() as s:
        found = s.scalars(select(Run).where(Run.id.in_(run_ids), Run.workspace_id == access.workspace_id))
        return {str(run.id): run for run in found}


@dataclass
class TurnedAwayRow:
    """A hook call that could not start a run for Runpad's reasons (failures.TurnedAway), as the
    script's runs page lists it."""

    at: str  # relative: "3 min ago"
    at_exact: str
    status: int  # 409 or 503
    reason: str


def turned_away_rows(access: Access, script_id: uuid.UUID, now: datetime | None = None) -> list[TurnedAwayRow]:
    """The script's latest turned-away calls, newest first; NotFound for another workspace's script."""
    rows = []
    for call in failures.recent_turned_away(access, script_id):
        at = datetime.fromisoformat(call.at)
        rows.append(TurnedAwayRow(relative_time(at, now), exact_time(at), call.status, call.error))
    return rows
