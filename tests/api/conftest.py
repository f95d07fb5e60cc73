"""The REST API under test: the real app (app.api.main.api) served by uvicorn on 127.0.0.1 in a
thread, so streamed responses arrive as they are sent; users with an API token each."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from app.api.main import api
from app.services import tokens, users
from tests.engines import start_worker

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def base_url():
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True, name="api-server")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@dataclass
class User:
    id: uuid.UUID
    email: str
    token: str
    http: httpx.Client  # sends the token with every request


def new_user(base_url: str) -> User:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    row = users.create(email, PASSWORD)
    _, token = tokens.issue(row.id)  # test_auth logs in through the API; here that would only cost time
    http = httpx.Client(base_url=f"{base_url}/api/v1", headers={"authorization": f"Bearer {token}"}, timeout=120)
    return User(row.id, email, token, http)


@pytest.fixture
def alice(base_url):
    user = new_user(base_url)
    yield user
    user.http.close()


@pytest.fixture
def bob(base_url):
    user = new_user(base_url)
    yield user
    user.http.close()


@pytest.fixture
def anonymous(base_url):
    with httpx.Client(base_url=f"{base_url}/api/v1", timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def worker():
    w = start_worker(f"api-worker-{uuid.uuid4().hex[:6]}")
    yield w
    w.stop()
