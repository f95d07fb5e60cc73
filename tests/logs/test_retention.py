"""Log retention: lines of runs and builds finished more than N days ago go, in bounded batches;
the rest stays."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from app.core.db import session
from app.core.settings import settings
from app.models import Build, LogLine, Run, ScriptVersion, utcnow
from app.services import app_settings, log_retention
from tests.support.actors import acting


@pytest.fixture(autouse=True)
def default_retention():
    app_settings.clear(log_retention.KEY)
    yield
    app_settings.clear(log_retention.KEY)


def finished_run(days_ago: float | None) -> uuid.UUID:
    with session() as s:
        version = ScriptVersion(runtime="python", code="print(1)", deps_hash="retention-test")
        s.add(version)
        s.flush()
        finished = utcnow() - timedelta(days=days_ago) if days_ago is not None else None
        run = Run(
            workspace_id=acting().workspace_id,
            version_id=version.id,
            trigger="tryout",
            status="succeeded" if finished else "running",
            started_at=finished,
            finished_at=finished,
        )
        s.add(run)
        s.commit()
    return run.id


def finished_build(days_ago: float) -> uuid.UUID:
    with session() as s:
        build = Build(
            deps_hash=f"retention-{uuid.uuid4()}",
            runtime="python",
            base_image="b",
            base_digest="d",
            status="ready",
            finished_at=utcnow() - timedelta(days=days_ago),
        )
        s.add(build)
        s.commit()
    return build.id


def add_lines(source: str, source_id: uuid.UUID, n: int) -> None:
    with session() as s:
        s.execute(
            insert(LogLine),
            [
                {
                    "source": source,
                    "source_id": source_id,
                    "seq": i,
                    "ts": utcnow(),
                    "stream": "stdout",
                    "line": f"line {i}",
                }
                for i in range(1, n + 1)
            ],
        )
        s.commit()


def count(source: str, source_id: uuid.UUID) -> int:
    with session() as s:
        return s.scalar(
            select(func.count()).select_from(LogLine).where(LogLine.source == source, LogLine.source_id == source_id)
        )


def test_lines_of_runs_and_builds_finished_before_the_retention_are_deleted_in_batches():
    old_run, recent_run, running = finished_run(31), finished_run(29), finished_run(None)
    old_build, recent_build = finished_build(40), finished_build(1)
    for source, source_id in (
        ("run", old_run),
        ("run", recent_run),
        ("run", running),
        ("build", old_build),
        ("build", recent_build),
    ):
        add_lines(source, source_id, 10)
    assert log_retention.retention_days() == settings.log_retention_days == 30

    assert log_retention.enforce_retention(rows_per_delete=3) == 20
    assert count("run", old_run) == 0 and count("build", old_build) == 0
    assert count("run", recent_run) == count("run", running) == count("build", recent_build) == 10
    assert log_retention.enforce_retention() == 0  # nothing left to do


def test_the_retention_setting_overrides_the_default():
    run = finished_run(10)
    add_lines("run", run, 5)
    log_retention.set_retention_days(7)
    assert log_retention.retention_days() == 7
    assert app_settings.get(log_retention.KEY)[0] == {"retention_days": 7}
    assert log_retention.enforce_retention() >= 5
    assert count("run", run) == 0


@pytest.mark.parametrize("days", [0, -1, 3651, 1.5, "30", True])
def test_bad_retention_values_are_refused(days):
    with pytest.raises(ValueError):
        log_retention.set_retention_days(days)
    assert log_retention.retention_days() == 30
