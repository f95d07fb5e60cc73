"""The network run containers join: egress allowed, but not the host (PostgreSQL, Redis, dockerd,
anything listening there), other run containers, or the cloud metadata range.

Firewall rules key on the bridge's interface name, so they hold whatever subnet Docker picks.
They are installed with argument lists (no shell) and checked with -C first, so this is idempotent.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

import docker.errors

from app.settings import settings
from workers.runtime.docker_client import client

log = logging.getLogger(__name__)
BRIDGE = "runpad0"
RULES = [
    # the host itself: its services and the Docker API are not for user code
    ("filter", "INPUT", ["-i", BRIDGE, "-m", "conntrack", "--ctstate", "NEW", "-j", "REJECT"]),
    # link-local, where cloud metadata services live
    ("filter", "DOCKER-USER", ["-i", BRIDGE, "-d", "169.254.0.0/16", "-j", "REJECT"]),
]


def ensure_run_network() -> None:
    try:
        client().networks.get(settings.run_network)
    except docker.errors.NotFound:
        client().networks.create(settings.run_network, driver="bridge", options={
            "com.docker.network.bridge.name": BRIDGE,
            "com.docker.network.bridge.enable_icc": "false",
        }, labels={"runpad.managed": "1"})
    install_firewall()


def install_firewall() -> None:
    iptables = shutil.which("iptables")
    if iptables is None:
        raise RuntimeError("iptables is not installed: run containers could reach the host's services")
    for table, chain, rule in RULES:
        exists = subprocess.run([iptables, "-t", table, "-C", chain, *rule], capture_output=True).returncode == 0
        if not exists:
            subprocess.run([iptables, "-t", table, "-I", chain, "1", *rule], check=True, capture_output=True)
