"""Executes builds and runs: the plain functions that Celery tasks call and tests drive directly."""

from __future__ import annotations

import json
import logging
import re
import secrets as pysecrets
import threading
import time
import uuid

import docker.errors
import requests
from sqlalchemy.exc import OperationalError

from app.core import runtimes
from app.core.db import session
from app.core.settings import settings
from app.models import Build, BuildStatus, Run, RunStatus, ScriptVersion
from app.services import builds, failures, logs, quotas, runs, secrets
from app.services.redaction import Redactor
from workers import dispatch
from workers.runtime import containers, images, supervisor
from workers.runtime.pool import PoolKey, WarmPool

log = logging.getLogger(__name__)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
STATUS_FOR = {
    supervisor.StopReason.succeeded: RunStatus.succeeded,
    supervisor.StopReason.failed: RunStatus.failed,
    supervisor.StopReason.log_limit: RunStatus.failed,
    supervisor.StopReason.timed_out: RunStatus.timed_out,
    supervisor.StopReason.cancelled: RunStatus.cancelled,
}

pool: WarmPool | None = None  # set by the worker at start; without it every run starts cold
# The worker's concurrency, set by the Celery worker at start. 0: this process is not a worker (a test
# or a tool executing a run directly), has no slots to share, and so claims without the quotas.
slots = 0
_image_locks: dict[str, threading.Lock] = {}
_image_locks_guard = threading.Lock()


def _image_lock(deps_hash: str) -> threading.Lock:
    with _image_locks_guard:
        return _image_locks.setdefault(deps_hash, threading.Lock())


# ---- builds -----------------------------------------------------------------------------------


def execute_build(build_id: uuid.UUID) -> None:
    """Builds the image of a queued build (no-op if another worker has claimed it)."""
    build = builds.claim(build_id, settings.worker_name)
    if build is not None:
        _build(build)


def _build(build: Build) -> None:
    # a build done again (it failed, or its worker died) carries on the log of the earlier attempt
    sink = logs.LogSink("build", build.id, start_seq=logs.last_seq("build", build.id))
    try:
        with _image_lock(build.deps_hash):
            ref = images.dependency_image_ref(build.deps_hash)
            if settings.registry and images.pull(ref):
                sink.system(f"pulled {ref} from {settings.registry}")
                built = images.BuiltImage(
                    ref, images.local_id(ref), images.read_file(ref, runtimes.row(build.runtime).lockfile_path)
                )
            else:
                built = images.build_dependency_image(
                    build.runtime,
                    build.dependencies,
                    build.deps_hash,
                    build.lockfile,
                    lambda line: sink.write("stdout", ANSI.sub("", line)),
                    saved_digest=build.base_digest,
                )
                if settings.registry:
                    images.push(built.ref, sink.system)
        sink.system(f"image {built.ref} ready")
        sink.flush()
        builds.finish(
            build.id, image_ref=built.ref, digest=built.digest, lockfile=built.lockfile, log_truncated=sink.truncated
        )
    except Exception as exc:  # noqa: BLE001 - any failure ends the build with its reason
        sink.system(f"build failed: {exc}")
        sink.flush()
        builds.finish(build.id, error=str(exc) or type(exc).__name__, log_truncated=sink.truncated)


def _image_for(version: ScriptVersion, sink: logs.LogSink) -> str:
    """The ready image for a version, building or waiting for its build as needed."""
    deadline = time.monotonic() + settings.build_timeout_seconds
    while True:
        build = builds.by_hash(version.deps_hash)
        if build is None:  # a version saved without its build (tests, benchmarks): this worker's base must fit
            base = images.base_for_build(version.runtime, version.installed_dependencies(), version.deps_hash, None)
            with session() as s:
                build, _ = builds.ensure_build(s, version, base)
                s.commit()
        if build.status == BuildStatus.ready:
            return _local_image(build, sink)
        if build.status == BuildStatus.failed:
            raise RuntimeError(f"the dependency build failed: {build.error}")
        if build.status == BuildStatus.queued and (claimed := builds.claim(build.id, settings.worker_name)):
            sink.system(f"building dependencies (build {build.id})")
            _build(claimed)
            continue
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for dependency build {build.id}")
        time.sleep(0.5)


_seen_images: dict[str, float] = {}
SEEN_IMAGE_SECONDS = 60.0


def _local_image(build: Build, sink: logs.LogSink) -> str:
    """Ready builds may have been made on another machine, or pruned here: pull or rebuild exactly."""
    ref = build.image_ref
    if ref is None:
        raise RuntimeError(f"build {build.id} is ready but names no image")
    if time.monotonic() - _seen_images.get(ref, -SEEN_IMAGE_SECONDS) < SEEN_IMAGE_SECONDS:
        return ref  # checked a moment ago: skip a Docker round trip on the hot path
    if images.image_present(ref):
        _seen_images[ref] = time.monotonic()
        return ref
    with _image_lock(build.deps_hash):
        if images.image_present(ref):
            return ref
        if settings.registry and images.pull(ref):
            return ref
        sink.system("dependency image missing here: rebuilding it from the recorded lockfile")
        images.build_dependency_image(
            build.runtime,
            build.dependencies,
            build.deps_hash,
            build.lockfile,
            lambda line: None,
            saved_digest=build.base_digest,
        )
        return ref


# ---- runs -------------------------------------------------------------------------------------

RECORD_RETRY_SECONDS = 300  # how long the end of a run waits for PostgreSQL to answer again


def _recorded(write):
    """PostgreSQL restarting must not leave a claimed run active for ever: a write of its end is
    tried again every second until PostgreSQL answers (RECORD_RETRY_SECONDS at most)."""
    deadline = time.monotonic() + RECORD_RETRY_SECONDS
    while True:
        try:
            return write()
        except OperationalError:  # the connection, not the statement: worth trying again
            if time.monotonic() > deadline:
                raise
            log.warning("PostgreSQL unreachable; recording the end of the run again in 1 s")
            time.sleep(1)


def _record_end(run_id: uuid.UUID, sink: logs.LogSink, status: RunStatus, **fields) -> None:
    _recorded(sink.flush)
    _recorded(lambda: runs.finish(run_id, status, **fields))


def execute_run(run_id: uuid.UUID) -> None:
    """Runs a queued run once. A duplicate delivery finds it claimed and returns at once; a run whose
    workspace is at its concurrency limit is left waiting, and sent again when one of its runs ends."""
    try:
        run = runs.claim(run_id, settings.worker_name, share_slots=slots > 0)
    except runs.Held:
        return
    if run is None:
        return
    try:
        _execute(run)
    finally:
        follow_up(run)


def follow_up(run: Run) -> None:
    """The run has ended (here, or reaped after its worker died: workers/maintenance.py): a retry or
    the error handler if it failed, then a slot of its workspace is free for its longest-waiting run."""
    try:
        failures.after_end(run.id, dispatch.enqueue_run)
    except Exception:  # its end is recorded; only the follow-up is lost
        log.exception("run %s: could not retry it or start the error handler", run.id)
    try:
        quotas.wake(dispatch.enqueue_run, run.workspace_id)
    except Exception:  # the scheduler's sweep wakes them instead
        log.exception("could not wake the waiting runs of workspace %s", run.workspace_id)


def _execute(run: Run) -> None:
    sink = logs.LogSink("run", run.id)
    try:
        with session() as s:
            version = s.get_one(ScriptVersion, run.version_id)
        image = _image_for(version, sink)
        values = secrets.resolve(run.workspace_id, version.secrets)  # before any container: a missing secret fails fast
    except Exception as exc:  # noqa: BLE001
        sink.system(str(exc))
        _record_end(run.id, sink, RunStatus.failed, error=str(exc))
        return
    sink.redactor = Redactor(values.values())
    _run_container(run, version, image, values, sink)


def _start_container(run: Run, version: ScriptVersion, image: str, sink: logs.LogSink) -> containers.Attached:
    limits = containers.Limits(run.memory_mb, run.network)
    labels = {containers.LABEL_RUN: str(run.id)}
    for attempt in (1, 2):
        try:
            if pool is not None:
                # by image family: a warm Node.js container serves a TypeScript run (the runner is the same)
                return pool.take(PoolKey(image, runtimes.family_of(version.runtime), limits), labels)[0]
            return containers.start_attached(image, version.runtime, limits, labels)
        except docker.errors.ImageNotFound:
            if attempt == 2:
                raise
            _seen_images.pop(image, None)  # removed since we last looked: fetch or rebuild it
            image = _image_for(version, sink)
    raise AssertionError("unreachable")


def _run_container(run: Run, version: ScriptVersion, image: str, values: dict[str, str], sink: logs.LogSink) -> None:
    attached = None
    try:
        attached = _start_container(run, version, image, sink)
        runs.mark_running(run.id, attached.container_id)
        nonce = pysecrets.token_hex(16)
        ctx = {
            "run_id": str(run.id),
            "script_id": str(run.script_id) if run.script_id else None,
            "version": run.version,
            "trigger": run.trigger,
            "deadline": int((time.time() + run.timeout_seconds) * 1000),
        }
        payload = json.dumps(
            {
                "code": version.code,
                "runtime": version.runtime,  # the Node.js runner runs TypeScript too
                "event": run.event,
                "ctx": ctx,
                "secrets": values,
                "nonce": nonce,
            }
        ).encode()
        outcome = supervisor.supervise(
            attached, payload, nonce, sink, run.timeout_seconds, lambda: runs.cancel_requested(run.id), run.memory_mb
        )
    except requests.exceptions.ConnectionError as exc:  # dockerd stopped: it took the container with it
        log.exception("run %s: lost the Docker Engine", run.id)
        outcome = supervisor.Outcome(
            supervisor.StopReason.failed, error=f"the Docker Engine stopped or restarted during the run: {exc}"
        )
    except Exception as exc:  # Docker failing mid-run still ends the run
        log.exception("run %s: container failure", run.id)
        outcome = supervisor.Outcome(supervisor.StopReason.failed, error=f"container failure: {exc}")
    finally:
        if attached is not None:
            containers.remove_eventually(attached.container_id)
    if outcome.error:
        sink.system(outcome.error)
    _record_end(
        run.id,
        sink,
        STATUS_FOR[outcome.reason],
        result=sink.redactor.value(outcome.result),
        error=sink.redactor.text(outcome.error) if outcome.error else None,
        exit_code=outcome.exit_code,
        log_truncated=sink.truncated,
    )
