"""What the hook load tests share: the real IDE API and hooks apps served by uvicorn in one thread
(one event loop, so they share its small, known number of worker threads), a database pool of a chosen
size, hook scripts and an API user."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass

import anyio.to_thread
import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from starlette.testclient import TestClient

from app.api.hooks_app import app as hooks_app
from app.api.main import api
from app.core.db import reset_engine, session
from app.core.settings import settings
from app.models import Run
from app.services import tokens, users
from tests.support.actors import acting
from tests.support.scripts import built_script
from tests.support.worker_process import WorkerProcess

SERVER_THREADS = 4  # stands in for anyio's 40: a waiter that held a thread would starve the API with 4


@dataclass
class Server:
    url: str  # the IDE's API
    hooks_url: str  # the hooks origin


async def _serve(*servers: uvicorn.Server) -> None:
    anyio.to_thread.current_default_thread_limiter().total_tokens = SERVER_THREADS
    await asyncio.gather(*(server.serve() for server in servers))


def _url(server: uvicorn.Server) -> str:
    return f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"


@pytest.fixture(scope="module")
def served():
    servers = [
        uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
        for app in (api, hooks_app)
    ]
    thread = threading.Thread(target=lambda: asyncio.run(_serve(*servers)), daemon=True, name="hooks-server")
    thread.start()
    deadline = time.monotonic() + 20
    while not all(server.started for server in servers):
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API and hooks servers did not start")
        time.sleep(0.05)
    yield Server(*map(_url, servers))
    for server in servers:
        server.should_exit = True
    thread.join(10)


@pytest.fixture
def pool_of(monkeypatch):
    """Rebuilds the engine with a pool of `size` connections, no overflow, and a short wait for one."""

    def resize(size: int, timeout: float = 2.0) -> None:
        monkeypatch.setattr(settings, "db_pool_size", size)
        monkeypatch.setattr(settings, "db_max_overflow", 0)
        monkeypatch.setattr(settings, "db_pool_timeout_seconds", timeout)
        reset_engine()

    yield resize
    reset_engine()  # the next engine is made after monkeypatch has restored the settings


def hook_script(code: str, timeout_seconds: int = 30):
    return built_script(
        acting(),
        f"hook-{uuid.uuid4()}",
        "python",
        code,
        [],
        trigger={"type": "http"},
        timeout_seconds=timeout_seconds,
        network=False,
    )


def run_count(script_id) -> int:
    with session() as s:
        return s.scalar(select(func.count()).select_from(Run).where(Run.script_id == script_id))


def run_ids(script_id) -> list[uuid.UUID]:
    with session() as s:
        return list(s.scalars(select(Run.id).where(Run.script_id == script_id)))


def wait_until(predicate, bound: float = 60.0, what: str = "the condition") -> None:
    """Polls until predicate() holds; the bound only stops a broken run from hanging the suite."""
    deadline = time.monotonic() + bound
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {bound} s")
        time.sleep(0.1)


@pytest.fixture
def api_client(served):
    user = users.create(f"hooks-{uuid.uuid4().hex[:10]}@example.com", "correct horse battery staple")
    _, token = tokens.issue(user.id)
    with httpx.Client(
        base_url=f"{served.url}/api/v1", headers={"authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        yield http


# Module scope, not session: a worker outliving its module would reap later tests' in-process runs.
@pytest.fixture(scope="module")
def hooks_worker():
    """A real Celery worker for the module's hook calls."""
    w = WorkerProcess(f"hooks-worker-{uuid.uuid4().hex[:6]}").start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def hooks_client(hooks_worker):
    """A client of the hooks origin's app, with a worker running the calls it makes."""
    with TestClient(hooks_app) as c:
        yield c
