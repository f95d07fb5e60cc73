"""Run logs reach CloudWatch (moto in server mode on 127.0.0.1) through the real engine, and a
CloudWatch outage neither fails a run nor loses its lines."""

from __future__ import annotations

import time
import uuid

from app.services import logs
from tests.integration.helpers import tryout
from tests.support.actors import acting
from workers.shipping import LogShipper, Shipper

from .conftest import cloudwatch_messages

HANDLER = """
def handler(event, ctx):
    print("first line")
    print("")
    print("naïve café ✓")
    for i in range(40):
        print(f"line {i}")
    raise_it = event["body"]
    if raise_it:
        import sys
        print("to stderr", file=sys.stderr)
    return {"ok": True}
"""


def expected_messages(run) -> list[str]:
    return [line.line or " " for line in logs.read("run", run.id)]


def wait_until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_real_runs_lines_reach_cloudwatch_in_order(docker_ready, moto, log_group, empty_backlog):
    run = tryout("python", HANDLER, body=True)
    assert run.status == "succeeded", run.error
    shipper = Shipper()
    while shipper.ship_pending().claimed:
        pass
    sent = cloudwatch_messages(moto.client(), log_group, f"run/{run.id}")
    assert sent == expected_messages(run)
    start = sent.index("first line")  # a fresh database first logs the dependency build
    assert sent[start : start + 4] == ["first line", " ", "naïve café ✓", "line 0"] and "to stderr" in sent
    assert all(line.shipped for line in logs.read("run", run.id))


def test_runs_succeed_while_cloudwatch_is_down_and_the_backlog_ships_when_it_is_back(
    docker_ready, moto, log_group, empty_backlog
):
    shipper = LogShipper(interval=0.2, max_backoff=0.5)
    shipper.start()
    try:
        moto.stop()
        run = tryout("python", HANDLER, body=False)
        assert run.status == "succeeded", run.error
        wait_until(lambda: shipper.backoff.failures > 0)  # it has tried to ship this run's lines, and failed
        lines = logs.read("run", run.id)
        assert len(lines) >= 43 and not any(line.shipped for line in lines)

        moto.start()  # an empty CloudWatch: the group and the stream are made again
        wait_until(lambda: all(line.shipped for line in logs.read("run", run.id)))
    finally:
        shipper.stop(timeout=10)
        if moto.proc.poll() is not None:
            moto.start()
    assert cloudwatch_messages(moto.client(), log_group, f"run/{run.id}") == expected_messages(run)


def test_a_worker_process_ships_its_runs_on_its_own(docker_ready, moto, log_group, empty_backlog):
    from app.core.db import session
    from app.services import runs, versions
    from tests.support.worker_process import WorkerProcess
    from workers import dispatch

    worker = WorkerProcess(f"logs-worker-{uuid.uuid4().hex[:6]}").start()
    try:
        with session() as s:
            run = runs.create(
                s,
                versions.new_version(s, versions.base_for("python"), HANDLER, [], []),
                "tryout",
                False,
                workspace_id=acting().workspace_id,
            )
            s.commit()
        dispatch.enqueue_run(run.id, "tryout")
        assert runs.wait(run.id, timeout=60).status == "succeeded"
        wait_until(lambda: all(line.shipped for line in logs.read("run", run.id)))
    finally:
        worker.stop()
    assert cloudwatch_messages(moto.client(), log_group, f"run/{run.id}") == expected_messages(run)
