"""Imported packages that are not declared: detected at save and try-out, pinned at the registry's
latest version, kept while the code keeps importing them (the same imports, the same dependency
hash, no new build), shown by the API, and refused with a 422 naming them when the registry has no
such package, before anything is written or any container starts. Registries are local stand-ins."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.core.db import session
from app.core.redis import redis_client
from app.core.settings import settings
from app.models import Build, Run, Script, ScriptVersion
from app.services import detected, launch, scripts
from tests.api.helpers import assert_error
from tests.support.actors import acting
from tests.web.test_package_versions import Registry, packument, pypi_doc


def forget_lookups() -> None:
    """Drops cached registry answers, so a test sees what the stand-in says now."""
    r = redis_client()
    for key in r.scan_iter("runpad:pkgver:*"):
        r.delete(key)


@pytest.fixture
def npm(monkeypatch):
    with Registry() as registry:
        monkeypatch.setattr(settings, "npm_registry", registry.url + "/")
        yield registry
    forget_lookups()


@pytest.fixture
def pypi(monkeypatch):
    with Registry() as registry:
        monkeypatch.setattr(settings, "pypi_json_url", registry.url + "/pypi")
        yield registry
    forget_lookups()


def publish(npm: Registry, name: str, *versions: str) -> None:
    npm.docs[f"/{name.replace('/', '%2F')}"] = packument({v: {} for v in versions}, latest=versions[-1])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def counts() -> tuple[int, ...]:
    with session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0 for t in (Script, ScriptVersion, Build, Run))


def test_an_import_is_pinned_at_latest_and_built_with_the_declared_ones(npm):
    pkg, declared = unique("det"), unique("decl")
    publish(npm, pkg, "1.0.0", "1.2.0")
    publish(npm, declared, "3.0.0")
    code = f'import a from "{pkg}/sub.js";\nimport b from "{declared}";\nimport fs from "node:fs";\n'
    saved = scripts.create(acting(), unique("s"), "node", code, [f"{declared}@^3"])
    assert saved.version.dependencies == [f"{declared}@^3"]  # a declared dependency wins
    assert saved.version.detected_dependencies == [f"{pkg}@1.2.0"]
    assert saved.build.dependencies == sorted([f"{declared}@^3", f"{pkg}@1.2.0"])  # the image gets both
    assert f"/{declared}" not in npm.paths  # declared: never looked up


def test_the_same_imports_keep_their_pins_and_image_after_a_new_release(npm):
    pkg, later = unique("keep"), unique("later")
    publish(npm, pkg, "1.0.0")
    first = scripts.create(acting(), unique("s"), "node", f'import a from "{pkg}";\nexport default () => 1;')
    publish(npm, pkg, "1.0.0", "2.0.0")
    forget_lookups()
    edited = scripts.new_code(acting(), first.script.id, code=f'const a = require("{pkg}");\nmodule.exports = () => 2;')
    assert edited.version.number == 2 and edited.version.detected_dependencies == [f"{pkg}@1.0.0"]
    # the same set: the same build row and image (no worker here, so it is still the one queued build)
    assert edited.version.deps_hash == first.version.deps_hash and edited.build.id == first.build.id
    # a try-out of the script being edited uses its pins, so its image too
    run = launch.tryout(acting(), "node", edited.version.code, [], [], None, script_id=first.script.id)
    with session() as s:
        assert s.get_one(ScriptVersion, run.version_id).deps_hash == first.version.deps_hash
    # a name new to the script gets the latest version; the old pin stays
    publish(npm, later, "0.3.0")
    grown = scripts.new_code(acting(), first.script.id, code=f'import a from "{pkg}";\nimport b from "{later}";\n')
    assert grown.version.detected_dependencies == sorted([f"{pkg}@1.0.0", f"{later}@0.3.0"])
    assert grown.version.deps_hash != first.version.deps_hash
    # restoring version 1 restores its set exactly: the same image
    restored = scripts.restore(acting(), first.script.id, 1)
    assert restored.version.deps_hash == first.version.deps_hash


def test_an_import_the_registry_does_not_have_is_refused_before_anything_is_written(npm, alice):
    real, missing = unique("real"), unique("typo")
    publish(npm, real, "1.0.0")
    code = f'import a from "{real}";\nimport b from "{missing}/x";\nexport default () => 1;'
    before = counts()
    with pytest.raises(detected.UnknownImport, match=f"'{missing}/x'.*no such package"):
        scripts.create(acting(), unique("s"), "node", code)
    with pytest.raises(detected.UnknownImport, match=missing):
        launch.tryout(acting(), "node", code, [], [], None)
    body = assert_error(alice.http.post("/tryout", json={"runtime": "node", "code": code}), 422, "invalid_request")
    assert missing in body["message"] and real not in body["message"]
    body = assert_error(alice.http.post("/scripts", json={"name": "x", "runtime": "node", "code": code}), 422)
    assert missing in body["message"]
    assert counts() == before  # no script, version, build or run: no container could start


def test_python_import_names_map_to_distributions_and_requires_overrides(pypi):
    pypi.docs["/pypi/pyyaml/json"] = pypi_doc({"6.0.2": [{"filename": "f.whl"}]}, latest="6.0.2")
    pypi.docs["/pypi/beautifulsoup4/json"] = pypi_doc({"4.12.3": [{"filename": "f.whl"}]}, latest="4.12.3")
    code = "import os\nimport yaml\nfrom bs4 import BeautifulSoup\nimport requests  # requires: requests==2.31.0\n"
    saved = scripts.create(acting(), unique("py"), "python", code)
    assert saved.version.detected_dependencies == ["beautifulsoup4==4.12.3", "pyyaml==6.0.2", "requests==2.31.0"]
    assert "/pypi/requests/json" not in pypi.paths  # the comment's version is taken as written


def test_a_registry_that_does_not_answer_is_503_not_a_guess(monkeypatch, alice):
    monkeypatch.setattr(settings, "npm_registry", "http://127.0.0.1:9/")  # nothing listens on the discard port
    forget_lookups()
    code = f'import a from "{unique("offline")}";\nexport default () => 1;'
    body = assert_error(alice.http.post("/tryout", json={"runtime": "node", "code": code}), 503, "unavailable")
    assert "declare them with a version" in body["message"]
    forget_lookups()


def test_the_api_shows_detected_dependencies(npm, alice):
    pkg = unique("shown")
    publish(npm, pkg, "4.5.6")
    body = {"name": unique("s"), "runtime": "node", "code": f'import x from "{pkg}";\nexport default () => x;'}
    created = alice.http.post("/scripts", json=body)
    assert created.status_code == 201, created.text
    script = created.json()
    assert script["dependencies"] == [] and script["detected_dependencies"] == [f"{pkg}@4.5.6"]
    assert alice.http.get(f"/scripts/{script['id']}").json()["detected_dependencies"] == [f"{pkg}@4.5.6"]
    versions = alice.http.get(f"/scripts/{script['id']}/versions").json()
    assert versions[0]["detected_dependencies"] == [f"{pkg}@4.5.6"]
