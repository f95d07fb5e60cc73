"""Hostile handlers: each ends with the right status, the container is removed, and the next run works."""

import ipaddress
import socket
import subprocess
import threading
import time
import uuid

import pytest

from app.services import secrets
from tests.integration.helpers import log_text, tryout
from tests.support.actors import acting
from workers.runtime.docker_client import client

pytestmark = pytest.mark.usefixtures("docker_ready")


def _containers_of(run_id) -> list:
    return client().api.containers(all=True, filters={"label": f"runpad.run_id={run_id}"})


@pytest.fixture(autouse=True)
def worker_stays_healthy(request):
    """After every hostile run: its container is gone and a normal run still works."""
    started = []
    request.node.hostile_runs = started
    yield
    for run in started:
        deadline = time.monotonic() + 15
        while _containers_of(run.id) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _containers_of(run.id) == [], f"container of run {run.id} was not removed"
    after = tryout("python", "def handler(e, c):\n    return 'still fine'\n")
    assert after.status == "succeeded" and after.result == "still fine", (after.error, log_text(after))


def hostile(request, runtime, code, **kw):
    run = tryout(runtime, code, **kw)
    request.node.hostile_runs.append(run)
    return run


@pytest.mark.parametrize(
    "runtime,code",
    [
        ("python", "import os\ndef handler(e, c):\n    while True:\n        os.fork()\n"),
        (
            "node",
            "import { spawn } from 'node:child_process';\nexport default async () => {"
            " for (;;) { spawn('node', ['-e', 'setInterval(()=>{}, 1000)']);"
            " await new Promise(r => setImmediate(r)); } };",
        ),
    ],
)
def test_fork_bomb_is_stopped_by_the_process_limit(request, runtime, code):
    run = hostile(request, runtime, code, timeout_seconds=10)
    assert run.status in ("failed", "timed_out")
    if run.status == "failed":
        assert "Resource temporarily unavailable" in run.error or "EAGAIN" in log_text(run) + run.error


@pytest.mark.parametrize(
    "runtime,code",
    [
        ("python", "def handler(e, c):\n    hog = []\n    while True:\n        hog.append(bytearray(10_000_000))\n"),
        ("node", "export default () => { const hog = []; for (;;) hog.push(Buffer.alloc(10_000_000, 1)); };"),
    ],
)
def test_memory_bomb_is_killed_at_the_memory_limit(request, runtime, code):
    run = hostile(request, runtime, code, memory_mb=64, timeout_seconds=30)
    assert run.status == "failed"
    assert "out of memory" in run.error or "heap out of memory" in log_text(run)


@pytest.mark.parametrize(
    "runtime,code",
    [
        ("python", "def handler(e, c):\n    while True:\n        pass\n"),
        ("node", "export default () => { for (;;) {} };"),
    ],
)
def test_infinite_loop_times_out_and_is_killed(request, runtime, code):
    started = time.monotonic()
    run = hostile(request, runtime, code, timeout_seconds=2)
    assert run.status == "timed_out" and "timed out after 2 s" in run.error
    assert time.monotonic() - started < 20


@pytest.mark.parametrize(
    "runtime,code",
    [
        (
            "python",
            "import sys\ndef handler(e, c):\n    block = ('x' * 1023 + '\\n') * 1024\n"
            "    for _ in range(100):\n        sys.stdout.write(block)\n    return 'done'\n",
        ),
        (
            "node",
            "export default () => { const block = ('x'.repeat(1023) + '\\n').repeat(1024);"
            " for (let i = 0; i < 100; i++) process.stdout.write(block); return 'done'; };",
        ),
    ],
)
def test_100_mb_of_stdout_is_capped_and_the_run_still_returns(request, runtime, code):
    run = hostile(request, runtime, code, timeout_seconds=120)
    assert run.status == "succeeded" and run.result == "done"
    assert run.log_truncated is True
    text = log_text(run)
    assert len(text.encode()) < 1024 * 1024 + 1024 and "log truncated" in text


@pytest.mark.parametrize("path", ["/tmp/fill", "/dev/shm/fill"])
def test_filling_tmp_and_shm_fails_cleanly(request, path):
    code = (
        f"def handler(e, c):\n    with open({path!r}, 'wb') as f:\n        while True:\n"
        "            f.write(b'x' * 1048576)\n            f.flush()\n"
    )
    run = hostile(request, "python", code, timeout_seconds=30)
    assert run.status == "failed" and "No space left on device" in run.error


@pytest.mark.parametrize("path", ["/opt/runpad/evil", "/etc/evil", "/evil", "/opt/runpad/venv/bin/python"])
def test_writing_outside_tmp_is_refused(request, path):
    run = hostile(request, "python", f"def handler(e, c):\n    open({path!r}, 'w').write('x')\n")
    assert run.status == "failed"
    assert "Read-only file system" in run.error or "Permission denied" in run.error


@pytest.mark.parametrize(
    "runtime,code",
    [
        (
            "python",
            "import os, time\ndef handler(e, c):\n    os.close(1)\n    os.close(2)\n"
            "    while True:\n        time.sleep(1)\n",
        ),
        (
            "node",
            "import fs from 'node:fs';\nexport default () => { fs.closeSync(1); fs.closeSync(2);"
            " setInterval(() => {}, 1000); return new Promise(() => {}); };",
        ),
    ],
)
def test_closing_stdout_and_never_returning_times_out(request, runtime, code):
    run = hostile(request, runtime, code, timeout_seconds=3)
    assert run.status == "timed_out"


def _gateway(network: str | None = None) -> str:
    from app.core.settings import settings

    config = client().networks.get(network or settings.run_network).attrs["IPAM"]["Config"][0]
    return config.get("Gateway") or str(ipaddress.ip_network(config["Subnet"])[1])


@pytest.fixture
def host_listener():
    """A TCP service on every host address, as a careless PostgreSQL or Redis would be."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen(16)
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.sendall(b"HELLO\n")
                conn.close()
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()
    # the metadata address, local to this machine for the test, so nothing could leave it
    subprocess.run(["ip", "addr", "add", "169.254.169.254/32", "dev", "lo"], capture_output=True)
    yield server.getsockname()[1]
    stop.set()
    server.close()
    subprocess.run(["ip", "addr", "del", "169.254.169.254/32", "dev", "lo"], capture_output=True)


PROBE = """import os, socket
def handler(event, ctx):
    out = {"docker_sock": os.path.exists("/var/run/docker.sock") or os.path.exists("/run/docker.sock")}
    for host, port in event["body"]:
        s = socket.socket(); s.settimeout(3)
        try:
            s.connect((host, port)); out[f"{host}:{port}"] = s.recv(6).decode() or "open"
        except OSError as exc:
            out[f"{host}:{port}"] = type(exc).__name__
        finally:
            s.close()
    return out
"""


def test_platform_services_and_metadata_are_unreachable(request, host_listener):
    gw = _gateway()
    targets = [
        [gw, 5432],
        [gw, 6379],
        [gw, 2375],
        [gw, host_listener],
        ["169.254.169.254", host_listener],
        ["127.0.0.1", 5432],
        ["127.0.0.1", 6379],
    ]
    run = hostile(request, "python", PROBE, body=targets, timeout_seconds=30)
    assert run.status == "succeeded", run.error
    assert run.result["docker_sock"] is False
    reached = {
        k: v
        for k, v in run.result.items()
        if k != "docker_sock" and v not in ("ConnectionRefusedError", "TimeoutError", "OSError")
    }
    assert reached == {}, f"run containers reached host services: {reached}"


def test_the_host_listener_is_reachable_without_the_run_network(host_listener):
    """Control for the test above: from Docker's default bridge, the same listener answers."""
    gw = _gateway("bridge")
    from workers.runtime import images

    image = images.ensure_runner_image(images.local_base("python"), lambda line: None)
    out = client().containers.run(
        image,
        [
            "python3",
            "-c",
            f"import socket; s=socket.create_connection(('{gw}', {host_listener}), 3); print(s.recv(6).decode())",
        ],
        remove=True,
        network="bridge",
    )
    assert b"HELLO" in out


def test_a_run_cannot_read_another_runs_secrets(request):
    value = f"other-run-{uuid.uuid4().hex}"
    secrets.put(acting(), "RUNPAD_VICTIM", value)
    victim: dict = {}
    t = threading.Thread(
        target=lambda: victim.setdefault(
            "run",
            tryout(
                "python",
                "import time\ndef handler(e, c):\n    time.sleep(6)\n    return 'ok'\n",
                secret_names=["RUNPAD_VICTIM"],
                timeout_seconds=30,
            ),
        )
    )
    t.start()
    time.sleep(2.5)
    for c in client().api.containers(filters={"label": "runpad.run_id"}):
        assert value not in str(client().api.inspect_container(c["Id"])), "a secret reached container metadata"
    spy = """import os, glob, subprocess
def handler(e, c):
    seen = dict(os.environ)
    for path in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline') + glob.glob('/tmp/**', recursive=True):
        try:
            seen[path] = open(path, 'rb').read().decode(errors='replace')
        except OSError:
            pass
    return seen
"""
    spy_run = hostile(request, "python", spy)
    t.join()
    assert victim["run"].status == "succeeded"
    assert spy_run.status == "succeeded"
    assert value not in str(spy_run.result) and value not in log_text(spy_run)
