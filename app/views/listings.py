"""Read-only queries the REST API and pages need that the owning services do not offer: a workspace's
scripts with their current version and build, its runs page by page, and the builds it may see. Each
takes the caller's Access; what is of another workspace answers NotFound."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, exists, or_, select

from app.core import errors
from app.core.db import session
from app.models import Build, Run, Script, ScriptVersion
from app.services import run_history, scripts
from app.services.access import Access


def _with_version_and_build():
    return (
        select(Script, ScriptVersion, Build)
        .join(ScriptVersion, and_(ScriptVersion.script_id == Script.id, ScriptVersion.number == Script.current_version))
        .outerjoin(Build, Build.deps_hash == ScriptVersion.deps_hash)
    )


def scripts_of(access: Access) -> list[tuple[Script, ScriptVersion, Build | None]]:
    """The workspace's scripts, newest first, each with its current version and that version's build."""
    with session() as s:
        q = (
            _with_version_and_build()
            .where(Script.workspace_id == access.workspace_id)
            .order_by(Script.created_at.desc(), Script.id)
        )
        return [tuple(row) for row in s.execute(q).all()]


def script_names(access: Access) -> list[tuple[str, str]]:
    """(id, name) of the workspace's scripts, by name: the choices of a script filter."""
    with session() as s:
        q = select(Script.id, Script.name).where(Script.workspace_id == access.workspace_id)
        return [(str(sid), name) for sid, name in s.execute(q.order_by(Script.name, Script.id))]


def script_view(access: Access, script_id: uuid.UUID) -> tuple[Script, ScriptVersion, Build | None]:
    with session() as s:
        row = s.execute(
            _with_version_and_build().where(Script.id == script_id, Script.workspace_id == access.workspace_id)
        ).first()
    if row is None:
        raise scripts.NotFound(f"no script {script_id}")
    return tuple(row)


def run_of(access: Access, run_id: uuid.UUID) -> Run:
    with session() as s:
        run = s.get(Run, run_id)
    if run is None or run.workspace_id != access.workspace_id:
        raise errors.NotFound(f"no run {run_id}")
    return run


def runs_of(
    access: Access,
    script_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 50,
    before: uuid.UUID | None = None,
) -> list[Run]:
    """The workspace's runs, newest first; `before` is the id of the last run of the previous page
    (app/services/run_history.py pages them)."""
    after = run_history.cursor_before(access, before) if before is not None else None
    return run_history.page(access, run_history.RunFilter.parse(script_id, status), after, limit).runs


def build_for(access: Access, build_id: uuid.UUID) -> Build:
    """A build, if the workspace has a script version or a run (a try-out) that uses its dependency
    set. Builds are shared by dependency hash, so this is what 'its build' means."""
    with session() as s:
        build = s.get(Build, build_id)
        if build is not None:
            own_script = (
                select(ScriptVersion.id)
                .join(Script, Script.id == ScriptVersion.script_id)
                .where(ScriptVersion.deps_hash == build.deps_hash, Script.workspace_id == access.workspace_id)
            )
            own_run = (
                select(Run.id)
                .join(ScriptVersion, ScriptVersion.id == Run.version_id)
                .where(ScriptVersion.deps_hash == build.deps_hash, Run.workspace_id == access.workspace_id)
            )
            if not s.scalar(select(or_(exists(own_script), exists(own_run)))):
                build = None
    if build is None:
        raise errors.NotFound(f"no build {build_id}")
    return build
