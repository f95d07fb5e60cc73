"""Serves app.api.main:api (what Reflex wraps) or the hooks origin's app.api.hooks_app:app with granian
in its own process on 127.0.0.1, for tests and benchmarks that need the real HTTP side without building
the Reflex front end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
IDE_APP = "app.api.main:api"
HOOKS_APP = "app.api.hooks_app:app"  # hooks answer on their own origin, never the IDE's


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiProcess:
    def __init__(
        self,
        name: str,
        port: int | None = None,
        log_path: Path | None = None,
        app: str = IDE_APP,
        env: dict[str, str] | None = None,
    ):
        self.app, self.env = app, {**os.environ, **(env or {})}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or Path("/tmp") / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> ApiProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                self.app,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"web did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
