"""Fault drills: each test breaks something real (kills a worker or a scheduler, restarts Redis,
PostgreSQL or dockerd, floods the hooks endpoint) and checks what docs/reliability.md promises.

Run them alone with `pytest tests/reliability` (or `-m reliability`; `-m "not reliability"` leaves
them out). Every test here carries the `reliability` marker. Each drill starts the service it
stopped again in a `finally` and waits until it answers, so later tests find the machine as it was.
The figures each drill measures are printed at the end of the run and written to
$RUNPAD_DRILL_FIGURES (default /tmp/runpad-reliability-figures.json)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from tests.reliability import services
from tests.support.api_process import HOOKS_APP, ApiProcess
from tests.support.scheduler_process import SchedulerProcess
from tests.support.worker_process import WorkerProcess

HERE = Path(__file__).resolve().parent
FIGURES: dict[str, dict] = {}


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "reliability: fault drills in tests/reliability (restart PostgreSQL, Redis, "
        "dockerd; kill workers and schedulers; load the hooks endpoint)",
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.reliability)


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section("reliability drill figures")
    for drill, values in FIGURES.items():
        terminalreporter.write_line(f"{drill}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    path = Path(os.environ.get("RUNPAD_DRILL_FIGURES", "/tmp/runpad-reliability-figures.json"))
    path.write_text(json.dumps(FIGURES, indent=2, default=str))


@pytest.fixture
def figures(request):
    """record(**values): figures of this drill, printed in the summary."""
    name = request.node.name

    def record(**values):
        FIGURES.setdefault(name, {}).update(values)

    return record


@pytest.fixture(autouse=True)
def services_answer_afterwards():
    """A drill that forgot to start a service again would break every test after it: check."""
    yield
    services.ensure_redis()
    services.ensure_postgres()
    services.ensure_dockerd()


@pytest.fixture
def start_worker(docker_ready):
    """start_worker(prefix) → a running Celery worker process with a new name; stopped afterwards."""
    started: list[WorkerProcess] = []

    def start(prefix: str = "drill-worker", **kw) -> WorkerProcess:
        worker = WorkerProcess(f"{prefix}-{uuid.uuid4().hex[:6]}", **kw).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def start_scheduler():
    started: list[SchedulerProcess] = []

    def start(prefix: str = "drill-scheduler", **env) -> SchedulerProcess:
        scheduler = SchedulerProcess(f"{prefix}-{uuid.uuid4().hex[:6]}", **env).start()
        started.append(scheduler)
        return scheduler

    yield start
    for scheduler in started:
        scheduler.stop()


@pytest.fixture
def web():
    """The hooks origin (app.api.hooks_app), where the drills send their hook calls. The drills measure
    throughput (test_hook_load sends 2,000 calls to one hook as fast as it can), not the per-hook rate
    limit of 50 calls a second, which tests/hooks covers."""
    server = ApiProcess(
        f"drill-web-{uuid.uuid4().hex[:6]}", app=HOOKS_APP, env={"RUNPAD_HOOK_RATE_PER_SECOND": "100000"}
    ).start()
    yield server
    server.stop()
