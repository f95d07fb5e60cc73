"""What the scale-out drill stands up beside the machine's own services: a second Docker Engine and a
local registry, both on this machine only, both removed without a trace afterwards.

The second engine is started as docs/environment.md describes: its own --data-root, --exec-root,
--pidfile, socket and default bridge (one we create, on a subnet no route uses), --iptables=false and
--ip-forward=false (it adds no rules and changes no sysctl of the host), and an empty daemon.json. It
shares no image with the first engine: images reach it only through the registry. Two engines on one
kernel cannot both name their run bridge `runpad0`, so the engine's run and build networks are made
here under bridge names of its own; a worker finds them by network name, as it finds an operator's
(workers/runtime/network.py reads the real bridge back from Docker and firewalls that one)."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import docker
import httpx

from app.core.settings import settings
from tests.reliability.services import wait_until
from workers.runtime import network

REGISTRY_CONFIG = """version: 0.1
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)
SUBNET_POOL = ipaddress.ip_network("10.213.0.0/16")  # the engine's three /24s come from here


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, capture_output=True, text=True)


def free_subnets(n: int) -> list[ipaddress.IPv4Network]:
    """n /24s of SUBNET_POOL that overlap no route of this machine."""
    taken = [
        ipaddress.ip_network(line.split()[0], strict=False)
        for line in _sh("ip", "-4", "route", "show", "table", "all").stdout.splitlines()
        if line and line.split()[0][0].isdigit()
    ]
    free = [net for net in SUBNET_POOL.subnets(new_prefix=24) if not any(net.overlaps(t) for t in taken)]
    assert len(free) >= n, f"no {n} free /24s in {SUBNET_POOL}"
    return free[:n]


# ---- the registry -----------------------------------------------------------------------------


class LocalRegistry:
    """Debian's docker-registry on a free loopback port (as tests/integration/test_registry.py starts
    it); its storage is a temporary directory, deleted at stop."""

    def __init__(self):
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="runpad-drill-registry-"))
        self.proc: subprocess.Popen | None = None

    def start(self) -> LocalRegistry:
        config = self.dir / "config.yml"
        config.write_text(REGISTRY_CONFIG.format(root=self.dir / "data", port=self.port))
        self.proc = subprocess.Popen(
            ["docker-registry", "serve", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "registry.log", "wb"),
            start_new_session=True,
        )
        wait_until(self._answers, 30, f"the registry answering on {self.address}")
        return self

    def _answers(self) -> bool:
        assert self.proc.poll() is None, (self.dir / "registry.log").read_text()[-2000:]
        try:
            return httpx.get(f"http://{self.address}/v2/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def has(self, ref: str) -> bool:
        """Whether the registry holds a manifest for ref (address/repository:tag)."""
        repo, tag = ref.removeprefix(self.address + "/").rsplit(":", 1)
        r = httpx.head(
            f"http://{self.address}/v2/{repo}/manifests/{tag}", headers={"Accept": MANIFEST_TYPES}, timeout=10
        )
        return r.status_code == 200

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _sh("rm", "-rf", "--one-file-system", str(self.dir), check=False)


# ---- the second engine ------------------------------------------------------------------------


class SecondEngine:
    """A second dockerd; `start()` returns once it answers, `stop()` leaves nothing behind (its
    containers, networks, bridges, mounts, directories, and the firewall rules a worker hooked onto
    its bridges) and is safe to call after a failed start."""

    def __init__(self):
        tag = uuid.uuid4().hex[:6]
        self.tag = tag
        self.data_root = Path(f"/var/lib/runpad-drill-docker-{tag}")
        self.exec_root = Path(f"/run/rpd-{tag}")  # short: containerd's socket paths must fit in 108 bytes
        self.pidfile = Path(f"/run/rpd-{tag}.pid")
        self.socket = Path(f"/run/rpd-{tag}.sock")
        self.host = f"unix://{self.socket}"
        self.config = Path(f"/run/rpd-{tag}.json")
        self.log_path = Path(f"/tmp/runpad-drill-dockerd-{tag}.log")
        self.bridge = f"rpd{tag}d"  # the engine's default bridge (docker0's counterpart)
        self.network_bridges = {settings.run_network: f"rpd{tag}r", settings.build_network: f"rpd{tag}b"}
        self.proc: subprocess.Popen | None = None
        self._client: docker.DockerClient | None = None
        self.started_in = 0.0  # seconds from dockerd's start to its answer

    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = docker.DockerClient(base_url=self.host, timeout=300)
        return self._client

    def answers(self) -> bool:
        try:
            return self.socket.exists() and bool(self.client().ping())
        except Exception:  # noqa: BLE001 - socket there but the daemon still starting
            return False

    def start(self, timeout: float = 90) -> SecondEngine:
        default, runs_net, builds_net = free_subnets(3)
        _sh("ip", "link", "add", "name", self.bridge, "type", "bridge")
        _sh("ip", "addr", "add", f"{default[1]}/{default.prefixlen}", "dev", self.bridge)
        _sh("ip", "link", "set", self.bridge, "up")
        self.config.write_text("{}")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [
                "dockerd",
                "--config-file",
                str(self.config),
                "--data-root",
                str(self.data_root),
                "--exec-root",
                str(self.exec_root),
                "--pidfile",
                str(self.pidfile),
                "-H",
                self.host,
                "--bridge",
                self.bridge,
                "--iptables=false",
                "--ip-forward=false",
                "--containerd-namespace",
                f"rpd-{self.tag}",
                "--containerd-plugins-namespace",
                f"rpd-{self.tag}-plugins",
            ],
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

        def up() -> bool:
            assert self.proc.poll() is None, f"dockerd exited:\n{self.log_path.read_text()[-3000:]}"
            return self.answers()

        wait_until(up, timeout, f"the second dockerd answering on {self.host}", every=0.25)
        self.started_in = time.monotonic() - t0
        for (name, bridge), subnet in zip(self.network_bridges.items(), (runs_net, builds_net), strict=False):
            self.client().networks.create(
                name,
                driver="bridge",
                enable_ipv6=False,
                labels={"runpad.managed": "1"},
                options={"com.docker.network.bridge.name": bridge, "com.docker.network.bridge.enable_icc": "false"},
                ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=str(subnet))]),
            )
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(Exception):  # an engine that stopped answering is still stopped below
                for c in self.client().containers.list(all=True):
                    c.remove(force=True)
                for net in self.client().networks.list(names=list(self.network_bridges)):
                    net.remove()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        for pid in self.processes():  # its containerd and shims, should dockerd have died without them
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._client is not None:
            self._client.close()
        self._unmount_leftovers()
        for path in (self.data_root, self.exec_root, self.pidfile, self.socket, self.config):
            _sh("rm", "-rf", "--one-file-system", str(path), check=False)
        for bridge in (self.bridge, *self.network_bridges.values()):
            remove_firewall_hooks(bridge)
            _sh("ip", "link", "del", bridge, check=False)

    def _unmount_leftovers(self) -> None:
        """Mounts dockerd should have undone (overlays, shm, netns) if it was killed: deepest first."""
        roots = (str(self.data_root) + "/", str(self.exec_root) + "/")
        mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
        for point in sorted((m for m in mounts if m.startswith(roots)), key=len, reverse=True):
            _sh("umount", "-l", point, check=False)

    def processes(self) -> list[int]:
        """Processes of this engine: dockerd, its containerd and shims (their command lines name the
        exec root or the containerd namespace, both carrying this engine's tag)."""
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            with contextlib.suppress(OSError):
                if f"rpd-{self.tag}".encode() in cmdline.read_bytes() and int(cmdline.parent.name) != os.getpid():
                    found.append(int(cmdline.parent.name))
        return found

    def leftovers(self) -> list[str]:
        """What stop() should have removed and did not, in words (empty after a clean stop)."""
        found = [str(p) for p in (self.data_root, self.exec_root, self.pidfile, self.socket, self.config) if p.exists()]
        found += [
            f"interface {b}"
            for b in (self.bridge, *self.network_bridges.values())
            if Path("/sys/class/net", b).exists()
        ]
        rules = _sh("iptables-save").stdout + _sh("ip6tables-save", check=False).stdout
        found += [f"rule {line}" for line in rules.splitlines() if f"rpd{self.tag}" in line]
        found += [f"process {pid}" for pid in self.processes()]
        return found


def remove_firewall_hooks(bridge: str) -> None:
    """The rules a worker's network.install_firewall hooked onto a bridge (the shared RUNPAD-EGRESS
    chain itself stays: the first engine's workers use it)."""
    hooks = [("iptables", rule) for rule in network.rules_for(bridge)]
    hooks += [("ip6tables", rule) for rule in network.rules6_for(bridge)]
    for tool, (table, chain, rule) in hooks:
        while _sh(tool, "-t", table, "-C", chain, *rule, check=False).returncode == 0:
            _sh(tool, "-t", table, "-D", chain, *rule, check=False)


def copy_image_through(
    registry: LocalRegistry, first: docker.DockerClient, second: docker.DockerClient, image: str
) -> None:
    """image (on the first engine) onto the second engine under the same name and id, through the
    registry: pushed under a drill tag of the dependency images' repository (so their pushes later
    find its layers there), pulled, tagged, and the registry name untagged on both sides."""
    via = f"{registry.address}/runpad/deps:drill-base-{uuid.uuid4().hex[:8]}"
    repo, tag = via.rsplit(":", 1)
    first.images.get(image).tag(repo, tag)
    try:
        for chunk in first.api.push(repo, tag=tag, stream=True, decode=True):
            assert "error" not in chunk, f"push of {image} failed: {chunk['error']}"
    finally:
        first.images.remove(via, noprune=True)
    pulled = second.images.pull(repo, tag=tag)
    name, _, version = image.rpartition(":")
    pulled.tag(name, version)
    second.images.remove(via, noprune=True)
    assert second.images.get(image).id == first.images.get(image).id


def docker_events(client: docker.DockerClient, since: float, until: float, **filters) -> list[dict]:
    return list(client.api.events(since=since, until=until, filters=filters, decode=True))
