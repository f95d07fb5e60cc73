"""Creates locked-down run containers and attaches to their stdio.

Every container: a non-root user, no capabilities, no-new-privileges, read-only root, small
tmpfs /tmp, bounded /dev/shm, pids, memory (= memory+swap) and CPU, no Docker socket, no host
mounts, no logging driver (output is read from the attach stream only), and runpad.* labels so a
restarted worker can find and remove what a dead one left behind.
"""

from __future__ import annotations

import logging
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import docker.errors
from docker.types import HostConfig, LogConfig

from app.core import runtimes
from app.core.settings import settings
from workers.runtime.docker_client import client

RUN_UID = "10001:10001"  # a run's user: never root (the runner image gives it /opt/runpad/deps)

LABEL_WORKER = "runpad.worker"
LABEL_RUN = "runpad.run_id"
LABEL_POOL = "runpad.pool"
LABEL_INSTANCE = "runpad.instance"
REMOVE_RETRY_SECONDS = 300  # how long a removal waits for dockerd to answer again

log = logging.getLogger(__name__)
_remover = ThreadPoolExecutor(max_workers=4, thread_name_prefix="remove")


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    network: bool

    @property
    def network_mode(self) -> str:
        return settings.run_network if self.network else "none"


@dataclass
class Attached:
    """A started container blocked in its bootstrap, with our end of its stdio."""

    container_id: str
    sock: socket.socket  # the hijacked attach connection: write stdin, read multiplexed stdout/stderr
    raw: object  # the SDK's socket wrapper, kept so the connection is not garbage-collected


def host_config(limits: Limits) -> HostConfig:
    mem = f"{limits.memory_mb}m"
    return client().api.create_host_config(
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        read_only=True,
        tmpfs={"/tmp": f"rw,noexec,nosuid,nodev,size={settings.tmp_size_mb}m,mode=1777"},
        shm_size=f"{settings.shm_size_mb}m",
        pids_limit=settings.pids_limit,
        mem_limit=mem,
        memswap_limit=mem,
        nano_cpus=int(settings.cpus * 1e9),
        network_mode=limits.network_mode,
        log_config=LogConfig(type=LogConfig.types.NONE),
        ulimits=[docker.types.Ulimit(name="nofile", soft=1024, hard=1024)],
        init=False,
    )


def start_attached(image: str, runtime: str, limits: Limits, labels: dict[str, str]) -> Attached:
    """Create, attach (before start, so no output is missed), then start a run container."""
    api = client().api
    config = api.create_container_config(
        image,
        command=list(runtimes.row(runtime).command),
        user=RUN_UID,
        working_dir="/tmp",
        stdin_open=True,
        tty=False,
        labels={LABEL_WORKER: settings.worker_name, LABEL_INSTANCE: settings.instance, **labels},
        host_config=host_config(limits),
        network_disabled=not limits.network,
    )
    config["StdinOnce"] = True  # closing our end of stdin gives the bootstrap EOF
    container = api.create_container_from_config(config)
    cid = container["Id"]
    try:
        raw = api.attach_socket(cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        sock = raw._sock  # the SDK returns a SocketIO over the hijacked connection
        api.start(cid)
        return Attached(cid, sock, raw)
    except Exception:
        remove_eventually(cid)  # dockerd stopping between create and start must not leave it behind
        raise


def remove(container_id: str) -> None:
    try:
        client().api.remove_container(container_id, force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        if "already in progress" not in str(exc):
            raise


def remove_eventually(container_id: str) -> None:
    """Removes a container in the background, trying again every 2 s while dockerd is away
    (restarting), so a restart leaves no container behind: no one else removes the containers of a
    live worker."""
    _remover.submit(_remove_retrying, container_id)


def _remove_retrying(container_id: str) -> None:
    deadline = time.monotonic() + REMOVE_RETRY_SECONDS
    while True:
        try:
            return remove(container_id)
        except Exception:  # the socket gone, refused, or dockerd still starting
            if time.monotonic() > deadline:
                log.exception("could not remove container %s", container_id)
                return
            time.sleep(2)


def kill(container_id: str) -> None:
    try:
        client().api.kill(container_id)
    except docker.errors.APIError:
        pass  # already gone or stopped: nothing left to kill
