"""Pasted handlers that import packages they do not declare run on the first try-out: the packages
are detected, pinned, built into the image and importable; the same code again reuses that image.
The versions are pinned by local stand-ins of the npm registry and PyPI's JSON API; the builds then
install those versions as any build does, as the other runtime tests' builds do."""

from __future__ import annotations

import pytest

from app.core.db import session
from app.core.settings import settings
from app.models import Build, ScriptVersion
from app.services import launch, runs
from tests.api.test_detected import forget_lookups
from tests.integration.helpers import log_text
from tests.support.actors import acting
from tests.web.test_package_versions import Registry, packument, pypi_doc
from workers import engine

pytestmark = pytest.mark.usefixtures("docker_ready", "memory_queue")


NODE = """import dayjs from "dayjs";
import utc from "dayjs/plugin/utc.js";
import { readFileSync } from "node:fs";
export default async function handler(event) {
  const { default: again } = await import("dayjs");
  return { year: again("2020-05-01").year(), plugin: typeof utc, n: event.body.n };
}
"""


def tried(runtime: str, code: str):
    """A try-out through the service (detection included), executed in this process as a worker would."""
    run = launch.tryout(acting(), runtime, code, [], [], {"n": 2})
    engine.execute_run(run.id)
    return finished(run)


def finished(run):
    with session() as s:
        version = s.get_one(ScriptVersion, run.version_id)
        build = s.query(Build).filter(Build.deps_hash == version.deps_hash).one()
    return runs.get(run.id), version, build


def test_node_handler_importing_undeclared_packages(monkeypatch):
    def tried_node(body):
        with Registry() as npm:  # pins dayjs for the web tier
            npm.docs["/dayjs"] = packument({"1.11.10": {}, "1.11.13": {}}, latest="1.11.13")
            monkeypatch.setattr(settings, "npm_registry", npm.url + "/")
            run = launch.tryout(acting(), "node", NODE, [], [], body)
            forget_lookups()
        monkeypatch.setattr(settings, "npm_registry", "")  # the build installs that pin from the public registry
        engine.execute_run(run.id)
        return finished(run)

    run, version, build = tried_node({"n": 2})
    assert run.status == "succeeded", f"{run.error}\n{log_text(run)}"
    assert run.result == {"year": 2020, "plugin": "function", "n": 2}
    assert version.dependencies == [] and version.detected_dependencies == ["dayjs@1.11.13"]
    assert '"node_modules/dayjs"' in build.lockfile and '"version": "1.11.13"' in build.lockfile
    # the same code again: the same pins, the same hash, the ready image (no second build)
    again, same, build_again = tried_node({"n": 3})
    assert again.status == "succeeded" and same.deps_hash == version.deps_hash and build_again.id == build.id


def test_python_handler_importing_undeclared_packages(monkeypatch):
    with Registry() as pypi:
        pypi.docs["/pypi/six/json"] = pypi_doc({"1.16.0": [{"filename": "six.whl"}]}, latest="1.16.0")
        pypi.docs["/pypi/pyyaml/json"] = pypi_doc({"6.0.2": [{"filename": "pyyaml.whl"}]}, latest="6.0.2")
        monkeypatch.setattr(settings, "pypi_json_url", pypi.url + "/pypi")
        code = """import json
import six
import yaml


def handler(event, ctx):
    return {"six": six.PY3, "yaml": yaml.safe_load("a: [1, 2]"), "n": event["body"]["n"]}
"""
        run, version, build = tried("python", code)
        assert run.status == "succeeded", f"{run.error}\n{log_text(run)}"
        assert run.result == {"six": True, "yaml": {"a": [1, 2]}, "n": 2}
        assert version.detected_dependencies == ["pyyaml==6.0.2", "six==1.16.0"]
        assert "pyyaml==6.0.2" in build.lockfile.lower() and "six==1.16.0" in build.lockfile
    forget_lookups()
