"""Starts and stops a scheduler process (`python -m workers.scheduler`) on this machine, for tests
and benchmarks; it inherits this process's RUNPAD_* environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class SchedulerProcess:
    def __init__(self, name: str, log_dir: Path | None = None, **env: str):
        self.name = name
        self.env = {f"RUNPAD_{k.upper()}": str(v) for k, v in env.items()}
        self.log_path = (log_dir or Path("/tmp")) / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> SchedulerProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workers.scheduler"],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while "scheduler started" not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"scheduler {self.name} did not start:\n{self.log()[-3000:]}")
            time.sleep(0.1)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then SIGKILL if it has not exited within timeout; returns the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode
