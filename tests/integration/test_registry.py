"""Dependency images pushed to and pulled from a registry (a local one on 127.0.0.1, as a second
machine would use it)."""

import socket
import subprocess
import time
import uuid

import pytest

from tests.integration.helpers import log_text, tryout
from tests.support.actors import acting
from tests.support.scripts import built_script
from workers.runtime import images

pytestmark = pytest.mark.usefixtures("docker_ready")

CONFIG = """version: 0.1
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""


@pytest.fixture
def registry(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "config.yml").write_text(CONFIG.format(root=tmp_path / "data", port=port))
    proc = subprocess.Popen(
        ["docker-registry", "serve", str(tmp_path / "config.yml")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "registry did not start"
            time.sleep(0.2)
    from app.core.settings import settings

    monkeypatch.setattr(settings, "registry", f"127.0.0.1:{port}")
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def test_built_images_are_pushed_and_pulled_instead_of_rebuilt(registry):
    # a dependency set no other test builds, so this build happens with the registry set
    saved = built_script(
        acting(), f"reg-{uuid.uuid4()}", "python", "def handler(e, c):\n    return 'ok'\n", ["six==1.15.0", "idna==3.4"]
    )
    from app.services import builds, logs

    build = builds.get(saved.build.id)
    assert build.status == "ready" and build.image_ref.startswith(registry + "/")
    assert any("pushed" in ln.line for ln in logs.read("build", build.id))
    images.client().images.remove(build.image_ref, force=True)  # a second machine has nothing local
    run = tryout("python", "def handler(e, c):\n    return 'pulled'\n", saved.version.dependencies)
    assert run.status == "succeeded" and run.result == "pulled"
    assert "rebuilding" not in log_text(run) and images.image_present(build.image_ref)
