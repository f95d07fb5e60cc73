"""Drives try-outs and saved scripts through the real engine (PostgreSQL, Redis, Docker)."""

from __future__ import annotations

from app.core.db import session
from app.models import Run
from app.services import logs, runs, versions
from tests.support.actors import acting
from workers import engine


def tryout(runtime: str, code: str, deps=(), secret_names=(), body=None, **limits) -> Run:
    """Creates a try-out run and executes it in this process, as a worker would."""
    base = versions.base_for(runtime)
    with session() as s:
        version = versions.new_version(s, base, code, list(deps), list(secret_names))
        run = runs.create(s, version, "tryout", body, **limits, workspace_id=acting().workspace_id)
        s.commit()
    engine.execute_run(run.id)
    return runs.get(run.id)


def log_text(run: Run) -> str:
    return "\n".join(line.line for line in logs.read("run", run.id))


def log_lines(run: Run) -> list:
    return logs.read("run", run.id)
