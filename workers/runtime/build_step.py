"""Runs a dependency install (hostile package scripts) in a plain container with a build's limits,
then commits it into the dependency image.

Why not `docker build`: the legacy builder's container_limits has no process limit and its timeout
is only a socket read timeout that leaves the step running; a container we create ourselves takes
memory (= memory + swap), CPU, pids, the firewalled build network, no capabilities, and is killed at
the deadline. Guarantees: the container is always removed; the lockfile is read with a bound; the
build fails with a reason (deadline, out of memory, exit code, lockfile too big).
"""

from __future__ import annotations

import io
import tarfile
import threading
import time
from collections import deque
from collections.abc import Callable

import docker.errors
import requests.exceptions
from docker.types import LogConfig

from app.core.settings import settings
from workers.runtime.docker_client import client

LABEL_BUILD = "runpad.build"
DEPS_DIR = "/opt/runpad/deps"
OUTPUT_KEPT_LINES = 200  # what a failed install hands on for its reason (the whole output is in the build log)


class BuildStepError(RuntimeError):
    """The install step failed or was stopped; the message says why."""


class InstallFailed(BuildStepError):
    """The install command exited non-zero; `output` is its last lines, where the package manager says why."""

    def __init__(self, message: str, output: list[str]):
        super().__init__(message)
        self.output = output


def _files_tar(files: dict[str, bytes], uid: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid = len(data), 0o644, uid, uid
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _create(image: str, command: list[str], labels: dict[str, str]) -> str:
    from workers.runtime.containers import LABEL_INSTANCE, LABEL_WORKER

    api = client().api
    memory = f"{settings.build_memory_mb}m"
    host_config = api.create_host_config(
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        mem_limit=memory,
        memswap_limit=memory,
        nano_cpus=int(settings.build_cpus * 1e9),
        pids_limit=settings.build_pids_limit,
        network_mode=settings.build_network,
        log_config=LogConfig(type=LogConfig.types.JSON, config={"max-size": "10m", "max-file": "1"}),
    )
    # worker labels: a worker that dies mid-build has its build container removed like a run's
    all_labels = {LABEL_WORKER: settings.worker_name, LABEL_INSTANCE: settings.instance, LABEL_BUILD: "1", **labels}
    return api.create_container(
        image, command=command, user="10001:10001", working_dir=DEPS_DIR, labels=all_labels, host_config=host_config
    )["Id"]


def _follow(cid: str, log: Callable[[str], None]) -> None:
    """Sends the container's output to log, line by line, until it stops."""
    since, pending = None, ""
    while True:
        try:
            for chunk in client().api.logs(cid, stream=True, follow=True, since=since):
                pending += chunk.decode(errors="replace")
                *lines, pending = pending.split("\n")
                for line in lines:
                    if line.strip():
                        log(line.rstrip("\r"))
            break
        except (requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout):
            # the client's read timeout during a quiet step: nothing was printed since, follow on from now
            since = time.time()
            if not client().api.inspect_container(cid)["State"]["Running"]:
                break
    if pending.strip():
        log(pending)


def _outcome(cid: str, timed_out: bool, output: list[str]) -> None:
    state = client().api.inspect_container(cid)["State"]
    if timed_out:
        raise BuildStepError(
            f"the build was stopped at its deadline ({settings.build_timeout_seconds} s, RUNPAD_BUILD_TIMEOUT_SECONDS)"
        )
    if state.get("OOMKilled"):
        raise BuildStepError(f"the build ran out of memory ({settings.build_memory_mb} MiB, RUNPAD_BUILD_MEMORY_MB)")
    if state["ExitCode"] != 0:
        raise InstallFailed(f"the install step failed with exit code {state['ExitCode']}", output)


def read_bounded(cid: str, path: str, limit: int) -> str:
    """One file of a container, refused past limit bytes without reading it whole."""
    stream, stat = client().api.get_archive(cid, path)
    if stat.get("size", 0) > limit:
        raise BuildStepError(
            f"the lockfile is {stat['size']} bytes, over the {limit}-byte cap (RUNPAD_BUILD_LOCKFILE_MAX_BYTES)"
        )
    data = bytearray()
    for chunk in stream:
        data += chunk
        if len(data) > limit + 64 * 1024:  # tar headers and padding on top of the file itself
            raise BuildStepError(f"the lockfile is over the {limit}-byte cap (RUNPAD_BUILD_LOCKFILE_MAX_BYTES)")
    with tarfile.open(fileobj=io.BytesIO(bytes(data))) as tar:
        member = tar.next()
        handle = tar.extractfile(member) if member else None
        return handle.read(limit + 1).decode() if handle else ""


def install_and_commit(
    runner: str,
    files: dict[str, bytes],
    command: list[str],
    ref: str,
    lockfile_path: str,
    changes: list[str],
    log: Callable[[str], None],
) -> tuple[str, str]:
    """Runs command in runner with files in DEPS_DIR; returns (image id, lockfile) of the commit to ref."""
    api = client().api
    cid = _create(runner, command, {})
    try:
        api.put_archive(cid, DEPS_DIR, _files_tar(files, 10001))
        timed_out = threading.Event()

        def stop_at_deadline() -> None:
            timed_out.set()
            try:
                api.kill(cid)
            except docker.errors.APIError:
                pass  # it ended on its own just now

        timer = threading.Timer(settings.build_timeout_seconds, stop_at_deadline)
        timer.daemon = True
        output: deque[str] = deque(maxlen=OUTPUT_KEPT_LINES)

        def kept(line: str) -> None:
            output.append(line)
            log(line)

        api.start(cid)
        timer.start()
        try:
            _follow(cid, kept)
            api.wait(cid, timeout=settings.build_timeout_seconds + 60)
        finally:
            timer.cancel()
        _outcome(cid, timed_out.is_set(), list(output))
        lockfile = read_bounded(cid, lockfile_path, settings.build_lockfile_max_bytes)
        repo, tag = ref.rsplit(":", 1)
        image = api.commit(cid, repository=repo, tag=tag, changes=changes)
        return image["Id"], lockfile
    finally:
        try:
            api.remove_container(cid, force=True)
        except docker.errors.NotFound:
            pass
