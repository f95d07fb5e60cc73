"""Version suggestions against local npm and PyPI stand-ins: ordering, prereleases, yanked releases,
the Redis cache, dead registries and hostile names; and the specs the picker builds from a pick."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.core.settings import settings
from app.integrations import package_versions as pv
from app.services.dependencies import DependencyError
from state.deps import DepsState
from state.draft import DraftState
from tests.web.tabs import sub, tab
from tests.web.test_scripts_ui import new_user, run


class Registry:
    """Answers GET <path> with the JSON the test put there (404 otherwise), or `status` for everything,
    and records every path asked for."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}
        self.paths: list[str] = []
        self.status = 200
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self):
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                registry.paths.append(self.path)
                if registry.status != 200 or self.path not in registry.docs:
                    self.send_error(registry.status if registry.status != 200 else 404)
                    return
                body = json.dumps(registry.docs[self.path]).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self) -> Registry:
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def packument(versions: dict[str, dict], latest: str) -> dict:
    return {"name": "x", "dist-tags": {"latest": latest}, "versions": versions}


def pypi_doc(releases: dict[str, list[dict]], latest: str) -> dict:
    return {"info": {"version": latest}, "releases": releases}


@pytest.fixture
def npm(monkeypatch):
    with Registry() as registry:
        monkeypatch.setattr(settings, "npm_registry", registry.url + "/")
        yield registry


@pytest.fixture
def pypi(monkeypatch):
    with Registry() as registry:
        monkeypatch.setattr(settings, "pypi_json_url", registry.url + "/pypi")
        yield registry


def test_npm_versions_newest_first_stable_only_with_latest(npm):
    versions = {v: {} for v in ["1.0.0", "1.10.0", "1.2.0", "2.0.0-beta.1", "1.9.3", "0.9.0"]}
    versions["1.9.3"] = {"deprecated": "use 1.10"}
    npm.docs["/leftpad"] = packument(versions, latest="1.10.0")
    found = pv.suggest("node", "leftpad")
    assert found.error == ""
    assert found.versions == ["1.10.0", "1.2.0", "1.0.0", "0.9.0"]  # semver order, no prerelease or deprecated
    assert found.latest == "1.10.0"
    assert npm.paths == ["/leftpad"]


def test_npm_at_most_twenty_and_prereleases_only_when_nothing_else(npm):
    npm.docs["/many"] = packument({f"1.{i}.0": {} for i in range(30)}, latest="1.29.0")
    npm.docs["/early"] = packument(
        {"0.1.0-alpha.2": {}, "0.1.0-alpha.10": {}, "0.1.0-alpha.beta": {}}, latest="0.1.0-alpha.10"
    )
    many = pv.suggest("node", "many")
    assert len(many.versions) == 20 and many.versions[0] == "1.29.0" and many.versions[-1] == "1.10.0"
    assert pv.suggest("node", "early").versions == ["0.1.0-alpha.beta", "0.1.0-alpha.10", "0.1.0-alpha.2"]


def test_npm_scoped_name_is_url_quoted(npm):
    npm.docs["/@acme%2Fwidgets"] = packument({"3.1.4": {}}, latest="3.1.4")
    found = pv.suggest("node", "@acme/widgets")
    assert found.versions == ["3.1.4"] and found.error == ""


def test_pypi_skips_yanked_and_empty_releases(pypi):
    file, yanked = {"filename": "f.whl", "yanked": False}, {"filename": "g.whl", "yanked": True}
    pypi.docs["/pypi/requests/json"] = pypi_doc(
        {
            "2.31.0": [file],
            "2.32.0": [yanked],
            "2.32.3": [file, yanked],
            "2.33.0rc1": [file],
            "2.30.0": [],
            "2.9.0": [file],
            "not a version": [file],
        },
        latest="2.32.3",
    )
    found = pv.suggest("python", "Requests")  # the canonical name is what is asked for
    assert found.versions == ["2.32.3", "2.31.0", "2.9.0"]
    assert found.latest == "2.32.3"
    assert pypi.paths == ["/pypi/requests/json"]


def test_unknown_package_says_so(pypi):
    found = pv.suggest("python", "no-such-thing")
    assert found.versions == [] and "PyPI has no package named 'no-such-thing'" in found.error


def test_second_call_is_served_from_the_cache(npm):
    npm.docs["/cached-pkg"] = packument({"1.0.0": {}}, latest="1.0.0")
    first = pv.suggest("node", "cached-pkg")
    npm.docs["/cached-pkg"] = packument({"2.0.0": {}}, latest="2.0.0")
    assert pv.suggest("node", "cached-pkg") == first
    assert npm.paths == ["/cached-pkg"]


def test_failing_registry_is_reported_and_not_hammered(npm):
    npm.status = 503
    npm.docs["/flaky"] = packument({"1.0.0": {}}, latest="1.0.0")
    assert pv.suggest("node", "flaky").error == pv.UNREACHABLE
    assert pv.suggest("node", "flaky").error == pv.UNREACHABLE
    assert npm.paths == ["/flaky"]  # the failure was cached briefly


def test_unreachable_registry(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the socket is closed
    monkeypatch.setattr(settings, "npm_registry", f"http://127.0.0.1:{port}")
    found = pv.suggest("node", "anything")
    assert found.versions == [] and found.error == "couldn't reach the registry: type a version by hand"


def test_silent_registry_times_out(monkeypatch):
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        monkeypatch.setattr(settings, "pypi_json_url", f"http://127.0.0.1:{silent.getsockname()[1]}/pypi")
        monkeypatch.setattr(pv, "READ_TIMEOUT", 0.5)
        assert pv.suggest("python", "slowpkg").error == pv.UNREACHABLE


@pytest.mark.parametrize(
    "runtime,name",
    [
        ("node", "../../admin"),
        ("node", "lodash/../../x"),
        ("node", "a b"),
        ("node", "x?y=1"),
        ("node", "x#frag"),
        ("node", "lodash@4"),
        ("node", "%2e%2e"),
        ("node", ""),
        ("python", "../etc/passwd"),
        ("python", "requests==2"),
        ("python", "x; os_name=='nt'"),
        ("python", "pkg @ https://evil.example/p.whl"),
        ("python", "a/b"),
        ("python", "-r other.txt"),
        ("ruby", "rails"),
    ],
)
def test_hostile_names_never_reach_the_registry(npm, pypi, runtime, name):
    found = pv.suggest(runtime, name)
    assert found.error and found.versions == []
    assert npm.paths == [] and pypi.paths == []


@pytest.mark.parametrize(
    "runtime,name,version,mode,spec",
    [
        ("node", "lodash", "4.17.21", "exact", "lodash@4.17.21"),
        ("node", "lodash", "4.17.21", "compatible", "lodash@^4.17.21"),
        ("node", "lodash", "4.17.21", "patch", "lodash@~4.17.21"),
        ("node", "lodash", ">=4  <5", "exact", "lodash@>=4 <5"),  # a typed range is kept as typed
        ("node", "@acme/w", "", "exact", "@acme/w@latest"),
        ("python", "Requests", "2.32.3", "exact", "requests==2.32.3"),
        ("python", "requests", "2.32.3", "compatible", "requests~=2.32.3"),
        ("python", "requests", "2.32", "minimum", "requests>=2.32"),
        ("python", "requests", ">=2,<3", "exact", "requests<3,>=2"),
    ],
)
def test_spec_for_a_picked_version(runtime, name, version, mode, spec):
    assert pv.spec_for(runtime, name, version, mode) == spec


@pytest.mark.parametrize(
    "runtime,name,version",
    [
        ("node", "lodash", "git+https://x/y"),
        ("node", "Lodash", "1.0.0"),
        ("python", "requests", "; rm -rf /"),
        ("python", "requests", "==1 --index-url http://x"),
        ("node", "", "1.0.0"),
    ],
)
def test_spec_for_refuses_bad_input(runtime, name, version):
    with pytest.raises(DependencyError):
        pv.spec_for(runtime, name, version, "exact")


@pytest.mark.parametrize(
    "runtime,spec,label,version,kind",
    [
        ("node", "lodash@4.17.21", "lodash", "4.17.21", "pinned"),
        ("node", "lodash@^4.17.21", "lodash", "^4.17.21", "range"),
        ("node", "@acme/w@latest", "@acme/w", "latest", "range"),
        ("python", "requests==2.32.3", "requests", "==2.32.3", "pinned"),
        ("python", "requests[socks]~=2.32", "requests[socks]", "~=2.32", "range"),
        ("python", "requests==2.*", "requests", "==2.*", "range"),
        ("python", "requests", "requests", "any version", "range"),
    ],
)
def test_describe_tells_pins_from_ranges(runtime, spec, label, version, kind):
    row = pv.describe(runtime, spec)
    assert (row["label"], row["version"], row["kind"], row["spec"]) == (label, version, kind, spec)


def test_add_refuses_a_package_the_registry_does_not_have_but_not_a_dead_registry(npm, monkeypatch):
    npm.docs["/leftpad"] = packument({"1.0.0": {}}, latest="1.0.0")
    root = tab(new_user(), "/scripts/new")
    deps, draft = sub(root, DepsState), sub(root, DraftState)

    asyncio.run(run(DepsState.submit, deps, {"dep_name": "left-pad-typo", "dep_version": "1.0.0"}))
    assert deps.add_error == "npm has no package named 'left-pad-typo': check the spelling"
    assert draft.dependencies == []

    asyncio.run(run(DepsState.submit, deps, {"dep_name": "leftpad", "dep_version": "1.0.0"}))
    assert deps.add_error == "" and draft.dependencies == ["leftpad@1.0.0"]

    with socket.socket() as closed:  # nothing listens there: the registry is unreachable
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setattr(settings, "npm_registry", f"http://127.0.0.1:{closed.getsockname()[1]}")
    asyncio.run(run(DepsState.submit, deps, {"dep_name": "offline-pkg", "dep_version": "2.0.0"}))
    assert deps.add_error == "" and "offline-pkg@2.0.0" in draft.dependencies
