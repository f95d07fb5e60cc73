"""Which Docker Engine the tests' workers use. The test process stands for the web and needs none:
with RUNPAD_TEST_WORKER_DOCKER_HOST set, workers it starts (and the base catalog published at the
start of the session) use that engine while this process may have DOCKER_HOST=unix:///nonexistent."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_env() -> dict[str, str]:
    """What a worker started by the tests gets on top of this process's environment."""
    host = os.environ.get("RUNPAD_TEST_WORKER_DOCKER_HOST")
    return {"DOCKER_HOST": host} if host else {}


def start_worker(name: str, concurrency: int = 4):
    from tests.support.worker_process import WorkerProcess

    return WorkerProcess(name, concurrency=concurrency, env=worker_env()).start()


def publish_base_images() -> str:
    """The base catalog as a worker publishes it when it starts: the real ids of the base images in the
    workers' engine, by the worker's own code (`python -m app.cli publish-base-images`) in a subprocess,
    so this process never talks to Docker. With no engine there are no real ids: stand-ins are
    published instead (through the same publish function), which lets the web and API tests that
    run no code pass, and makes any build refuse them. Returns what happened, for the session header."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "publish-base-images"],
        cwd=ROOT,
        env={**os.environ, **worker_env()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode == 0:
        return "base images published from the workers' Docker Engine"
    from app.core.settings import settings
    from app.services import base_catalog

    base_catalog.forget()
    stand_ins = []
    for runtime in base_catalog.RUNTIMES:
        if base_catalog.current(runtime) is None:  # what the engine had is published already
            image = settings.base_image(runtime)
            fake = "sha256:" + hashlib.sha256(f"no engine: {image}".encode()).hexdigest()
            stand_ins.append(base_catalog.Entry(runtime, image, fake, fake))
    base_catalog.publish(stand_ins, "pytest-no-engine")
    reason = (done.stderr.strip().splitlines() or ["?"])[-1]
    return (
        f"stand-in base images published for {', '.join(e.runtime for e in stand_ins)} "
        f"(publish-base-images said: {reason[:200]})"
    )
