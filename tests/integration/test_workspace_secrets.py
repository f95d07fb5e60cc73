"""A run gets only its own workspace's secrets, whatever started it: a hook call, a schedule tick, a
manual run. The same name in two workspaces is two values; a name only another workspace has fails
the run before any container starts. Real worker code (engine.execute_run) and Docker."""

from __future__ import annotations

import uuid

import pytest

from app.core.db import session
from app.models import Role
from app.services import runs, scripts, secrets, users
from tests.support.actors import in_workspace, shared_workspace
from tests.support.scripts import built_script
from workers import engine

# the value's first letter: "a" or "b", which tells the values apart without being redacted as a secret
CODE = "export default () => ({ first: (process.env.SHARED_NAME ?? '').slice(0, 1) });"


@pytest.fixture(scope="module")
def two_workspaces():
    def person():
        return users.create(f"ws-{uuid.uuid4().hex[:8]}@example.com", "a long enough password")

    a_admin, b_admin = person(), person()
    a = in_workspace(a_admin, shared_workspace(a_admin, []))
    b = in_workspace(b_admin, shared_workspace(b_admin, [(person(), Role.developer)]))
    secrets.put(a, "SHARED_NAME", "a-value")
    secrets.put(b, "SHARED_NAME", "b-value")
    secrets.put(b, "ONLY_IN_B", "b-only")
    return a, b


def run_of(script: scripts.Saved, trigger: str) -> object:
    """A run of the script as that trigger would make it, executed here as a worker would."""
    with session() as s:
        event = {"trigger": trigger, "body": None, "run_id": ""}
        made = runs.create(s, script.version, trigger, script=script.script, event=event)
        s.commit()
    engine.execute_run(made.id)
    return runs.get(made.id)


@pytest.mark.parametrize("trigger", ["http", "schedule", "manual"])
def test_each_workspace_gets_its_own_value_of_one_name(two_workspaces, trigger):
    a, b = two_workspaces
    in_a = built_script(a, f"a-{uuid.uuid4().hex[:6]}", "node", CODE, [], ["SHARED_NAME"], network=False)
    in_b = built_script(b, f"b-{uuid.uuid4().hex[:6]}", "node", CODE, [], ["SHARED_NAME"], network=False)
    ran_a, ran_b = run_of(in_a, trigger), run_of(in_b, trigger)
    assert (ran_a.status, ran_b.status) == ("succeeded", "succeeded"), (ran_a.error, ran_b.error)
    assert ran_a.result == {"first": "a"} and ran_b.result == {"first": "b"}
    assert ran_a.workspace_id == a.workspace_id and ran_b.workspace_id == b.workspace_id
    assert secrets.resolve(a.workspace_id, ["SHARED_NAME"]) == {"SHARED_NAME": "a-value"}


def test_a_name_only_another_workspace_has_fails_before_any_container(two_workspaces):
    a, _ = two_workspaces
    saved = built_script(a, f"a-{uuid.uuid4().hex[:6]}", "node", CODE, [], ["ONLY_IN_B"], network=False)
    ran = run_of(saved, "http")
    assert ran.status == "failed" and "ONLY_IN_B" in ran.error and ran.container_id is None
    assert "b-only" not in (ran.error or "")
