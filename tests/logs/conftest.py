"""Fixtures for the log tests: a moto server (CloudWatch Logs on 127.0.0.1) that a test can stop and
start again, CloudWatch configured against it, and an empty shipping backlog."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

os.environ["AWS_EC2_METADATA_DISABLED"] = "true"  # never look for instance credentials off this machine

import boto3
import pytest
from sqlalchemy import not_, update

from app.core.db import session
from app.integrations import cloudwatch
from app.models import LogLine
from tests.support.api_process import free_port

MOTO_SERVER = Path(sys.executable).parent / "moto_server"
REGION = "us-east-1"


class Moto:
    """moto_server as a subprocess; its state lives in memory, so a restart starts empty."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Moto:
        self.proc = subprocess.Popen(
            [str(MOTO_SERVER), "-p", str(self.port), "-H", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError as exc:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from exc
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def client(self):
        return boto3.client(
            "logs",
            region_name=REGION,
            endpoint_url=self.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture(scope="session")
def moto():
    server = Moto(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def log_group(moto):
    """CloudWatch configured against moto, with a log group of this test's own; unconfigured after."""
    name = f"/runpad/test-{uuid.uuid4().hex[:8]}"
    cloudwatch.configure(REGION, name, access_key_id="testing", secret_access_key="testing", endpoint_url=moto.url)
    yield name
    cloudwatch.disable()


@pytest.fixture
def empty_backlog():
    """Lines other tests left unshipped would be claimed first; they are not this test's business."""
    with session() as s:
        s.execute(update(LogLine).where(not_(LogLine.shipped)).values(shipped=True))
        s.commit()


def cloudwatch_messages(client, group: str, stream: str) -> list[str]:
    events, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        page = client.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, **kw)
        events += [e["message"] for e in page["events"]]
        if not page["events"] or page["nextForwardToken"] == token:
            return events
        token = page["nextForwardToken"]
