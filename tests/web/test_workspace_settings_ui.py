"""The Workspace page's state, driven as a browser tab drives it: an admin sees which connection runs
use, connects the workspace's own Infisical, tests it and disconnects; an operator sees why not and
nothing of the connection. A local Infisical the real SDK talks to."""

from __future__ import annotations

import asyncio

import pytest

from app.integrations import infisical
from app.models import Role
from state.auth import AuthState
from state.workspace_settings import WorkspaceSettingsState
from tests.integration.infisical_server import FakeInfisical
from tests.secrets.support import CLIENT_ID, CLIENT_SECRET, ENV, PROJECT, use_infisical
from tests.support.actors import in_workspace, new_user, shared_workspace
from tests.web.tabs import sub, tab
from tests.web.test_scripts_ui import run

TEAM = {"client_id": "team-identity", "project_id": "team-project", "environment": "dev", "secret_path": "/app"}
TEAM_SECRET = "team-client-secret-value"


@pytest.fixture
def fake():
    with FakeInfisical() as api:
        api.add_identity(CLIENT_ID, CLIENT_SECRET)
        api.add_identity(TEAM["client_id"], TEAM_SECRET)
        api.add_folder(PROJECT, ENV, "/")
        api.add_secret(TEAM["project_id"], "dev", "/app", "TEAM_KEY", "v")
        yield api
    infisical.unconfigure()


def page_as(user, slug: str) -> WorkspaceSettingsState:
    root = tab(user.id, "/workspace")
    sub(root, AuthState).workspace = slug
    state = sub(root, WorkspaceSettingsState)
    asyncio.run(run(WorkspaceSettingsState.load, state))
    return state


def test_an_admin_connects_tests_and_disconnects_the_workspace_connection(fake):
    admin = new_user("ws-admin")
    slug = shared_workspace(admin)
    state = page_as(admin, slug)
    assert state.admin and state.uses == "none" and "built-in store" in state.uses_text

    use_infisical(fake.url)
    asyncio.run(run(WorkspaceSettingsState.load, state))
    assert state.uses == "default" and f"project {PROJECT}, environment '{ENV}', path '/'" in state.uses_text
    assert not state.infisical_configured and state.infisical["secret_path"] == "/"

    form = {**TEAM, "site_url": fake.url, "client_secret": ""}
    asyncio.run(run(WorkspaceSettingsState.save_infisical, state, form))
    assert state.messages["infisical"] == "Not saved: the Infisical client secret is required"
    assert state.failed["infisical"] and not state.infisical_configured

    asyncio.run(run(WorkspaceSettingsState.save_infisical, state, {**form, "client_secret": TEAM_SECRET}))
    assert state.messages["infisical"].startswith("Saved") and not state.failed["infisical"]
    assert state.uses == "own" and state.infisical_configured and state.infisical_secret_set
    assert state.infisical == {**TEAM, "site_url": fake.url}
    assert TEAM_SECRET not in repr(state.dict())

    asyncio.run(run(WorkspaceSettingsState.test_infisical, state))
    tested = state.messages["infisical-test"]
    assert tested.endswith("1 secret(s) in project team-project, environment 'dev', path '/app'"), tested

    asyncio.run(run(WorkspaceSettingsState.disconnect_infisical, state))
    assert state.uses == "default" and not state.infisical_configured
    assert state.messages["infisical"].startswith("Disconnected. Runs in this workspace use the installation's default")
    assert infisical.config(in_workspace(admin, slug).workspace_id)["configured"] is False


def test_an_operator_sees_why_not_and_nothing_of_the_connection(fake):
    admin, operator = new_user("ws-admin"), new_user("ws-operator")
    slug = shared_workspace(admin, [(operator, Role.operator)])
    form = {**TEAM, "site_url": fake.url, "client_secret": TEAM_SECRET}
    asyncio.run(run(WorkspaceSettingsState.save_infisical, page_as(admin, slug), form))

    state = page_as(operator, slug)
    assert not state.admin and state.refused.startswith(f"Your role in workspace '{slug}' is operator")
    assert "team-project" not in repr(state.dict()) and fake.url not in repr(state.dict())
    asyncio.run(run(WorkspaceSettingsState.disconnect_infisical, state))
    assert state.messages["infisical"].startswith("Not disconnected: your role in workspace")
    assert infisical.config(in_workspace(admin, slug).workspace_id)["configured"] is True
