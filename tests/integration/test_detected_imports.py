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


# What people paste: three popular packages each, none declared, each run on its first try-out.
PASTED = {
    "node": (
        """import dayjs from "dayjs";
import _ from "lodash";
import { v4 as uuid } from "uuid";
export const handler = async (event) => ({
  year: dayjs("2021-03-04").year(),
  chunks: _.chunk([1, 2, 3, 4], 2),
  uuid: uuid().length,
});
""",
        {"dayjs": "1.11.13", "lodash": "4.17.21", "uuid": "9.0.1"},
        {"year": 2021, "chunks": [[1, 2], [3, 4]], "uuid": 36},
    ),
    "typescript": (
        """import { z } from "zod";
import { addDays, formatISO } from "date-fns";
import { customAlphabet } from "nanoid";

interface Order { id: string; total: number }
enum Kind { Small = "small", Large = "large" }

export default async function handler(event: { body: Order }): Promise<object> {
  const order = z.object({ id: z.string(), total: z.number() }).parse(event.body);
  const kind: Kind = order.total > 100 ? Kind.Large : Kind.Small;
  const due = formatISO(addDays(new Date(Date.UTC(2024, 0, 1)), 2), { representation: "date" });
  return { kind, due, ref: customAlphabet("abc", 6)().length };
}
""",
        {"zod": "3.23.8", "date-fns": "3.6.0", "nanoid": "5.0.7"},
        {"kind": "large", "due": "2024-01-03", "ref": 6},
    ),
}


@pytest.mark.parametrize("runtime", sorted(PASTED))
def test_pasted_javascript_importing_three_undeclared_packages_runs_first_time(monkeypatch, runtime):
    code, latest, expected = PASTED[runtime]
    with Registry() as npm:
        for name, version in latest.items():
            npm.docs[f"/{name}"] = packument({version: {}}, latest=version)
        monkeypatch.setattr(settings, "npm_registry", npm.url + "/")
        run = launch.tryout(acting(), runtime, code, [], [], {"id": "o-1", "total": 250})
        forget_lookups()
    monkeypatch.setattr(settings, "npm_registry", "")  # the build installs the pins from the public registry
    engine.execute_run(run.id)
    run, version, _ = finished(run)
    assert run.status == "succeeded", f"{run.error}\n{log_text(run)}"
    assert run.result == expected
    assert version.detected_dependencies == sorted(f"{name}@{v}" for name, v in latest.items())


def test_pasted_python_importing_three_undeclared_packages_runs_first_time(monkeypatch):
    code = """import requests
import yaml
from dateutil import parser


def lambda_handler(event, context):
    session = requests.Session()
    return {
        "adapter": type(session.get_adapter("https://example.org")).__name__,
        "yaml": yaml.safe_load("k: v"),
        "year": parser.parse("4 March 2021").year,
    }
"""
    latest = {"requests": "2.32.3", "pyyaml": "6.0.2", "python-dateutil": "2.9.0.post0"}
    with Registry() as pypi:
        for name, version in latest.items():
            pypi.docs[f"/pypi/{name}/json"] = pypi_doc({version: [{"filename": f"{name}.whl"}]}, latest=version)
        monkeypatch.setattr(settings, "pypi_json_url", pypi.url + "/pypi")
        run, version, _ = tried("python", code)
    forget_lookups()
    assert run.status == "succeeded", f"{run.error}\n{log_text(run)}"
    assert run.result == {"adapter": "HTTPAdapter", "yaml": {"k": "v"}, "year": 2021}
    assert version.detected_dependencies == ["python-dateutil==2.9.0.post0", "pyyaml==6.0.2", "requests==2.32.3"]
