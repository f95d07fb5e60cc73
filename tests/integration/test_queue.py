"""The queue seam (app.services.queue): services commit, then send through it; a broker blip is
retried, an outage ends the committed run as failed, and a build that cannot be queued is kept for
its first run. Real PostgreSQL; the in-memory backend stands in for the broker, which is not the subject."""

import uuid

import pytest

from app.models import RunStatus
from app.services import builds, launch, queue, runs, scripts, users
from tests.support.actors import acting

CODE = "def handler(event, ctx):\n    return 1\n"


def owner():
    return users.create(f"queue-{uuid.uuid4().hex[:8]}@example.com", "queue password").id


def test_a_manual_run_is_committed_then_sent_once():
    uid = owner()
    with queue.using(queue.Memory()) as sent:
        saved = scripts.create(acting(uid), f"q-{uuid.uuid4()}", "python", CODE)
        run = launch.manual_run(acting(uid), saved.script.id, {"a": 1})
    assert sent.run_ids() == [run.id] and sent.sent[-1] == ("run", run.id, "manual")
    assert runs.get(run.id).status == RunStatus.queued  # committed: a worker would find it


def test_a_broker_blip_shorter_than_the_retries_loses_nothing():
    with queue.using(queue.Memory(failing=ConnectionError("blip"), times=len(queue.RETRY_DELAYS))) as sent:
        run = launch.tryout(acting(owner()), "python", CODE, [], [], {})
    assert sent.run_ids() == [run.id] and runs.get(run.id).status == RunStatus.queued


def test_a_broker_outage_ends_the_committed_run_as_failed_and_says_so():
    with queue.using(queue.Memory(failing=ConnectionError("Redis is unreachable"))) as sent:
        with pytest.raises(queue.QueueUnavailable, match="recorded as failed"):
            launch.tryout(acting(owner()), "python", CODE, [], [], {})
    assert sent.sent == []
    failed = runs.get(uuid.UUID(str(_latest_tryout_id())))
    assert failed.status == RunStatus.failed and "could not queue the run: Redis is unreachable" in failed.error


def _latest_tryout_id():
    from sqlalchemy import select

    from app.core.db import session
    from app.models import Run

    with session() as s:
        return s.scalars(select(Run.id).where(Run.trigger == "tryout").order_by(Run.queued_at.desc()).limit(1)).one()


def test_a_save_sends_its_build_until_a_worker_has_built_it():
    uid = owner()
    deps = [f"queue-seam-{uuid.uuid4().hex[:8]}==1.0"]  # a set no other test has
    with queue.using(queue.Memory()) as sent:
        first = scripts.create(acting(uid), f"q-{uuid.uuid4()}", "python", CODE, deps)
        builds.claim(first.build.id, "queue-test")
        builds.finish(first.build.id, image_ref="runpad/deps:queue-test", digest="sha256:0", lockfile="")
        again = scripts.create(acting(uid), f"q-{uuid.uuid4()}", "python", CODE + "\n", deps)
    assert first.build_queued and not again.build_queued and again.build.id == first.build.id
    assert sent.build_ids() == [first.build.id]


def test_a_save_whose_build_cannot_be_queued_is_kept_and_its_build_stays_queued():
    deps = [f"queue-seam-{uuid.uuid4().hex[:8]}==1.0"]
    with queue.using(queue.Memory(failing=ConnectionError("down"))):
        saved = scripts.create(acting(), f"q-{uuid.uuid4()}", "python", CODE, deps)
    assert scripts.get(acting(), saved.script.id).current_version == 1
    assert builds.get(saved.build.id).status == "queued"  # the first run of the version builds it


def test_without_an_installed_queue_a_send_says_what_is_missing():
    previous = queue.install(None)
    try:
        with pytest.raises(RuntimeError, match="no queue is installed"):
            queue.backend()
    finally:
        queue.install(previous)
