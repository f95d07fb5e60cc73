"""Saved scripts: creating one or changing its code makes a new immutable version and, when its
dependency set has no image yet, a build."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.db import session
from app.models import Build, Script, ScriptVersion, utcnow
from app.services import builds, versions
from app.settings import settings

TIMEOUT_RANGE = (1, 900)
MEMORY_RANGE = (64, 4096)


class ScriptError(ValueError):
    """Bad script input; nothing was written."""


@dataclass
class Saved:
    script: Script
    version: ScriptVersion
    build: Build
    build_queued: bool  # the caller enqueues the build after this returns (the rows are committed)


def _check_limits(timeout_seconds: int, memory_mb: int) -> None:
    if not TIMEOUT_RANGE[0] <= timeout_seconds <= TIMEOUT_RANGE[1]:
        raise ScriptError(f"timeout_seconds must be between {TIMEOUT_RANGE[0]} and {TIMEOUT_RANGE[1]}")
    if not MEMORY_RANGE[0] <= memory_mb <= MEMORY_RANGE[1]:
        raise ScriptError(f"memory_mb must be between {MEMORY_RANGE[0]} and {MEMORY_RANGE[1]}")


def create(name: str, runtime: str, code: str, dependencies: list[str] | None = None,
           secrets: list[str] | None = None, *, timeout_seconds: int | None = None, memory_mb: int | None = None,
           network: bool = True, owner_id: uuid.UUID | None = None) -> Saved:
    timeout_seconds = timeout_seconds or settings.default_timeout_seconds
    memory_mb = memory_mb or settings.default_memory_mb
    if not name or not name.strip() or len(name) > 200:
        raise ScriptError("name must be 1 to 200 characters")
    _check_limits(timeout_seconds, memory_mb)
    with session() as s:
        script = Script(name=name.strip(), runtime=runtime, timeout_seconds=timeout_seconds, memory_mb=memory_mb,
                        network=network, owner_id=owner_id)
        s.add(script)
        s.flush()
        try:
            version = versions.new_version(s, runtime, code, dependencies or [], secrets or [], script.id, 1)
        except versions.VersionError as exc:
            raise ScriptError(str(exc)) from None
        build, queued = builds.ensure_build(s, version)
        s.commit()
        return Saved(script, version, build, queued)


def new_code(script_id: uuid.UUID, code: str | None = None, dependencies: list[str] | None = None,
             secrets: list[str] | None = None) -> Saved:
    """A new version with whatever changed; unchanged fields are carried over."""
    with session() as s:
        script = s.execute(select(Script).where(Script.id == script_id).with_for_update()).scalar_one()
        current = current_version(s, script)
        try:
            version = versions.new_version(
                s, script.runtime, current.code if code is None else code,
                current.dependencies if dependencies is None else dependencies,
                current.secrets if secrets is None else secrets, script.id, script.current_version + 1)
        except versions.VersionError as exc:
            raise ScriptError(str(exc)) from None
        script.current_version, script.updated_at = version.number, utcnow()
        build, queued = builds.ensure_build(s, version)
        s.commit()
        return Saved(script, version, build, queued)


def current_version(s, script: Script) -> ScriptVersion:
    return s.scalars(select(ScriptVersion).where(ScriptVersion.script_id == script.id,
                                                 ScriptVersion.number == script.current_version)).one()
