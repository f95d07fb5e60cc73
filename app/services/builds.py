"""Dependency builds: one row per dependency hash, claimed by one worker, shared by every version."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.core import errors, runtimes
from app.core.db import session
from app.models import Build, BuildStatus, ScriptVersion, utcnow
from app.services import deploys, logs
from app.services.base_catalog import Entry


class BuildError(errors.Conflict):
    """A build row cannot be made as asked; the message says why."""


def ensure_build(s: Session, version: ScriptVersion, base: Entry | None = None) -> tuple[Build, bool]:
    """The build for the version's dependency hash, and whether it needs to be queued now.

    `base` is the entry the version was hashed with (versions.base_for's, or a worker's own); the
    build row records it, so the worker that builds can check it builds on that very image. Without
    it the row must exist already, as it does for every version saved through the services.
    A failed build is queued again, so saving after a registry blip retries it."""
    if base is not None:
        if base.runtime != version.runtime or base.deps_hash(version.installed_dependencies()) != version.deps_hash:
            raise BuildError(f"version {version.id} was not hashed with the {base.runtime} base {base.digest}")
        s.execute(
            insert(Build)
            .values(
                id=uuid.uuid4(),
                deps_hash=version.deps_hash,
                runtime=runtimes.family_of(version.runtime),  # an image serves its whole family (node: typescript too)
                dependencies=version.installed_dependencies(),
                base_image=base.image,
                base_digest=base.digest,
                status=BuildStatus.queued,
                created_at=utcnow(),
                log_truncated=False,
            )
            .on_conflict_do_nothing(index_elements=["deps_hash"])
        )
    build = s.scalars(select(Build).where(Build.deps_hash == version.deps_hash).with_for_update()).one_or_none()
    if build is None:
        raise BuildError(f"version {version.id} has no build yet, and no base image was given to make one")
    if build.status == BuildStatus.failed:
        build.status, build.error, build.worker = BuildStatus.queued, None, None
        s.add(build)
    return build, build.status == BuildStatus.queued


def claim(build_id: uuid.UUID, worker: str) -> Build | None:
    """Moves a queued build to building for this worker; None if someone else has it."""
    with session() as s:
        row = s.execute(
            update(Build)
            .where(Build.id == build_id, Build.status == BuildStatus.queued)
            .values(status=BuildStatus.building, worker=worker, started_at=utcnow())
            .returning(Build)
        ).scalar_one_or_none()
        s.commit()
        return row


def requeue_abandoned(
    live_workers: set[str], grace: timedelta = timedelta(seconds=20), among: set[str] | None = None
) -> list[uuid.UUID]:
    """Puts builds whose worker stopped sending heartbeats back in the queue (only the builds of
    `among`, when given) and returns their ids for the caller to send. Unlike a run, a build is safe to
    do again: the same dependency set makes the same image. One UPDATE, so when several workers do this
    at once each build goes back once. `worker` keeps the dead worker's name until the next claim, and
    the build's log says why the build starts again."""
    held = [Build.status == BuildStatus.building, Build.started_at < utcnow() - grace]
    if live_workers:
        held.append(Build.worker.not_in(live_workers))
    if among is not None:
        held.append(Build.worker.in_(among))
    with session() as s:
        rows = s.execute(
            update(Build)
            .where(*held)
            .values(status=BuildStatus.queued, started_at=None)
            .returning(Build.id, Build.worker)
        ).all()
        s.commit()
    for build_id, worker in rows:
        sink = logs.LogSink("build", build_id, start_seq=logs.last_seq("build", build_id))
        sink.system(f"the worker building this image ({worker}) stopped before it finished; queued again")
        sink.flush()
    return [build_id for build_id, _ in rows]


def finish(
    build_id: uuid.UUID,
    *,
    image_ref: str | None = None,
    digest: str | None = None,
    lockfile: str | None = None,
    error: str | None = None,
    log_truncated: bool = False,
) -> None:
    status = BuildStatus.failed if error else BuildStatus.ready
    with session() as s:
        build = s.get_one(Build, build_id)
        build.status, build.error, build.finished_at, build.log_truncated = status, error, utcnow(), log_truncated
        if not error:
            build.image_ref, build.image_digest, build.lockfile = image_ref, digest, lockfile
            # the exact installed versions go on every version of this set that has none yet
            s.execute(
                update(ScriptVersion)
                .where(ScriptVersion.deps_hash == build.deps_hash, ScriptVersion.lockfile.is_(None))
                .values(lockfile=lockfile)
            )
        s.add(build)
        deps_hash = build.deps_hash
        s.commit()
    # After the commit, not in it: a save locks its script, then this build's row; doing both here
    # in the other order would deadlock with it. A save that read the build before this commit has
    # committed by now (its lock held ours back), so its version is seen.
    deploys.after_build(deps_hash, status, error)


def get(build_id: uuid.UUID) -> Build | None:
    with session() as s:
        return s.get(Build, build_id)


def by_hash(deps_hash: str) -> Build | None:
    with session() as s:
        return s.scalars(select(Build).where(Build.deps_hash == deps_hash)).one_or_none()
