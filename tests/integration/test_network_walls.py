"""Runs and builds reach the public internet only: the host (on its bridge address), private test
hosts and other containers are refused unless RUNPAD_NETWORK_ALLOW opens them; builds are killed at
their deadline, capped in lockfile size and processes, and leave no container behind."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import docker.errors
import docker.types
import pytest

from app.core.settings import settings
from app.services import builds, logs
from tests.integration import nethost
from tests.integration.helpers import log_text, tryout
from tests.integration.npm_registry import NpmRegistry
from tests.support.actors import acting
from tests.support.scripts import built_script
from tests.support.worker_process import WorkerProcess
from workers.runtime import build_step, network
from workers.runtime.docker_client import client

pytestmark = pytest.mark.usefixtures("docker_ready")
PORT = 7000
# connects to every target, printing CONNECTED or the error code for each
PROBE = """const net = require("net");
const targets = %s;
function probe([host, port]) {
  return new Promise((done) => {
    const s = net.connect({ host, port, timeout: 5000 });
    s.on("connect", () => { console.log(`PROBE ${host}:${port} CONNECTED`); s.destroy(); done(); });
    s.on("timeout", () => { console.log(`PROBE ${host}:${port} TIMEOUT`); s.destroy(); done(); });
    s.on("error", (e) => { console.log(`PROBE ${host}:${port} ${e.code}`); done(); });
  });
}
(async () => { for (const t of targets) await probe(t); %s })();
"""


@pytest.fixture
def host_listener():
    """A TCP listener on the run and build bridges' gateway addresses: the host itself."""
    sockets = []
    for name in (settings.run_network, settings.build_network):
        s = socket.socket()
        s.bind((nethost.bridge_gateway(name), 0))
        s.listen(8)
        threading.Thread(target=lambda s=s: _accept_forever(s), daemon=True).start()
        sockets.append(s)
    yield [s.getsockname() for s in sockets]
    for s in sockets:
        s.close()


def _accept_forever(s: socket.socket) -> None:
    try:
        while True:
            s.accept()[0].close()
    except OSError:
        pass  # closed at the end of the test


def _run_probe(targets) -> str:
    probe_fn = PROBE.split("(async () =>")[0].replace('const net = require("net");', 'import net from "node:net";')
    code = probe_fn % json.dumps(targets) + "export default async () => { for (const t of targets) await probe(t); };\n"
    return log_text(tryout("node", code))


def test_a_run_cannot_reach_the_host_or_a_private_host_unless_allowed(test_host, host_listener):
    test_host.listen(nethost.ADDRESS, PORT)
    run_gateway = host_listener[0]
    text = _run_probe([list(run_gateway), [nethost.ADDRESS, PORT]])
    assert f"PROBE {run_gateway[0]}:{run_gateway[1]} ECONNREFUSED" in text, text
    assert f"PROBE {nethost.ADDRESS}:{PORT} ECONNREFUSED" in text, text
    with nethost.allowed(f"{nethost.ADDRESS}/32"):
        text = _run_probe([[nethost.ADDRESS, PORT]])
    assert f"PROBE {nethost.ADDRESS}:{PORT} CONNECTED" in text, text


def _evil_build(registry, postinstall: str, extra: dict[str, str] | None = None):
    name = f"runpad-probe-{uuid.uuid4().hex[:8]}"
    registry.add(
        name,
        "1.0.0",
        {
            "package.json": json.dumps({"name": name, "version": "1.0.0", "scripts": {"postinstall": "node probe.js"}}),
            "probe.js": postinstall,
            **(extra or {}),
        },
    )
    saved = built_script(acting(), f"probe-{name}", "node", "export default () => 1;", [f"{name}@1.0.0"], [])
    build = builds.get(saved.build.id)
    return build, "\n".join(line.line for line in logs.read("build", build.id))


def _build_containers() -> list:
    return client().api.containers(
        all=True, filters={"label": [f"{build_step.LABEL_BUILD}=1", f"runpad.instance={settings.instance}"]}
    )


def test_a_hostile_build_is_refused_the_host_and_private_hosts_and_stopped_at_its_deadline(
    monkeypatch, test_host, host_listener
):
    test_host.listen(nethost.SECOND, PORT)
    gateway = nethost.bridge_gateway(settings.build_network)
    build_listener = host_listener[1]
    targets = [list(build_listener), [gateway, 6379], [gateway, 5432], [nethost.SECOND, PORT]]
    monkeypatch.setattr(settings, "build_timeout_seconds", 20)
    with NpmRegistry(test_host) as registry, nethost.allowed(f"{nethost.ADDRESS}/32"):
        monkeypatch.setattr(settings, "npm_registry", registry.url)
        build, text = _evil_build(registry, PROBE % (json.dumps(targets), "setInterval(() => {}, 1000);"))
    assert build.status == "failed", text
    assert "deadline (20 s" in build.error
    for host, port in targets:
        assert f"PROBE {host}:{port} ECONNREFUSED" in text, text
    assert _build_containers() == []


def test_a_build_whose_lockfile_is_over_the_cap_fails_clearly(monkeypatch, test_host):
    monkeypatch.setattr(settings, "build_lockfile_max_bytes", 300)
    with NpmRegistry(test_host) as registry, nethost.allowed(f"{nethost.ADDRESS}/32"):
        monkeypatch.setattr(settings, "npm_registry", registry.url)
        build, text = _evil_build(registry, "console.log('fine');")
    assert build.status == "failed", text
    assert "over the 300-byte cap (RUNPAD_BUILD_LOCKFILE_MAX_BYTES)" in build.error
    assert _build_containers() == []


FORK = """const { spawn } = require("child_process");
let started = 0, failed = 0;
for (let i = 0; i < 700; i++) {
  try { const c = spawn("sleep", ["30"]); c.on("error", () => failed++); started++; } catch (e) { failed++; }
}
setTimeout(() => { console.log(`FORKS started=${started} failed=${failed}`); process.exit(0); }, 3000);
"""


def test_a_build_cannot_start_more_processes_than_its_limit(monkeypatch, test_host):
    with NpmRegistry(test_host) as registry, nethost.allowed(f"{nethost.ADDRESS}/32"):
        monkeypatch.setattr(settings, "npm_registry", registry.url)
        build, text = _evil_build(registry, FORK)
    line = next(ln for ln in text.splitlines() if "FORKS" in ln)
    failed = int(line.rsplit("failed=", 1)[1])
    assert failed >= 700 - settings.build_pids_limit, text


def test_the_worker_refuses_to_start_when_its_rules_are_not_on_the_bridge():
    bridge = network.bridge_of(settings.run_network)
    hook = ["-i", bridge, "-j", network.CHAIN]
    subprocess.run(["iptables", "-D", "DOCKER-USER", *hook], check=True)
    try:
        with pytest.raises(network.FirewallError, match=f"DOCKER-USER lacks -i {bridge} -j {network.CHAIN}"):
            network.verify_firewall([bridge, network.bridge_of(settings.build_network)])
        assert not network.firewall_intact()
    finally:
        network.install_firewall()
    assert network.firewall_intact()


HOG = """const chunks = [];
for (let i = 0; i < 30; i++) { chunks.push(Buffer.alloc(64 * 1024 * 1024, 1)); console.log(`HOG ${(i + 1) * 64} MiB`); }
console.log("HOG survived");
"""


def test_a_build_that_allocates_more_than_its_memory_is_stopped(monkeypatch, test_host):
    with NpmRegistry(test_host) as registry, nethost.allowed(f"{nethost.ADDRESS}/32"):
        monkeypatch.setattr(settings, "npm_registry", registry.url)
        build, text = _evil_build(registry, HOG)
    assert build.status == "failed" and "HOG survived" not in text, text
    assert _build_containers() == []


def test_the_rules_follow_a_network_docker_named_itself(monkeypatch, host_listener):
    """A run network created elsewhere, with no bridge name of ours: the rules go on br-<id>."""
    name = f"runpad-test-{uuid.uuid4().hex[:8]}"
    created = client().networks.create(name, driver="bridge", options={"com.docker.network.bridge.enable_icc": "false"})
    bridge = f"br-{created.id[:12]}"
    monkeypatch.setattr(settings, "run_network", name)
    try:
        assert bridge in network.ensure_networks()
        gateway = nethost.bridge_gateway(name)
        listener = socket.socket()
        listener.bind((gateway, 0))
        listener.listen(8)
        text = _run_probe([[gateway, listener.getsockname()[1]]])
        listener.close()
        assert f"PROBE {gateway}:" in text and "ECONNREFUSED" in text, text
    finally:
        for tool, rules in (("iptables", network.rules_for(bridge)), ("ip6tables", network.rules6_for(bridge))):
            for table, chain, rule in rules:
                subprocess.run([tool, "-t", table, "-D", chain, *rule], capture_output=True)
        _remove_network(created)


def _remove_network(created) -> None:
    # the run container's endpoint goes away a moment after the container: retry for a while
    deadline = time.monotonic() + 30
    while True:
        try:
            created.remove()
            return
        except docker.errors.APIError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_a_run_cannot_reach_another_container_on_either_network():
    server = "require('net').createServer((s) => s.end('hi')).listen(7000)"
    peers = [
        client().containers.run(
            settings.node_image,
            ["node", "-e", server],
            detach=True,
            network=name,
            labels={"runpad.instance": settings.instance},
        )
        for name in (settings.run_network, settings.build_network)
    ]
    try:
        targets = []
        for peer in peers:
            peer.reload()
            address = next(iter(peer.attrs["NetworkSettings"]["Networks"].values()))["IPAddress"]
            targets.append([address, 7000])
            _wait_listening(address, 7000)  # so a refusal below is the wall, not an empty port
        text = _run_probe(targets)
        for address, port in targets:
            assert f"PROBE {address}:{port} ECONNREFUSED" in text, text
    finally:
        for peer in peers:
            peer.remove(force=True)


def _wait_listening(address: str, port: int) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection((address, port), 1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {address}:{port}"
            time.sleep(0.2)


def test_the_worker_refuses_to_start_on_a_run_network_its_rules_do_not_cover(monkeypatch, tmp_path):
    """A network with IPv6 is not walled off by these rules: prepare-worker and the Celery worker's
    ready hook both say so and stop."""
    name = f"runpad-test-{uuid.uuid4().hex[:8]}"
    ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="fd00:99:0:1::/64")])
    created = client().networks.create(name, driver="bridge", enable_ipv6=True, ipam=ipam)
    bridge = f"br-{created.id[:12]}"
    env = {**os.environ, "RUNPAD_RUN_NETWORK": name, "RUNPAD_REDIS_URL": settings.redis_url}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", "prepare-worker"],
            env=env,
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"refusing to start: network {name} has IPv6" in result.stderr
        monkeypatch.setenv("RUNPAD_RUN_NETWORK", name)
        worker = WorkerProcess(f"walls-{uuid.uuid4().hex[:6]}", concurrency=1, log_dir=tmp_path)
        with pytest.raises(RuntimeError, match="did not start"):
            worker.start(timeout=60)
        assert worker.proc.wait(timeout=30) == 3
        assert f"refusing to start: network {name} has IPv6" in worker.log_path.read_text()
    finally:
        for tool, rules in (("iptables", network.rules_for(bridge)), ("ip6tables", network.rules6_for(bridge))):
            for table, chain, rule in rules:
                subprocess.run([tool, "-t", table, "-D", chain, *rule], capture_output=True)
        _remove_network(created)


def test_a_bad_allow_list_is_refused_not_ignored(monkeypatch):
    monkeypatch.setattr(settings, "network_allow", "10.99.0.2/32, 10.99.0.300/32")
    with pytest.raises(network.FirewallError, match="RUNPAD_NETWORK_ALLOW is not a list of IPv4 CIDRs"):
        network.install_firewall()
    monkeypatch.undo()
    assert network.firewall_intact()  # the chain was left as it was
