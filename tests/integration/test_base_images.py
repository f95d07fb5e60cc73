"""The worker's half of the base catalog, against the real Docker Engine: a worker publishes its base
images when it starts, and builds a dependency set only on the base image (and runner layer) the set
was saved against; anything else fails the build saying what differs, and the run with it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.core.db import session
from app.models import BaseImage, Build, BuildStatus, Run
from app.services import base_catalog, builds, logs, runs, versions
from tests.engines import start_worker
from tests.support.actors import acting
from workers import engine
from workers.runtime import images

pytestmark = pytest.mark.usefixtures("docker_ready")


def test_a_starting_worker_publishes_the_real_ids_of_its_base_images(empty_catalog):
    name = f"catalog-worker-{uuid.uuid4().hex[:6]}"
    worker = start_worker(name, concurrency=1)  # returns once its first heartbeat is out: published before
    try:
        with session() as s:
            rows = {row.runtime: row for row in s.scalars(select(BaseImage))}
    finally:
        worker.stop()
    assert set(rows) == set(base_catalog.RUNTIMES)
    for runtime, row in rows.items():
        assert row.worker == name
        here = images.local_base(runtime)  # asked of the same engine in this process
        assert (row.image, row.digest, row.runner_digest) == (here.image, here.digest, here.runner_digest)
        assert row.digest == images.client().images.get(row.image).id
    assert base_catalog.current("python") == images.local_base("python")


CODE = {"python": "def handler(e, c):\n    return 1\n", "node": "export default () => 1;"}
NEVER_INSTALLED = {"python": "runpad-never-{}==1.0", "node": "runpad-never-{}@1.0.0"}  # never reaches a registry


def saved_on(base: base_catalog.Entry) -> tuple[Build, Run]:
    """A try-out's version, build and run, saved as the web process saves them, against `base`."""
    dependency = NEVER_INSTALLED[base.runtime].format(uuid.uuid4().hex[:8])
    with session() as s:
        version = versions.new_version(s, base, CODE[base.runtime], [dependency], [])
        build, _ = builds.ensure_build(s, version, base)
        run = runs.create(s, version, "tryout", None, workspace_id=acting().workspace_id)
        s.commit()
    return build, run


def test_a_build_saved_against_another_base_image_fails_saying_so_and_builds_nothing():
    here = images.local_base("python")
    elsewhere = base_catalog.Entry("python", here.image, "sha256:" + "0" * 64, here.runner_digest)
    build, run = saved_on(elsewhere)
    engine.execute_build(build.id)
    failed = builds.get(build.id)
    assert failed.status == BuildStatus.failed
    assert f"saved against the python base image sha256:{'0' * 64}" in failed.error
    assert f"this worker's {here.image} is {here.digest}" in failed.error
    assert "build failed: this worker" in "\n".join(line.line for line in logs.read("build", build.id))
    assert not images.image_present(images.dependency_image_ref(build.deps_hash))
    # a run of that version ends with the same reason, not on some other image
    engine.execute_run(run.id)
    ended = runs.get(run.id)
    assert ended.status == "failed" and "the dependency build failed" in ended.error
    assert "saved against the python base image" in ended.error


def test_a_build_saved_with_another_runner_layer_fails_saying_so():
    here = images.local_base("node")
    other_runner = base_catalog.Entry("node", here.image, here.digest, "f" * 64)
    build, _ = saved_on(other_runner)
    engine.execute_build(build.id)
    failed = builds.get(build.id)
    assert failed.status == BuildStatus.failed and "runner layer differs" in failed.error


def test_a_version_saved_without_a_build_gets_one_only_on_a_base_that_fits():
    """Versions written without their build row (tests, benchmarks) get one from the worker that
    runs them, and only when its own base gives their hash."""
    elsewhere = base_catalog.Entry("python", "example/python", "sha256:" + "1" * 64, "r")
    with session() as s:
        version = versions.new_version(s, elsewhere, "def handler(e, c):\n    return 1\n", [], [])
        run = runs.create(s, version, "tryout", None, workspace_id=acting().workspace_id)
        s.commit()
    engine.execute_run(run.id)
    ended = runs.get(run.id)
    assert ended.status == "failed" and "saved against another python base image" in ended.error
    assert builds.by_hash(version.deps_hash) is None
