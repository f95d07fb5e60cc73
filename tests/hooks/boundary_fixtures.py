"""Shared by the hook boundary tests (imported by each module; not a conftest, so that it stays apart from
the load tests' fixtures): a real worker and a client of the hooks origin's app."""

import uuid

import pytest
from starlette.testclient import TestClient

from app.api.hooks_app import app as hooks_app
from workers.local_worker import WorkerProcess


@pytest.fixture(scope="module")
def hooks_worker():
    w = WorkerProcess(f"hooks-b-worker-{uuid.uuid4().hex[:6]}").start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def hooks_client(hooks_worker):
    with TestClient(hooks_app) as c:
        yield c
