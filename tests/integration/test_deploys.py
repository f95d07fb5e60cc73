"""A save never takes a live hook down (contract §4): the deployed version keeps answering while a new
one builds and after its build fails; the fixed version answers as soon as its build has finished.
Builds run here (engine.execute_build) against a local npm registry; the hook's runs run on a real
worker, through the real hooks app."""

import time
import uuid

import pytest
from starlette.testclient import TestClient

from app.api.hooks_app import app as hooks_app
from app.core import errors
from app.core.settings import settings
from app.services import deploys, queue, scripts
from tests.integration import nethost
from tests.integration.npm_registry import NpmRegistry
from tests.support.actors import acting
from tests.support.scripts import built_script
from tests.support.worker_process import WorkerProcess
from workers import engine

pytestmark = pytest.mark.usefixtures("docker_ready")


def answering(version: int) -> str:
    return f"export default async () => ({{ v: {version} }});\n"


@pytest.fixture(scope="module")
def hooks():
    worker = WorkerProcess(f"deploys-worker-{uuid.uuid4().hex[:6]}").start()
    with TestClient(hooks_app) as client:
        yield client
    worker.stop()


def saved_unbuilt(script_id, **changes) -> scripts.Saved:
    """A new version whose build stays queued until the test runs it."""
    with queue.using(queue.Memory()):
        return scripts.update(acting(), script_id, changes)


def built_and_live(name: str, **kwargs) -> scripts.Saved:
    """A node hook script at version 1, live: another process may be building the same (empty)
    dependency set, in which case built_script leaves it to them and the version goes live when
    they finish."""
    saved = built_script(acting(), name, "node", answering(1), **kwargs)
    deadline = time.monotonic() + 300
    while scripts.get(acting(), saved.script.id).deployed_version is None and time.monotonic() < deadline:
        time.sleep(0.2)
    return saved


def live(script_id) -> tuple[int | None, int, str | None]:
    script = scripts.get(acting(), script_id)
    return script.deployed_version, script.current_version, script.deploy_error


def test_the_live_version_answers_through_a_failed_build_and_the_fixed_one_right_after_its_build(
    hooks, test_host, monkeypatch
):
    good = f"runpad-good-{uuid.uuid4().hex[:8]}"
    with NpmRegistry(test_host) as registry, nethost.allowed(f"{nethost.ADDRESS}/32"):
        registry.add(good, "1.0.0", {"package.json": f'{{"name": "{good}", "version": "1.0.0"}}'})
        monkeypatch.setattr(settings, "npm_registry", registry.url)
        first = built_and_live(f"deploys-{good}", trigger={"type": "http"})
        script_id, url = first.script.id, f"/hooks/{first.script.hook_token}"
        assert live(script_id) == (1, 1, None)
        assert hooks.post(url).json() == {"v": 1}

        broken = saved_unbuilt(script_id, code=answering(2), dependencies=["runpad-missing-package@1.0.0"])
        assert broken.build_queued and live(script_id) == (1, 2, None)
        assert hooks.post(url).json() == {"v": 1}  # while version 2 builds
        engine.execute_build(broken.build.id)
        deployed, current, error = live(script_id)
        assert (deployed, current) == (1, 2) and error and error.startswith("version 2 is not live")
        assert hooks.post(url).json() == {"v": 1}  # for good: its build failed

        fixed = saved_unbuilt(script_id, code=answering(3), dependencies=[f"{good}@1.0.0"])
        assert fixed.build_queued and live(script_id) == (1, 3, None)
        assert hooks.post(url).json() == {"v": 1}
        engine.execute_build(fixed.build.id)
        # no waiting: the build's finish puts the version live before it returns
        assert live(script_id) == (3, 3, None), live(script_id)
        assert hooks.post(url).json() == {"v": 3}


def test_code_that_does_not_parse_is_refused_unless_saved_as_a_draft(hooks):
    saved = built_and_live(f"drafts-{uuid.uuid4().hex[:8]}", trigger={"type": "http"})
    script_id, url = saved.script.id, f"/hooks/{saved.script.hook_token}"
    with pytest.raises(deploys.DoesNotParse, match=r"line 2, column \d+: "):
        scripts.update(acting(), script_id, {"code": "export default async () => {\n  return { v: ;\n};\n"})
    assert live(script_id) == (1, 1, None)

    broken = scripts.update(acting(), script_id, {"code": "export default (", "draft": True})
    assert broken.version.draft and live(script_id) == (1, 2, None)
    with pytest.raises(deploys.DoesNotParse):
        scripts.deploy(acting(), script_id, 2)

    # a draft whose image is ready still waits to be deployed by hand
    draft = scripts.update(acting(), script_id, {"code": answering(3), "draft": True})
    assert draft.build.status == "ready" and live(script_id) == (1, 3, None)
    assert hooks.post(url).json() == {"v": 1}
    scripts.deploy(acting(), script_id, 3)
    assert hooks.post(url).json() == {"v": 3}

    scripts.deploy(acting(), script_id, 1)  # rollback
    assert live(script_id) == (1, 3, None) and hooks.post(url).json() == {"v": 1}


def test_a_version_whose_image_is_not_ready_cannot_be_deployed():
    saved = built_and_live(f"unready-{uuid.uuid4().hex[:8]}")
    pending = saved_unbuilt(saved.script.id, code=answering(2), dependencies=["runpad-never-built@9.9.9"])
    with pytest.raises(deploys.NotReady, match="queued"):
        scripts.deploy(acting(), saved.script.id, pending.version.number)
    with pytest.raises(errors.NotFound):
        scripts.deploy(acting(), saved.script.id, 7)
