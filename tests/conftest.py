"""Test setup: a fresh PostgreSQL database migrated with Alembic, the real Redis, and the base image
catalog published once from the workers' Docker Engine (tests/engines.py); this process needs an
engine only for the tests that drive containers in it (docker_ready).
tests/unit needs none of them: when only its tests are collected, PostgreSQL and Redis are not touched.

Environment must be set before app.core.settings is imported, so it is done at the top of this file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "tests" / "unit"  # tests that need no service: scripts/test.sh --fast runs them alone
TEST_DB = os.environ.get("RUNPAD_TEST_DB", "runpad_test")
os.environ["RUNPAD_ENV"] = "test"
os.environ["RUNPAD_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{TEST_DB}"
os.environ.setdefault("RUNPAD_REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("RUNPAD_WORKER_NAME", f"pytest-{os.getpid()}")
os.environ.setdefault("RUNPAD_SECRET_KEY", "test-secret-key-for-the-suite")
os.environ.setdefault("RUNPAD_POOL_IDLE_SECONDS", "60")

import pytest  # noqa: E402

CATALOG = pytest.StashKey[str]()


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql],
        check=True,
        capture_output=True,
    )


def _needs_services(item: pytest.Item) -> bool:
    return UNIT not in Path(item.path).parents


def pytest_collection_finish(session: pytest.Session) -> None:
    """Before the first test (and after collection, which touches no service): a new test database
    and an empty Redis database, unless every collected test is in tests/unit."""
    if session.config.option.collectonly or not any(map(_needs_services, session.items)):
        return
    _psql(f"DROP DATABASE IF EXISTS {TEST_DB} WITH (FORCE)")
    _psql(f"CREATE DATABASE {TEST_DB}")
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, check=True, capture_output=True)
    from app.core.redis import redis_client
    from tests.engines import publish_base_images

    redis_client().flushdb()
    session.config.stash[CATALOG] = publish_base_images()


def pytest_terminal_summary(terminalreporter, config):
    if CATALOG in config.stash:
        terminalreporter.write_line(f"base catalog: {config.stash[CATALOG]}")


@pytest.fixture(scope="session")
def docker_ready():
    """The run network and firewall, as a worker sets them up at start."""
    from workers.runtime.network import ensure_run_network

    ensure_run_network()
    return True


@pytest.fixture(scope="session", autouse=True)
def celery_queue():
    """The test process acts as the web process: committed runs and builds go to Celery on Redis,
    as app.api.main sets up. A test whose subject is not the broker takes `memory_queue` instead."""
    from app.services import queue
    from workers.dispatch import CeleryQueue

    with queue.using(CeleryQueue()):
        yield


@pytest.fixture
def memory_queue():
    """An in-memory queue for this test: what services send is kept in `.sent` and reaches no worker."""
    from app.services import queue

    with queue.using(queue.Memory()) as memory:
        yield memory


@pytest.fixture
def restore_catalog():
    """Puts the base catalog back, with the real publish function, as the session published it (real
    ids when the workers' engine answered) once the test has changed or emptied it."""
    from sqlalchemy import delete, select

    from app.core.db import session
    from app.models import BaseImage
    from app.services import base_catalog

    with session() as s:
        before = list(s.scalars(select(BaseImage)))
    yield
    with session() as s:
        s.execute(delete(BaseImage))
        s.commit()
    for row in before:
        base_catalog.publish([base_catalog.Entry(row.runtime, row.image, row.digest, row.runner_digest)], row.worker)


@pytest.fixture
def empty_catalog(restore_catalog):
    """No worker has published anything yet."""
    from sqlalchemy import delete

    from app.core.db import session
    from app.models import BaseImage
    from app.services import base_catalog

    with session() as s:
        s.execute(delete(BaseImage))
        s.commit()
    base_catalog.forget()
