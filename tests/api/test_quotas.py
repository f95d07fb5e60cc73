"""Per-workspace quotas without a worker: saves that cannot fit are refused naming the quota, a run
over its workspace's concurrency limit is held (not lost: the requeue sweep leaves it alone) and is
sent again when a run of its workspace ends, and only installation admins change quotas."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from app.core.db import session
from app.models import Run, RunStatus, Workspace
from app.services import access, quotas, requeue, runs, scripts, tokens, users
from tests.api.conftest import PASSWORD
from tests.support.actors import acting, in_workspace, new_user, shared_workspace
from tests.support.queued import end_leftover_queued_runs

NODE = "export default (event) => event.body;"


def admin_actor() -> access.Actor:
    made = users.create(f"root-{uuid.uuid4().hex[:8]}@example.com", PASSWORD, True)
    return access.actor_of(made)


@pytest.fixture
def team():
    """A fresh workspace (its admin acting) with nothing in it."""
    admin = new_user("quota-admin")
    slug = shared_workspace(admin)
    return in_workspace(admin, slug)


def set_quotas(where: access.Access, **values) -> None:
    quotas.change(admin_actor(), where.slug, values)


def test_a_save_over_the_most_scripts_is_refused_naming_the_quota(team):
    set_quotas(team, max_scripts=2)
    scripts.create(team, "one", "node", NODE)
    scripts.create(team, "two", "node", NODE)
    with pytest.raises(quotas.QuotaExceeded, match="2 scripts, its quota"):
        scripts.create(team, "three", "node", NODE)
    assert quotas.usage(team).scripts == 2
    set_quotas(team, max_scripts=None)  # back to the default: fits again
    scripts.create(team, "three", "node", NODE)


@pytest.mark.parametrize(
    "trigger,fits",
    [
        ({"type": "schedule", "interval_seconds": 30}, False),
        ({"type": "schedule", "cron": "*/10 * * * * *"}, False),  # every 10 s
        ({"type": "schedule", "cron": "0,30 * * * * *"}, False),  # 30 s apart
        ({"type": "schedule", "interval_seconds": 60}, True),
        ({"type": "schedule", "cron": "* * * * *"}, True),
        ({"type": "http"}, True),
    ],
)
def test_a_schedule_faster_than_the_quota_is_refused(team, trigger, fits):
    set_quotas(team, min_schedule_seconds=60)
    if fits:
        scripts.create(team, "ok", "node", NODE, trigger=trigger)
        return
    with pytest.raises(quotas.ScheduleTooFast, match="at most one run every 60 s"):
        scripts.create(team, "too fast", "node", NODE, trigger=trigger)
    saved = scripts.create(team, "slow", "node", NODE, trigger={"type": "schedule", "interval_seconds": 3600})
    with pytest.raises(quotas.ScheduleTooFast):  # changing the trigger is checked too
        scripts.update(team, saved.script.id, {"trigger": trigger})


def queued_run(where: access.Access) -> uuid.UUID:
    saved = scripts.create(where, f"r-{uuid.uuid4().hex[:6]}", "node", NODE)
    with session() as s:
        run = runs.create(s, saved.version, "manual", {}, script=saved.script)
        s.commit()
        return run.id


def test_a_run_over_the_concurrency_quota_waits_and_is_woken_when_one_ends(team):
    set_quotas(team, max_concurrent_runs=1)
    first, second = queued_run(team), queued_run(team)
    assert runs.claim(first, "w1", share_slots=True) is not None
    with pytest.raises(runs.Held):
        runs.claim(second, "w1", share_slots=True)
    with session() as s:
        held = s.get_one(Run, second)
    assert held.status == RunStatus.queued and held.waiting_since is not None
    assert quotas.usage(team).waiting_runs == 1
    # not lost: the requeue sweep leaves it to quotas.wake, however long it waits
    later = held.queued_at + timedelta(hours=1)
    assert second not in [run_id for run_id, _ in requeue.stale_queued(timedelta(seconds=1), ["manual"], later)]

    sent: list[tuple[uuid.UUID, str]] = []
    assert quotas.wake(lambda run_id, trigger: sent.append((run_id, trigger)), team.workspace_id) == []  # still full
    runs.finish(first, RunStatus.succeeded)
    assert quotas.wake(lambda run_id, trigger: sent.append((run_id, trigger)), team.workspace_id) == [second]
    assert sent == [(second, "manual")]
    assert runs.claim(second, "w1", share_slots=True) is not None  # its turn now


def test_another_workspaces_runs_do_not_count(team):
    set_quotas(team, max_concurrent_runs=1)
    other = acting(new_user("other"))
    mine, theirs = queued_run(team), queued_run(other)
    assert runs.claim(mine, "w1", share_slots=True) is not None
    assert runs.claim(theirs, "w1", share_slots=True) is not None


def test_with_others_waiting_a_workspace_gets_its_fair_share_of_the_slots(team, monkeypatch):
    monkeypatch.setattr(quotas, "total_slots", lambda: 4)
    end_leftover_queued_runs()
    set_quotas(team, max_concurrent_runs=10)
    ids = [queued_run(team) for _ in range(3)]
    assert all(runs.claim(i, "w1", share_slots=True) for i in ids[:2])  # alone: past half the slots
    other = acting(new_user("waiting"))
    theirs = queued_run(other)  # someone else wants a slot now: 4 slots / 2 workspaces
    with pytest.raises(runs.Held):
        runs.claim(ids[2], "w1", share_slots=True)
    assert runs.claim(theirs, "w1", share_slots=True)  # theirs starts though the team's was first
    runs.finish(theirs, RunStatus.succeeded)
    assert quotas.wake(lambda *_: None, team.workspace_id) == [ids[2]]  # nobody else waits: the team's turn
    assert runs.claim(ids[2], "w1", share_slots=True)


def test_quotas_over_the_api(base_url, team):
    def client(user) -> httpx.Client:
        _, token = tokens.issue(user.id)
        return httpx.Client(base_url=f"{base_url}/api/v1", headers={"authorization": f"Bearer {token}"}, timeout=30)

    root = users.create(f"root-{uuid.uuid4().hex[:8]}@example.com", PASSWORD, True)
    with client(users.get(team.user_id)) as member, client(root) as installation_admin:
        r = member.get(f"/workspaces/{team.slug}/quotas")
        assert r.status_code == 200, r.text
        assert r.json()["own"] == {"max_concurrent_runs": None, "min_schedule_seconds": None, "max_scripts": None}
        r = member.put(f"/workspaces/{team.slug}/quotas", json={"max_concurrent_runs": 50})
        assert r.status_code == 403 and "installation admins" in r.json()["message"]  # not their own admin
        r = installation_admin.put(
            f"/workspaces/{team.slug}/quotas", json={"max_scripts": 1, "min_schedule_seconds": 5}
        )
        assert r.status_code == 200, r.text
        assert r.json()["max_scripts"] == 1 and r.json()["own"]["min_schedule_seconds"] == 5
        assert installation_admin.put(f"/workspaces/{team.slug}/quotas", json={"max_scripts": 0}).status_code == 422
        assert installation_admin.put("/workspaces/no-such-team/quotas", json={"max_scripts": 3}).status_code == 404
        in_team = {"x-runpad-workspace": team.slug}
        member.post("/scripts", json={"name": "a", "runtime": "node", "code": NODE}, headers=in_team).raise_for_status()
        r = member.post("/scripts", json={"name": "b", "runtime": "node", "code": NODE}, headers=in_team)
        assert r.status_code == 409 and "its quota" in r.json()["message"], r.text
    with session() as s:
        s.execute(update(Workspace).where(Workspace.id == team.workspace_id).values(max_scripts=None))
        s.commit()
