"""Runs written straight to the database with the status, trigger, time and event a test needs:
history as a worker would have left it, without running anything."""

from __future__ import annotations

from datetime import datetime

from app.core.db import session
from app.models import Run, RunStatus, Trigger, utcnow
from app.services import scripts


def add_run(
    saved: scripts.Saved,
    status: str = RunStatus.succeeded,
    trigger: str = Trigger.manual,
    queued_at: datetime | None = None,
    event: dict | None = None,
    finished_at: datetime | None = None,
) -> Run:
    """A run of the script's version; a final one started and finished when it was queued, unless told."""
    queued_at = queued_at or utcnow()
    final = status not in (RunStatus.queued, RunStatus.building, RunStatus.running)
    with session() as s:
        run = Run(
            script_id=saved.script.id,
            workspace_id=saved.script.workspace_id,
            version_id=saved.version.id,
            version=saved.version.number,
            status=status,
            trigger=trigger,
            event=event if event is not None else {"trigger": trigger, "body": None},
            queued_at=queued_at,
            started_at=queued_at,
            finished_at=finished_at or (queued_at if final else None),
            duration_ms=0 if final else None,
        )
        s.add(run)
        s.commit()
        s.refresh(run)
        return run
