"""Pasted handlers that import packages they do not declare run on the first try-out: the packages
are detected, pinned, built into the image and importable; the same code again reuses that image.
npm packages come from a local registry on a test host; the PyPI versions are pinned by a local
stand-in of PyPI's JSON API, and the build installs them as any PyPI build does."""

from __future__ import annotations

import json
import uuid

import pytest

from app.core.db import session
from app.core.settings import settings
from app.models import Build, ScriptVersion
from app.services import launch, runs
from tests.api.test_detected import forget_lookups
from tests.integration import nethost
from tests.integration.helpers import log_text
from tests.integration.npm_registry import NpmRegistry
from tests.support.actors import acting
from tests.web.test_package_versions import Registry, pypi_doc
from workers import engine

pytestmark = pytest.mark.usefixtures("docker_ready", "memory_queue")


def tried(runtime: str, code: str):
    """A try-out through the service (detection included), executed in this process as a worker would."""
    run = launch.tryout(acting(), runtime, code, [], [], {"n": 2})
    engine.execute_run(run.id)
    with session() as s:
        version = s.get_one(ScriptVersion, run.version_id)
        build = s.query(Build).filter(Build.deps_hash == version.deps_hash).one()
    return runs.get(run.id), version, build


def test_node_handler_importing_undeclared_packages(monkeypatch, test_host):
    tag = uuid.uuid4().hex[:8]
    greet, shout = f"greet-{tag}", f"shout-{tag}"
    with NpmRegistry(test_host) as registry, nethost.allowed(f"{nethost.ADDRESS}/32"):
        for name, body in (
            (greet, 'module.exports = (n) => "hello " + n;'),
            (shout, "exports.up = (s) => s.toUpperCase();"),
        ):
            manifest = {"name": name, "version": "1.4.2", "main": "index.js"}
            registry.add(name, "1.4.2", {"package.json": json.dumps(manifest), "index.js": body})
        monkeypatch.setattr(settings, "npm_registry", registry.url)
        code = f"""import greet from "{greet}";
import {{ readFileSync }} from "node:fs";
export default async function handler(event) {{
  const {{ up }} = await import("{shout}/index.js");
  return up(greet(event.body.n));
}}
"""
        run, version, build = tried("node", code)
        assert run.status == "succeeded", f"{run.error}\n{log_text(run)}"
        assert run.result == "HELLO 2"
        assert version.dependencies == [] and version.detected_dependencies == [f"{greet}@1.4.2", f"{shout}@1.4.2"]
        assert f'"node_modules/{greet}"' in build.lockfile and '"version": "1.4.2"' in build.lockfile
        again, same, build_again = tried("node", code)
        assert again.status == "succeeded" and same.deps_hash == version.deps_hash and build_again.id == build.id
    forget_lookups()


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
