"""Log retention: the lines of runs and builds that finished more than N days ago are deleted, a
bounded batch per statement so no transaction grows with the backlog. N is the "logs" app setting
{"retention_days": N}, else RUNPAD_LOG_RETENTION_DAYS (30)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from app.core.db import session
from app.core.settings import settings
from app.models import Build, LogLine, Run, utcnow
from app.services import app_settings

KEY = "logs"
MAX_DAYS = 3650
SOURCES_PER_ROUND = 500
ROWS_PER_DELETE = 5000


def retention_days() -> int:
    value, _ = app_settings.get(KEY)
    return int(value.get("retention_days") or settings.log_retention_days)


def set_retention_days(days: int) -> None:
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"retention_days must be a whole number of days from 1 to {MAX_DAYS}")
    value, _ = app_settings.get(KEY)
    app_settings.put(KEY, {**value, "retention_days": days})


def enforce_retention(now: datetime | None = None, rows_per_delete: int = ROWS_PER_DELETE) -> int:
    """Deletes the lines of runs and builds finished before now - retention; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days())
    deleted = 0
    for source, model in (("run", Run), ("build", Build)):
        while ids := _expired_with_lines(source, model, cutoff):
            n = _delete_lines(source, ids, rows_per_delete)
            deleted += n
            if n == 0:  # all that is left is locked by a shipper right now: next time
                break
    return deleted


def _expired_with_lines(source: str, model, cutoff: datetime) -> list[uuid.UUID]:
    """Finished runs (or builds) before cutoff that still have lines; each is an index probe."""
    has_lines = exists().where(LogLine.source == source, LogLine.source_id == model.id)
    with session() as s:
        return list(s.scalars(select(model.id).where(model.finished_at < cutoff, has_lines).limit(SOURCES_PER_ROUND)))


def _delete_lines(source: str, ids: list[uuid.UUID], rows_per_delete: int) -> int:
    deleted = 0
    while True:
        # SKIP LOCKED: lines a shipper holds are left for the next round rather than waited for
        doomed = (
            select(LogLine.id)
            .where(LogLine.source == source, LogLine.source_id.in_(ids))
            .limit(rows_per_delete)
            .with_for_update(skip_locked=True)
        )
        with session() as s:
            result = s.execute(delete(LogLine).where(LogLine.id.in_(doomed.scalar_subquery())))
            n = result.rowcount  # type: ignore[attr-defined]  # a CursorResult, typed as Result
            s.commit()
        deleted += n
        if n < rows_per_delete:
            return deleted
