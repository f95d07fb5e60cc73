"""Starts and stops a Celery worker process on this machine (used by tests and benchmarks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app.core.redis import redis_client
from workers.maintenance import HEARTBEAT_PREFIX

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, name: str, concurrency: int = 4, log_dir: Path | None = None, env: dict[str, str] | None = None):
        """env: extra environment, e.g. DOCKER_HOST for a worker on another Docker Engine."""
        self.name = name
        self.concurrency = concurrency
        self.env = env or {}
        self.log_path = (log_dir or Path("/tmp")) / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> WorkerProcess:
        redis_client().delete(HEARTBEAT_PREFIX + self.name)
        env = {**os.environ, **self.env, "RUNPAD_WORKER_NAME": self.name}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers.celery_app",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                str(self.concurrency),
                "-Q",
                "tryout,runs,builds",
                "--loglevel",
                "INFO",
                "--hostname",
                f"{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not redis_client().exists(HEARTBEAT_PREFIX + self.name):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {self.name} did not start:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        return self

    def kill9(self) -> None:
        if self.proc is None:
            raise RuntimeError(f"worker {self.name} was not started")
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()
