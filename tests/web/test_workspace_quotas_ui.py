"""The Quotas card of the Workspace page, driven as a tab drives it: a member sees the quotas and what
is in use; only an installation admin saves new ones, and blank puts one back to the default."""

from __future__ import annotations

import asyncio
import uuid

from app.models import Role
from app.services import users, workspaces
from state.auth import AuthState
from state.workspace_quotas import WorkspaceQuotasState
from tests.support.actors import in_workspace, new_user, shared_workspace
from tests.web.tabs import sub, tab
from tests.web.test_scripts_ui import run


def card_as(user, slug: str) -> WorkspaceQuotasState:
    root = tab(user.id, "/workspace")
    sub(root, AuthState).workspace = slug
    state = sub(root, WorkspaceQuotasState)
    asyncio.run(run(WorkspaceQuotasState.load, state))
    return state


def by_field(state: WorkspaceQuotasState) -> dict[str, dict[str, str]]:
    return {row["field"]: row for row in state.rows}


def test_a_workspace_admin_sees_the_quotas_but_cannot_raise_them():
    admin = new_user("quota-card")
    slug = shared_workspace(admin)
    state = card_as(admin, slug)
    rows = by_field(state)
    assert rows["max_scripts"]["source"] == "default" and rows["max_scripts"]["in_use"] == "0 saved"
    assert rows["max_concurrent_runs"]["in_use"] == "0 running, 0 waiting"

    asyncio.run(run(WorkspaceQuotasState.save, state, {"max_scripts": "9999"}))
    assert state.failed and "only installation admins" in state.message
    assert by_field(card_as(admin, slug))["max_scripts"]["source"] == "default"


def test_an_installation_admin_sets_a_quota_and_blank_puts_it_back():
    admin = new_user("quota-card")
    slug = shared_workspace(admin)
    root_user = users.create(f"root-{uuid.uuid4().hex[:8]}@runpad.local", "a long enough password", True)
    workspaces.set_member(in_workspace(admin, slug), root_user.id, Role.admin)
    state = card_as(root_user, slug)
    asyncio.run(run(WorkspaceQuotasState.save, state, {"max_scripts": "7", "min_schedule_seconds": " "}))
    assert not state.failed and state.message == "Saved."
    rows = by_field(state)
    assert rows["max_scripts"] == {**rows["max_scripts"], "value": "7", "own": "7", "source": "this workspace"}
    assert rows["min_schedule_seconds"]["source"] == "default"

    asyncio.run(run(WorkspaceQuotasState.save, state, {"max_scripts": "seven"}))
    assert state.failed and "whole number" in state.message
    asyncio.run(run(WorkspaceQuotasState.save, state, {"max_scripts": ""}))
    assert by_field(state)["max_scripts"]["source"] == "default"
