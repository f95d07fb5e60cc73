"""Runs that earlier tests left queued with no worker to take them. Quotas count a workspace with
runs queued within the requeue interval as waiting for a slot (app/services/quotas.py), so a test
of fair shares ends them first: otherwise its figures depend on what ran before it."""

from __future__ import annotations

from sqlalchemy import update

from app.core.db import session
from app.models import Run, RunStatus, utcnow


def end_leftover_queued_runs() -> int:
    with session() as s:
        done = s.execute(
            update(Run)
            .where(Run.status == RunStatus.queued)
            .values(status=RunStatus.cancelled, finished_at=utcnow(), error="left queued by an earlier test")
        )
        s.commit()
        return done.rowcount  # type: ignore[attr-defined]  # a CursorResult, typed as Result
