"""The networks runs and builds join, walled off to the public internet only: not the host, private
and link-local ranges, or other containers, unless RUNPAD_NETWORK_ALLOW opens a range.

The rules key on the bridge interface Docker really uses for each network (read back from Docker,
not assumed), live in one chain of ours filled atomically with iptables-restore, and are checked
after every install: a worker whose rules are not attached to its bridges refuses to start.
"""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
from pathlib import Path

import docker.errors

from app.core.settings import settings
from workers.runtime.docker_client import client

BRIDGE = "runpad0"  # the run network's bridge when Runpad creates it
BUILD_BRIDGE = "runpadb0"  # the build network's
CHAIN = "RUNPAD-EGRESS"
REFUSED = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "0.0.0.0/8",
    "127.0.0.0/8",
    "224.0.0.0/3",
]
RESOLV_CONF = Path("/etc/resolv.conf")


class FirewallError(RuntimeError):
    """The runs' or builds' firewall is missing or not attached to the bridge in use."""


def bridge_of(network_name: str) -> str:
    """The interface Docker made for a network: its configured name, else br-<first 12 of its id>."""
    attrs = client().networks.get(network_name).attrs
    return (attrs.get("Options") or {}).get("com.docker.network.bridge.name") or f"br-{attrs['Id'][:12]}"


def resolvers() -> list[str]:
    """The resolvers Docker's embedded DNS forwards to, from the container's namespace: the host's,
    minus loopback ones (Docker does not forward to those)."""
    found = []
    for line in RESOLV_CONF.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "nameserver":
            try:
                ip = ipaddress.ip_address(parts[1])
            except ValueError:
                continue
            if ip.version == 4 and not ip.is_loopback:
                found.append(str(ip))
    return found


def chain_rules() -> list[list[str]]:
    """The egress chain, in order: operator-opened ranges, DNS to the resolvers only, then rejects."""
    try:
        allowed = settings.network_allow_cidrs
    except ValueError as exc:  # a typo must stop the worker, not silently open or close a range
        raise FirewallError(f"RUNPAD_NETWORK_ALLOW is not a list of IPv4 CIDRs: {exc}") from None
    rules = [["-d", cidr, "-j", "RETURN"] for cidr in allowed]
    for ip in resolvers():
        rules += [["-d", f"{ip}/32", "-p", proto, "--dport", "53", "-j", "RETURN"] for proto in ("udp", "tcp")]
    rules += [["-d", cidr, "-j", "REJECT"] for cidr in REFUSED]
    return rules


def rules_for(bridge: str) -> list[tuple[str, str, list[str]]]:
    """The hooks on one bridge: (table, chain, rule) for iptables -C/-I."""
    return [
        # the host itself, on any of its addresses: its services and the Docker API are not for user code
        ("filter", "INPUT", ["-i", bridge, "-m", "conntrack", "--ctstate", "NEW", "-j", "REJECT"]),
        ("filter", "DOCKER-USER", ["-i", bridge, "-j", CHAIN]),
        # other containers on the same bridge (icc off does the same; this holds if the option is lost)
        ("filter", "DOCKER-USER", ["-i", bridge, "-o", bridge, "-j", "REJECT"]),
    ]


def rules6_for(bridge: str) -> list[tuple[str, str, list[str]]]:
    # the networks have no IPv6; any v6 a container still sends (link-local) goes nowhere
    return [("filter", "INPUT", ["-i", bridge, "-j", "REJECT"]), ("filter", "FORWARD", ["-i", bridge, "-j", "REJECT"])]


RULES = rules_for(BRIDGE)  # the run bridge's hooks under its usual name (the fault drills check these)


def _ensure_network(name: str, bridge: str) -> str:
    try:
        client().networks.get(name)
    except docker.errors.NotFound:
        client().networks.create(
            name,
            driver="bridge",
            enable_ipv6=False,
            options={
                "com.docker.network.bridge.name": bridge,
                "com.docker.network.bridge.enable_icc": "false",
            },
            labels={"runpad.managed": "1"},
        )
    return bridge_of(name)


def bridges() -> list[str]:
    """The run and build bridges, creating the networks when missing."""
    return [_ensure_network(settings.run_network, BRIDGE), _ensure_network(settings.build_network, BUILD_BRIDGE)]


def ensure_networks() -> list[str]:
    """Creates both networks, firewalls their bridges and checks the result; raises FirewallError."""
    names = bridges()
    install_firewall(names)
    verify_firewall(names)
    return names


ensure_run_network = ensure_networks  # the name callers and tests used before builds had a network


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise FirewallError(f"{name} is not installed: runs and builds could reach the host and private networks")
    return path


def _check(tool: str, table: str, chain: str, rule: list[str]) -> bool:
    return subprocess.run([tool, "-t", table, "-C", chain, *rule], capture_output=True).returncode == 0


def _hook(tool: str, table: str, chain: str, rule: list[str]) -> None:
    if not _check(tool, table, chain, rule):
        subprocess.run([tool, "-t", table, "-I", chain, "1", *rule], check=True, capture_output=True)


def _fill_chain(iptables: str) -> None:
    # declaring the chain in iptables-restore --noflush empties and refills just it, in one commit,
    # so a reinstall (RUNPAD_NETWORK_ALLOW changed) never leaves a moment without rejects
    lines = ["*filter", f":{CHAIN} - [0:0]", *(" ".join(["-A", CHAIN, *r]) for r in chain_rules()), "COMMIT", ""]
    restore = _tool(Path(iptables).name + "-restore")
    subprocess.run([restore, "--noflush"], input="\n".join(lines), text=True, check=True, capture_output=True)


def install_firewall(names: list[str] | None = None) -> None:
    iptables = _tool("iptables")
    _fill_chain(iptables)
    for bridge in names or bridges():
        # DOCKER-USER must exist before we hook it; dockerd creates it, but a fresh engine may not have yet
        subprocess.run([iptables, "-t", "filter", "-N", "DOCKER-USER"], capture_output=True)
        for table, chain, rule in reversed(rules_for(bridge)):  # -I 1 each: the listed order ends on top
            _hook(iptables, table, chain, rule)
        if shutil.which("ip6tables"):
            for table, chain, rule in rules6_for(bridge):
                _hook("ip6tables", table, chain, rule)


def firewall_problems(names: list[str]) -> list[str]:
    """What is missing, in words; empty when every rule is attached to every bridge in use."""
    iptables = _tool("iptables")
    problems = [f"bridge {b} does not exist" for b in names if not Path("/sys/class/net", b).exists()]
    problems += [f"{CHAIN} lacks {' '.join(r)}" for r in chain_rules() if not _check(iptables, "filter", CHAIN, r)]
    for bridge in names:
        problems += [
            f"{chain} lacks {' '.join(r)}" for t, chain, r in rules_for(bridge) if not _check(iptables, t, chain, r)
        ]
        if shutil.which("ip6tables"):
            problems += [
                f"ip6tables {chain} lacks {' '.join(r)}"
                for t, chain, r in rules6_for(bridge)
                if not _check("ip6tables", t, chain, r)
            ]
    for name in (settings.run_network, settings.build_network):
        if client().networks.get(name).attrs.get("EnableIPv6"):
            problems.append(f"network {name} has IPv6, which these rules do not wall off")
    return problems


def verify_firewall(names: list[str]) -> None:
    problems = firewall_problems(names)
    if problems:
        raise FirewallError("the run/build firewall is not in place, refusing to start: " + "; ".join(problems))


def firewall_intact() -> bool:
    """Whether the rules hold on the bridges the networks really use (for checks after a restart)."""
    return not firewall_problems([bridge_of(settings.run_network), bridge_of(settings.build_network)])
