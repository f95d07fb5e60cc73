"""Deployed versions (contract §4): the version hooks and schedules run. A saved version goes live by
itself once its dependency image is ready; until then, and for good when its build fails, the one
before keeps answering and the script says why (`deploy_error`). A draft never goes live by itself.

A version goes live in the save's transaction when its image is already there, else right after its
build's finish commits. The save reads the build row under a lock the finish's update needs, so one
of the two always sees the other."""

from __future__ import annotations

import uuid

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core import errors
from app.core.db import session
from app.core.parsing import syntax_problem
from app.models import Build, BuildStatus, Script, ScriptVersion, utcnow
from app.services import audit
from app.services.access import SYSTEM, Actor

MAX_VERSION = 2**31 - 1  # script_versions.number is a PostgreSQL integer


class DoesNotParse(errors.InvalidInput):
    """Code that would fail at its first run; saved only as a draft."""

    code = "syntax_error"


class NotReady(errors.Conflict):
    """The version's image is not built (yet, or at all)."""


# The newest non-draft version of each script of the build's dependency set, newer than its live one.
_NEWEST_PENDING = """
    FROM script_versions v
    WHERE v.script_id = s.id AND v.deps_hash = :deps_hash AND NOT v.draft
      AND v.number = (SELECT max(w.number) FROM script_versions w WHERE w.script_id = s.id AND NOT w.draft)
      AND (s.deployed_version IS NULL OR s.deployed_version < v.number)
"""
GO_LIVE = text(
    f"UPDATE scripts s SET deployed_version = v.number, deploy_error = NULL {_NEWEST_PENDING}"
    " RETURNING s.id, s.workspace_id, v.number"
)
NOT_LIVE = text(
    "UPDATE scripts s SET deploy_error = 'version ' || v.number || ' is not live: its dependency build failed: '"
    f" || :error {_NEWEST_PENDING}"
)


def check_parses(runtime: str, code: str) -> None:
    problem = syntax_problem(runtime, code)
    if problem is not None:
        raise DoesNotParse(f"the code does not parse: {problem}. Fix it, or save it as a draft")


def after_save(s: Session, script: Script, version: ScriptVersion, build: Build) -> None:
    """In the saving transaction of a new version: it goes live now when its image is ready (else when
    the build finishes); a draft changes nothing."""
    if version.draft:
        return
    script.deploy_error = None  # an older version's failed build no longer explains anything
    if build.status == BuildStatus.ready:
        script.deployed_version = version.number
        _record(s, SYSTEM, script.id, script.workspace_id, version.number, "saved with a built image")
    s.add(script)


def after_build(deps_hash: str, status: BuildStatus, error: str | None) -> None:
    """Once a build has finished (committed): the versions waiting on it go live, or their scripts
    say the build failed."""
    with session() as s:
        if status == BuildStatus.ready:
            for script_id, workspace_id, number in s.execute(GO_LIVE, {"deps_hash": deps_hash}).all():
                _record(s, SYSTEM, script_id, workspace_id, number, "its image was built")
        elif status == BuildStatus.failed:
            s.execute(NOT_LIVE, {"deps_hash": deps_hash, "error": error or "unknown error"})
        s.commit()


def make_live(actor: Actor, script_id: uuid.UUID, number: int) -> Script:
    """Makes version `number` live (a rollback, or a draft put live by hand): it must parse and its
    image must be ready. The caller has checked access (scripts.deploy)."""
    if not 0 < number <= MAX_VERSION:  # past PostgreSQL's integer: no such version, not a database error
        raise errors.NotFound(f"script {script_id} has no version {number}")
    with session() as s:
        script = s.execute(select(Script).where(Script.id == script_id).with_for_update()).scalar_one()
        version = s.scalars(
            select(ScriptVersion).where(ScriptVersion.script_id == script_id, ScriptVersion.number == number)
        ).one_or_none()
        if version is None:
            raise errors.NotFound(f"script {script_id} has no version {number}")
        check_parses(version.runtime, version.code)
        build = s.scalars(select(Build).where(Build.deps_hash == version.deps_hash)).one_or_none()
        if build is None or build.status != BuildStatus.ready:
            state = build.status.value if build else "missing"
            raise NotReady(f"version {number} cannot go live: its dependency image is {state}, not ready")
        script.deployed_version, script.deploy_error, script.updated_at = number, None, utcnow()
        s.add(script)
        _record(s, actor, script.id, script.workspace_id, number, "deployed by hand")
        s.commit()
        s.refresh(script)
        return script


def live_version(s: Session, script: Script) -> ScriptVersion | None:
    """The version triggers run, or None when none has gone live yet."""
    if script.deployed_version is None:
        return None
    return s.scalars(
        select(ScriptVersion).where(
            ScriptVersion.script_id == script.id, ScriptVersion.number == script.deployed_version
        )
    ).one()


def not_live_reason(s: Session, script: Script) -> str:
    """Why a script with no live version cannot answer, for a 409."""
    if script.deploy_error:
        return f"the script has no live version: {script.deploy_error}"
    status = s.scalar(
        select(Build.status)
        .join(ScriptVersion, ScriptVersion.deps_hash == Build.deps_hash)
        .where(ScriptVersion.script_id == script.id, ScriptVersion.number == script.current_version)
    )
    if status in (BuildStatus.queued, BuildStatus.building):
        return "the script has no live version yet: its dependencies are not built yet; try again shortly"
    return "the script has no live version: deploy one (its drafts are never deployed by themselves)"


def _record(s: Session, actor, script_id: uuid.UUID, workspace_id: uuid.UUID, number: int, why: str) -> None:
    audit.record(s, actor, "script.deploy", str(script_id), workspace_id, {"version": number, "why": why})
