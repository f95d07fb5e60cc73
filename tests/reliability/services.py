"""Stopping and starting this machine's PostgreSQL, Redis and Docker Engine the way
docs/environment.md and scripts/setup-host.sh do, and waiting until each answers again.

Every drill that stops a service calls the matching `restart_*` (or `ensure_*`) in a `finally`,
so the tests that run after it find the machine as it was."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import docker
import redis

REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]
DOCKERD_LOG = "/var/log/runpad-dockerd.log"
DOCKERD_PID = Path("/var/run/docker.pid")
_dockerd_argv = ["dockerd"]  # replaced by the command line of the dockerd that stop_dockerd stopped


def wait_until(check, timeout: float, what: str, every: float = 0.2):
    """Calls check() until it returns something truthy; raises after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(every)


# ---- Redis ------------------------------------------------------------------------------------


def redis_answers() -> bool:
    client = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def stop_redis() -> None:
    """Stops Redis without saving: it keeps nothing on disk here, so every queued message is lost."""
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    wait_until(lambda: not redis_answers(), 15, "Redis stopping")


def ensure_redis() -> None:
    if not redis_answers():
        subprocess.run(REDIS_START, check=True, capture_output=True)
        wait_until(redis_answers, 20, "Redis answering")


# ---- PostgreSQL -------------------------------------------------------------------------------


def _pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]


def postgres_answers() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


def stop_postgres() -> None:
    """Fast shutdown: open connections are cut, transactions in progress roll back."""
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "stop", "-m", "fast"],
        check=True,
        capture_output=True,
    )
    wait_until(lambda: not postgres_answers(), 30, "PostgreSQL stopping")


def ensure_postgres() -> None:
    if not postgres_answers():
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", "start"], capture_output=True
        )  # "already running" is fine
        wait_until(postgres_answers, 60, "PostgreSQL answering")


# ---- Docker Engine ----------------------------------------------------------------------------


def docker_answers() -> bool:
    try:
        client = docker.DockerClient(base_url="unix:///var/run/docker.sock", timeout=3)
    except docker.errors.DockerException:
        return False
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - socket missing, refused, or the daemon still starting
        return False
    finally:
        client.close()


def _dockerd_pid() -> int | None:
    try:
        pid = int(DOCKERD_PID.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def stop_dockerd(timeout: float = 60) -> None:
    """SIGTERM to dockerd (not live-restore: it stops every container as it goes), SIGKILL after
    timeout. ensure_dockerd starts it again with the same command line."""
    global _dockerd_argv
    pid = _dockerd_pid()
    assert pid is not None, "dockerd is not running"
    _dockerd_argv = [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")]
    os.kill(pid, signal.SIGTERM)
    try:
        wait_until(lambda: not _alive(pid), timeout, "dockerd exiting", every=0.1)
    except AssertionError:
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not _alive(pid), 15, "dockerd exiting after SIGKILL", every=0.1)


def ensure_dockerd() -> None:
    """As scripts/setup-host.sh: its own session, log appended to /var/log/runpad-dockerd.log."""
    if docker_answers():
        return
    if _dockerd_pid() is None:
        command = " ".join(shlex.quote(a) for a in _dockerd_argv)
        subprocess.run(["bash", "-c", f"setsid nohup {command} >>{DOCKERD_LOG} 2>&1 </dev/null &"], check=True)
    wait_until(docker_answers, 90, "dockerd answering on /var/run/docker.sock", every=0.25)


@contextmanager
def restored(ensure):
    """Whatever happens inside, the service is started again (and answers) afterwards."""
    try:
        yield
    finally:
        ensure()
