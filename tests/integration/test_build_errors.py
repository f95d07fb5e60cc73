"""A dependency build that fails names the package and quotes the package manager (contract §4 of
issue 13's IDE fixes): real builds of packages the registry does not have, npm's from a registry on a
private test host, PyPI's from the public index the builds use."""

import json
import uuid

import pytest

from app.core.settings import settings
from app.models import Build
from app.services import builds, logs
from tests.integration import nethost
from tests.integration.helpers import tryout
from tests.integration.npm_registry import NpmRegistry
from tests.support.actors import acting
from tests.support.scripts import built_script

pytestmark = pytest.mark.usefixtures("docker_ready")


def failed_build(runtime: str, deps: list[str]) -> Build:
    saved = built_script(acting(), f"deps-{uuid.uuid4().hex[:8]}", runtime, "x = 1\n", deps)
    build = builds.get(saved.build.id)
    assert build is not None and build.status == "failed", build
    return build


def build_log(build: Build) -> str:
    return "\n".join(line.line for line in logs.read("build", build.id))


def test_npm_s_404_and_missing_version_name_the_package_in_npm_s_words(monkeypatch, test_host):
    present, missing = f"runpad-present-{uuid.uuid4().hex[:8]}", f"runpad-missing-{uuid.uuid4().hex[:8]}"
    with NpmRegistry(test_host) as registry, nethost.allowed(f"{nethost.ADDRESS}/32"):
        registry.add(present, "1.0.0", {"package.json": json.dumps({"name": present, "version": "1.0.0"})})
        monkeypatch.setattr(settings, "npm_registry", registry.url)
        not_there = failed_build("node", [f"{missing}@1.0.0"])
        no_such_version = failed_build("node", [f"{present}@2.0.0"])
        run = tryout("node", "export default () => 1;", [f"{missing}@1.0.0"])

    assert not_there.error == f"npm could not install {missing}@1.0.0: E404 '{missing}@1.0.0' is not in this registry."
    assert "npm error 404 File not found" in build_log(not_there)  # the whole output stays in the build log
    assert no_such_version.error == (
        f"npm could not install {present}@2.0.0: ETARGET No matching version found for {present}@2.0.0."
    )
    assert run.status == "failed" and run.error == f"the dependency build failed: {not_there.error}"


def test_a_package_pypi_does_not_have_is_named_in_uv_s_words():
    missing = f"runpad-missing-{uuid.uuid4().hex[:8]}"
    build = failed_build("python", [f"{missing}==1.0"])
    assert build.error == (
        f"uv could not install {missing}==1.0: No solution found when resolving dependencies: Because {missing} "
        f"was not found in the package registry and you require {missing}==1.0, we can conclude that your "
        "requirements are unsatisfiable."
    )
