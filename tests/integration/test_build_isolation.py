"""Builds run package install scripts, which are hostile too: they get network, never secrets."""

import json
import subprocess
import uuid

import pytest

from app.core.settings import settings
from app.services import logs, secrets
from tests.integration import nethost
from tests.integration.npm_registry import NpmRegistry
from tests.support.actors import acting
from tests.support.scripts import built_script
from workers.runtime import images
from workers.runtime.docker_client import client

pytestmark = pytest.mark.usefixtures("docker_ready")

STEAL = """const fs = require("fs");
const found = { env: process.env };
for (const p of ["/proc/1/environ", "/run/secrets", "/opt/runpad", "/var/run/docker.sock"]) {
  try { found[p] = fs.statSync(p).isDirectory() ? fs.readdirSync(p) : fs.readFileSync(p, "utf8"); }
  catch (e) { found[p] = e.code; }
}
console.log("STOLEN " + JSON.stringify(found));
"""


def test_an_install_script_sees_no_secrets_and_leaves_none_in_the_image(monkeypatch, test_host):
    secret_value = f"store-secret-{uuid.uuid4().hex}"
    secrets.put(acting(), "RUNPAD_BUILD_VICTIM", secret_value)
    name = f"runpad-evil-{uuid.uuid4().hex[:8]}"
    with NpmRegistry(test_host) as registry, nethost.allowed(f"{nethost.ADDRESS}/32"):
        registry.add(
            name,
            "1.0.0",
            {
                "package.json": json.dumps(
                    {"name": name, "version": "1.0.0", "scripts": {"preinstall": "node steal.js"}}
                ),
                "steal.js": STEAL,
            },
        )
        monkeypatch.setattr(settings, "npm_registry", registry.url)
        saved = built_script(
            acting(), f"evil-{name}", "node", "export default () => 1;", [f"{name}@1.0.0"], ["RUNPAD_BUILD_VICTIM"]
        )
        assert saved.build_queued
    from app.services import builds

    build = builds.get(saved.build.id)
    log = "\n".join(ln.line for ln in logs.read("build", build.id))
    assert build.status == "ready", log
    assert "STOLEN" in log  # the install script really ran inside the build
    for value in (secret_value, settings.secret_key, settings.database_url, settings.redis_url):
        assert value not in log
    image_bytes = subprocess.run(["docker", "save", build.image_ref], capture_output=True, check=True).stdout
    assert secret_value.encode() not in image_bytes and settings.secret_key.encode() not in image_bytes
    assert "RUNPAD_BUILD_VICTIM" not in str(client().api.inspect_image(build.image_ref))
    assert images.image_present(build.image_ref)
