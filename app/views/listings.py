"""Read-only queries the REST API needs that the owning services do not offer: a user's scripts with
their current version and build, a user's runs page by page, and the builds a user may see."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, exists, or_, select, tuple_

from app.core import errors
from app.core.db import session
from app.models import Build, Run, Script, ScriptVersion
from app.services import scripts

MAX_PAGE = 200


class CursorError(errors.InvalidInput):
    """A page cursor that does not name one of the caller's runs."""


def _with_version_and_build():
    return (
        select(Script, ScriptVersion, Build)
        .join(ScriptVersion, and_(ScriptVersion.script_id == Script.id, ScriptVersion.number == Script.current_version))
        .outerjoin(Build, Build.deps_hash == ScriptVersion.deps_hash)
    )


def scripts_of(owner_id: uuid.UUID) -> list[tuple[Script, ScriptVersion, Build | None]]:
    """The owner's scripts, newest first, each with its current version and that version's build."""
    with session() as s:
        q = _with_version_and_build().where(Script.owner_id == owner_id).order_by(Script.created_at.desc(), Script.id)
        return [tuple(row) for row in s.execute(q).all()]


def script_view(script_id: uuid.UUID, owner_id: uuid.UUID) -> tuple[Script, ScriptVersion, Build | None]:
    with session() as s:
        row = s.execute(_with_version_and_build().where(Script.id == script_id, Script.owner_id == owner_id)).first()
    if row is None:
        raise scripts.NotFound(f"no script {script_id}")
    return tuple(row)


def run_of(run_id: uuid.UUID, owner_id: uuid.UUID) -> Run:
    with session() as s:
        run = s.get(Run, run_id)
    if run is None or run.owner_id != owner_id:
        raise errors.NotFound(f"no run {run_id}")
    return run


def runs_of(
    owner_id: uuid.UUID,
    script_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 50,
    before: uuid.UUID | None = None,
) -> list[Run]:
    """The owner's runs, newest first (by queued_at, then id). `before` is the id of the last run of
    the previous page: the page holds the runs queued before it, so pages never overlap or skip,
    however many runs are added meanwhile."""
    limit = max(1, min(limit, MAX_PAGE))
    if script_id is not None:
        scripts.get(script_id, owner_id)
    with session() as s:
        q = select(Run).where(Run.owner_id == owner_id)
        if script_id is not None:
            q = q.where(Run.script_id == script_id)
        if status is not None:
            q = q.where(Run.status == status)
        if before is not None:
            anchor = s.get(Run, before)
            if anchor is None or anchor.owner_id != owner_id:
                raise CursorError(f"before={before} is not one of your runs: pass the id of the last run of a page")
            q = q.where(tuple_(Run.queued_at, Run.id) < tuple_(anchor.queued_at, anchor.id))
        return list(s.scalars(q.order_by(Run.queued_at.desc(), Run.id.desc()).limit(limit)))


def build_for(build_id: uuid.UUID, user_id: uuid.UUID) -> Build:
    """A build, if the user has a script version or a run (a try-out) that uses its dependency set.
    Builds are shared by dependency hash, so this is what 'their build' means."""
    with session() as s:
        build = s.get(Build, build_id)
        if build is not None:
            own_script = (
                select(ScriptVersion.id)
                .join(Script, Script.id == ScriptVersion.script_id)
                .where(ScriptVersion.deps_hash == build.deps_hash, Script.owner_id == user_id)
            )
            own_run = (
                select(Run.id)
                .join(ScriptVersion, ScriptVersion.id == Run.version_id)
                .where(ScriptVersion.deps_hash == build.deps_hash, Run.owner_id == user_id)
            )
            if not s.scalar(select(or_(exists(own_script), exists(own_run)))):
                build = None
    if build is None:
        raise errors.NotFound(f"no build {build_id}")
    return build
