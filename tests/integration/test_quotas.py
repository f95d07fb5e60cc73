"""Concurrency quotas through a real worker (4 slots): a workspace never has more runs active than
its limit, runs over it wait and all finish, and another workspace's runs queued behind a backlog
start as soon as a slot frees, not after the backlog."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from app.core.db import session
from app.core.redis import redis_client
from app.models import Run
from app.services import access, launch, quotas, scripts, users
from tests.support.actors import acting, new_user
from tests.support.queued import end_leftover_queued_runs
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.usefixtures("docker_ready")
SLOW = "export default async (event) => { await new Promise((r) => setTimeout(r, 2500)); return event.body; };"


@pytest.fixture(scope="module")
def worker():
    r = redis_client()
    for key in r.scan_iter(match=quotas.SLOTS_PREFIX + "*"):  # workers of earlier modules, not yet lapsed
        r.delete(key)
    end_leftover_queued_runs()
    w = WorkerProcess(f"quota-worker-{uuid.uuid4().hex[:6]}", concurrency=4).start()
    yield w
    w.stop()


def set_quota(where: access.Access, runs: int) -> None:
    root = users.create(f"root-{uuid.uuid4().hex[:8]}@example.com", "a long enough password", True)
    quotas.change(access.actor_of(root), where.slug, {"max_concurrent_runs": runs})


def start(where: access.Access, script_id: uuid.UUID, n: int) -> list[uuid.UUID]:
    return [launch.manual_run(where, script_id, {"i": i}).id for i in range(n)]


def finished(run_ids: list[uuid.UUID], timeout: float = 180) -> list[Run]:
    deadline = time.monotonic() + timeout
    while True:
        with session() as s:
            rows = list(s.scalars(select(Run).where(Run.id.in_(run_ids))))
        if all(r.finished_at for r in rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def most_at_once(rows: list[Run]) -> int:
    """The most of these runs that were active (claimed, not yet finished) at the same moment."""
    edges = sorted([(r.started_at, 1) for r in rows] + [(r.finished_at, -1) for r in rows])
    now = top = 0
    for _, step in edges:
        now += step
        top = max(top, now)
    return top


def test_a_workspace_runs_at_most_its_quota_at_once_and_every_run_finishes(worker):
    team = acting(new_user("quota"))
    set_quota(team, 2)
    saved = scripts.create(team, "slow", "node", SLOW)
    rows = finished(start(team, saved.script.id, 6))
    assert [r.status for r in rows] == ["succeeded"] * 6, [r.error for r in rows]
    assert most_at_once(rows) == 2
    assert quotas.usage(team).waiting_runs == 0


def test_another_workspaces_runs_are_not_stuck_behind_a_backlog(worker):
    busy, other = acting(new_user("busy")), acting(new_user("other"))
    set_quota(busy, 4)  # alone, it may take every slot
    backlog = start(busy, scripts.create(busy, "slow", "node", SLOW).script.id, 8)
    deadline = time.monotonic() + 120
    while quotas.usage(busy).active_runs < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert quotas.usage(busy).active_runs == 4  # the whole worker
    theirs = start(other, scripts.create(other, "slow", "node", SLOW).script.id, 2)

    busy_rows, their_rows = finished(backlog), finished(theirs)
    assert {r.status for r in busy_rows + their_rows} == {"succeeded"}
    fifth = sorted(r.started_at for r in busy_rows)[4]  # the backlog's first run after the others arrived
    assert all(r.started_at < fifth for r in their_rows)
    assert most_at_once(busy_rows) <= 4
