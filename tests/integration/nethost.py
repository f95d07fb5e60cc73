"""A private test host in a network namespace (veth pair, 10.99.0.1/30 on the host end, 10.99.0.2/30
in the namespace, and 10.99.1.2 behind it), with TCP listeners and servers started inside it."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import uuid

from app.core.settings import settings
from workers.runtime import network

HOST_END, ADDRESS, SECOND = "10.99.0.1", "10.99.0.2", "10.99.1.2"
# accepts, says hello and closes: a connection that reaches it prints CONNECTED in the probes
LISTENER = """import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(64)
while True:
    c, _ = s.accept(); c.sendall(b"hello\\n"); c.close()
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class NetHost:
    def __init__(self):
        tag = uuid.uuid4().hex[:6]
        self.ns, self.veth = f"rp-test-{tag}", f"rpt{tag}"
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> NetHost:
        _ip("netns", "add", self.ns)
        _ip("link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.ns)
        _ip("addr", "add", f"{HOST_END}/30", "dev", self.veth)
        _ip("link", "set", self.veth, "up")
        for args in (
            ["addr", "add", f"{ADDRESS}/30", "dev", "eth0"],
            ["addr", "add", f"{SECOND}/32", "dev", "lo"],
            ["link", "set", "eth0", "up"],
            ["link", "set", "lo", "up"],
            ["route", "add", "default", "via", HOST_END],
        ):
            _ip("netns", "exec", self.ns, "ip", *args)
        _ip("route", "add", f"{SECOND}/32", "via", ADDRESS)
        return self

    def start(self, *argv: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.procs.append(proc)
        return proc

    def listen(self, address: str, port: int) -> None:
        self.start(sys.executable, "-c", LISTENER, address, str(port))
        self.wait_for(address, port)

    def wait_for(self, address: str, port: int) -> None:
        deadline = time.monotonic() + 15
        while (
            subprocess.run(
                [
                    "ip",
                    "netns",
                    "exec",
                    self.ns,
                    sys.executable,
                    "-c",
                    f"import socket; socket.create_connection(('{address}', {port}), 1)",
                ],
                capture_output=True,
            ).returncode
            != 0
        ):
            assert time.monotonic() < deadline, f"nothing listens on {address}:{port} in {self.ns}"
            time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait()
        subprocess.run(["ip", "route", "del", f"{SECOND}/32"], capture_output=True)
        subprocess.run(["ip", "link", "del", self.veth], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)


@contextlib.contextmanager
def allowed(cidr: str):
    """RUNPAD_NETWORK_ALLOW=cidr for the block, the rules reinstalled, then restored."""
    before = settings.network_allow
    settings.network_allow = cidr
    try:
        network.install_firewall()
        yield
    finally:
        settings.network_allow = before
        network.install_firewall()


def bridge_gateway(network_name: str) -> str:
    from workers.runtime.docker_client import client

    return client().networks.get(network_name).attrs["IPAM"]["Config"][0]["Gateway"]
