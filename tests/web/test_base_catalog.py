"""The base image catalog as the web side uses it, with no Docker Engine: what workers publish is what
a save hashes with, settings' pins win, a short cache, and a save with nothing published is refused
with a message that says to start a worker, in the API, the editor and the try-out console."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from app.core.db import session
from app.core.settings import Settings, settings
from app.models import BaseImage, Build
from app.services import base_catalog, builds, dependencies, launch, scripts, users, versions
from state.draft import DraftState
from state.editor import EditorState
from state.messages import told
from state.tryout import STARTING
from tests.support.actors import acting
from tests.web.tabs import sub, tab

ROOT = Path(__file__).resolve().parents[2]
NOT_PUBLISHED = "no worker has published the node base image yet: start a worker"


def new_user() -> uuid.UUID:
    return users.create(f"catalog-{uuid.uuid4().hex[:10]}@example.com", "a long enough password").id


def published() -> dict[str, BaseImage]:
    with session() as s:
        return {row.runtime: row for row in s.scalars(select(BaseImage))}


def test_the_session_published_both_runtimes_before_any_test():
    rows = published()
    assert set(rows) == {"node", "python"}
    assert rows["node"].image == settings.node_image and rows["python"].image == settings.python_image
    assert all(row.digest.startswith("sha256:") and row.runner_digest for row in rows.values())


def test_a_save_hashes_with_the_published_base_and_its_build_names_that_base(restore_catalog):
    entry = base_catalog.Entry("node", "example/node:22", "sha256:" + "a" * 64, "b" * 64)
    base_catalog.publish([entry], "worker-a")
    assert base_catalog.current("node") == entry
    saved = scripts.create(acting(new_user()), "catalog hash", "node", "export default () => 1;", ["dayjs@^1.11"])
    normalised = dependencies.normalise("node", ["dayjs@^1.11"])
    # the formula images were tagged with before the catalog: images built then still match
    assert saved.version.deps_hash == dependencies.deps_hash("node", normalised, entry.digest, entry.runner_digest)
    assert (saved.build.base_image, saved.build.base_digest) == (entry.image, entry.digest)


def test_a_newer_publication_replaces_the_runtime_entry_and_logs_the_change(restore_catalog, caplog):
    first = base_catalog.Entry("python", "example/python:3.12", "sha256:" + "1" * 64, "r1")
    second = base_catalog.Entry("python", "example/python:3.12", "sha256:" + "2" * 64, "r1")
    base_catalog.publish([first], "worker-a")
    base_catalog.publish([second], "worker-b")
    assert base_catalog.current("python") == second
    row = published()["python"]
    assert (row.digest, row.worker) == (second.digest, "worker-b")
    assert "worker worker-b replaces the python base image published by worker-a" in caplog.text


def test_another_process_publishing_is_seen_once_the_cache_ages(restore_catalog, monkeypatch):
    monkeypatch.setattr(base_catalog, "CACHE_SECONDS", 0.5)
    before = base_catalog.Entry("node", "example/node:22", "sha256:" + "c" * 64, "r")
    base_catalog.publish([before], "worker-a")
    assert base_catalog.current("node") == before
    with session() as s:  # a worker elsewhere: this process's copy is not told
        s.execute(update(BaseImage).where(BaseImage.runtime == "node").values(digest="sha256:" + "d" * 64))
        s.commit()
    assert base_catalog.current("node") == before  # from the cache: no query
    time.sleep(0.6)
    assert base_catalog.current("node").digest == "sha256:" + "d" * 64


def test_settings_pins_win_over_the_catalog(monkeypatch):
    monkeypatch.setattr(settings, "python_base_digest", "sha256:" + "e" * 64)
    monkeypatch.setattr(settings, "python_runner_digest", "f" * 64)
    assert base_catalog.current("python") == base_catalog.Entry(
        "python", settings.python_image, "sha256:" + "e" * 64, "f" * 64
    )
    saved = scripts.create(acting(new_user()), "pinned", "python", "def handler(e, c):\n    return 1\n")
    assert saved.version.deps_hash == dependencies.deps_hash("python", [], "sha256:" + "e" * 64, "f" * 64)
    assert saved.build.base_digest == "sha256:" + "e" * 64


def test_a_pin_needs_both_digests():
    with pytest.raises(ValueError, match="RUNPAD_NODE_BASE_DIGEST and RUNPAD_NODE_RUNNER_DIGEST"):
        Settings(node_base_digest="sha256:" + "1" * 64)


def test_a_pin_works_with_nothing_published(empty_catalog, monkeypatch):
    monkeypatch.setattr(settings, "node_base_digest", "sha256:" + "1" * 64)
    monkeypatch.setattr(settings, "node_runner_digest", "2" * 64)
    assert scripts.create(acting(new_user()), "pinned, empty catalog", "node", "export default () => 1;").version


def test_saving_with_nothing_published_says_to_start_a_worker(empty_catalog):
    owner = new_user()
    with pytest.raises(scripts.ScriptError, match=NOT_PUBLISHED):
        scripts.create(acting(owner), "too early", "node", "export default () => 1;")
    with pytest.raises(launch.LaunchError, match=NOT_PUBLISHED) as refused:
        launch.tryout(acting(owner), "node", "export default () => 1;", [], [], None)
    assert told(refused.value, STARTING).startswith(f"The try-out did not start: {NOT_PUBLISHED}")
    with pytest.raises(versions.BaseNotPublished, match="RUNPAD_PYTHON_BASE_DIGEST and RUNPAD_PYTHON_RUNNER_DIGEST"):
        versions.base_for("python")
    with pytest.raises(versions.VersionError, match="unknown runtime 'ruby'"):
        versions.base_for("ruby")


def test_changing_code_with_nothing_published_is_refused_but_other_fields_change(restore_catalog):
    owner = acting(new_user())
    saved = scripts.create(owner, "later", "node", "export default () => 1;")
    with session() as s:
        s.execute(delete(BaseImage))
        s.commit()
    base_catalog.forget()
    with pytest.raises(scripts.ScriptError, match=NOT_PUBLISHED):
        scripts.update(owner, saved.script.id, {"code": "export default () => 2;"})
    assert scripts.update(owner, saved.script.id, {"name": "renamed"}).script.name == "renamed"


def test_the_editor_shows_why_a_save_was_refused_and_keeps_the_draft(empty_catalog):
    owner = new_user()
    root = tab(owner, "/scripts/new")
    ed, draft = sub(root, EditorState), sub(root, DraftState)

    async def go():
        async for _ in EditorState.load.fn(ed):
            pass
        EditorState.set_name.fn(ed, "no worker yet")
        DraftState.set_code.fn(draft, "export default () => 'mine';\n")
        async for _ in EditorState.save.fn(ed):
            pass

    asyncio.run(go())
    assert ed.error.startswith(NOT_PUBLISHED) and not ed.saving
    assert draft.code == "export default () => 'mine';\n"


def test_a_build_row_is_made_only_with_the_base_the_version_was_hashed_with(restore_catalog):
    entry = base_catalog.current("node")
    other = base_catalog.Entry("node", entry.image, "sha256:" + "9" * 64, entry.runner_digest)
    with session() as s:
        version = versions.new_version(s, entry, "export default () => 1;", [f"pkg-{uuid.uuid4().hex[:8]}@1.0.0"], [])
        with pytest.raises(builds.BuildError, match="was not hashed with the node base"):
            builds.ensure_build(s, version, other)
        with pytest.raises(builds.BuildError, match="has no build yet"):
            builds.ensure_build(s, version)
        build, queued = builds.ensure_build(s, version, entry)
        assert queued and (build.base_image, build.base_digest) == (entry.image, entry.digest)
        assert builds.ensure_build(s, version) == (build, True)  # saved earlier: the row is found
        s.rollback()
    with session() as s:
        assert s.scalars(select(Build).where(Build.deps_hash == version.deps_hash)).first() is None


def test_the_web_process_imports_no_docker_sdk():
    """The whole Reflex app (pages, states, the REST API) and the hooks app, imported as the web and
    hooks processes import them: neither the Docker SDK nor the workers' runtime comes with them."""
    probe = (
        "import sys, app.app, app.api.hooks_app; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'docker' or m.startswith('workers.runtime')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DOCKER_HOST": "unix:///nonexistent"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
