"""Many runs queued at once (dispatch.enqueue_runs): the messages are what send_task writes, they go
to Redis in one command, and a real Celery worker runs them."""

from __future__ import annotations

import base64
import json
import threading
import uuid

import pytest

from app.core.db import session
from app.core.redis import redis_client
from app.services import runs, versions
from tests.support.actors import acting
from tests.support.worker_process import WorkerProcess
from workers import dispatch, tasks  # noqa: F401  (registers the task names for send_task)
from workers.celery_app import celery

ID_FIELDS = (
    ("headers", "id"),
    ("headers", "root_id"),
    ("properties", "correlation_id"),
    ("properties", "delivery_tag"),
)


@pytest.fixture
def empty_tryout():
    dispatch.purge(("tryout",))
    yield
    dispatch.purge(("tryout",))


def popped(queue: str) -> list[dict]:
    """The queue's messages as a worker takes them (kombu BRPOPs: oldest first)."""
    r, out = redis_client(), []
    while (raw := r.rpop(queue)) is not None:
        out.append(json.loads(raw))
    return out


def without_ids(message: dict) -> dict:
    message = json.loads(json.dumps(message))
    for part, field in ID_FIELDS:
        message[part][field] = None
    return message


def test_a_pipelined_message_is_what_send_task_writes_apart_from_its_ids(empty_tryout):
    run_id = uuid.uuid4()
    celery.send_task("runpad.run", args=[str(run_id)], queue="tryout")
    [sent] = popped("tryout")
    dispatch.enqueue_runs([run_id, uuid.uuid4()], "tryout")
    pipelined, other = popped("tryout")
    assert without_ids(pipelined) == without_ids(sent)
    assert json.loads(base64.b64decode(pipelined["body"]))[0] == [str(run_id)]
    assert pipelined["headers"]["argsrepr"] == repr([str(run_id)])  # what the drills read
    for part, field in ID_FIELDS:  # every message its own task id and delivery tag (kombu acks by tag)
        assert pipelined[part][field] not in (None, sent[part][field], other[part][field])


def lpushes_to(queue: str, db: int, action) -> list[str]:
    """The LPUSH commands Redis received for `queue` in `db` while `action` ran (by MONITOR, which
    sees every client; the echo marks the end)."""
    marker, seen, ready = f"end-{uuid.uuid4().hex}", [], threading.Event()

    def watch() -> None:
        with redis_client().monitor() as monitor:
            ready.set()
            while marker not in (command := monitor.next_command())["command"]:
                if command["db"] == db and command["command"].startswith(f"LPUSH {queue} "):
                    seen.append(command["command"])

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ready.wait(10)
    action()
    redis_client().echo(marker)
    watcher.join(30)
    assert not watcher.is_alive()
    return seen


def test_a_thousand_runs_reach_redis_in_one_command(empty_tryout):
    ids = [uuid.uuid4() for _ in range(1000)]
    db = redis_client().connection_pool.connection_kwargs.get("db", 0)
    commands = lpushes_to("tryout", db, lambda: dispatch.enqueue_runs(ids, "tryout"))
    assert len(commands) == 1
    queued = [uuid.UUID(m["headers"]["argsrepr"].strip("[]'")) for m in popped("tryout")]
    assert queued == ids  # in order, each once


def test_enqueue_runs_of_nothing_sends_nothing(empty_tryout):
    dispatch.enqueue_runs([], "tryout")
    assert popped("tryout") == []


@pytest.mark.usefixtures("docker_ready")
def test_a_celery_worker_runs_the_pipelined_messages_of_both_queues(empty_tryout):
    base = versions.base_for("python")
    with session() as s:
        version = versions.new_version(s, base, "def handler(e, c):\n    return e['body'] * 2\n", [], [])
        made = [runs.create(s, version, "tryout", i, workspace_id=acting().workspace_id) for i in range(4)]
        s.commit()
    worker = WorkerProcess(f"test-dispatch-{uuid.uuid4().hex[:8]}").start()
    try:
        dispatch.enqueue_runs([r.id for r in made[:2]], "tryout")  # the tryout queue
        dispatch.enqueue_runs([r.id for r in made[2:]], "schedule")  # the runs queue
        done = [runs.wait(r.id, timeout=90) for r in made]
    finally:
        worker.stop()
    assert [(d.status, d.result, d.worker) for d in done] == [("succeeded", i * 2, worker.name) for i in range(4)]
