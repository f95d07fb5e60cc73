"""Shared by the hook boundary tests: one real worker and a client of the hooks origin's app."""

import uuid

import pytest
from starlette.testclient import TestClient

from app.api.hooks_app import app as hooks_app
from workers.local_worker import WorkerProcess


@pytest.fixture(scope="package")
def hooks_worker():
    w = WorkerProcess(f"hooks-b-worker-{uuid.uuid4().hex[:6]}").start()
    yield w
    w.stop()


@pytest.fixture(scope="package")
def hooks_client(hooks_worker):
    with TestClient(hooks_app) as c:
        yield c
