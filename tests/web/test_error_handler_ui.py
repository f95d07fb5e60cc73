"""The Error handler card of the Workspace page, as a tab drives it: an admin picks one of the
workspace's scripts and clears it again; a developer is refused; another workspace's script is not
found. The REST routes are in tests/api/test_error_handler.py."""

from __future__ import annotations

import asyncio

from app.models import Role
from app.services import error_handler, scripts
from state.auth import AuthState
from state.error_handler_card import NONE, ErrorHandlerState
from tests.support.actors import acting, in_workspace, new_user, shared_workspace
from tests.web.tabs import sub, tab
from tests.web.test_scripts_ui import run

NODE = "export default (event) => event.body;"


def card_as(user, slug: str) -> ErrorHandlerState:
    root = tab(user.id, "/workspace")
    sub(root, AuthState).workspace = slug
    state = sub(root, ErrorHandlerState)
    asyncio.run(run(ErrorHandlerState.load, state))
    return state


def test_an_admin_chooses_and_clears_the_handler():
    admin = new_user("handler-card")
    slug = shared_workspace(admin)
    saved = scripts.create(in_workspace(admin, slug), "alert the team", "node", NODE)
    state = card_as(admin, slug)
    assert state.chosen == NONE and state.choices == [{"id": str(saved.script.id), "name": "alert the team"}]

    asyncio.run(run(ErrorHandlerState.choose, state, str(saved.script.id)))
    assert not state.failed and state.message == "Failures now start alert the team."
    assert error_handler.current(in_workspace(admin, slug)).id == saved.script.id
    assert card_as(admin, slug).chosen == str(saved.script.id)

    asyncio.run(run(ErrorHandlerState.choose, state, NONE))
    assert state.chosen == NONE and error_handler.current(in_workspace(admin, slug)) is None


def test_a_developer_is_refused_and_another_workspaces_script_is_not_found():
    admin, developer = new_user("handler-card"), new_user("handler-dev")
    slug = shared_workspace(admin, [(developer, Role.developer)])
    mine = scripts.create(in_workspace(admin, slug), "mine", "node", NODE)
    theirs = scripts.create(acting(new_user("elsewhere")), "theirs", "node", NODE)

    state = card_as(developer, slug)
    asyncio.run(run(ErrorHandlerState.choose, state, str(mine.script.id)))
    assert state.failed and "you need admin" in state.message

    state = card_as(admin, slug)
    asyncio.run(run(ErrorHandlerState.choose, state, str(theirs.script.id)))
    assert state.failed and "no script" in state.message
    asyncio.run(run(ErrorHandlerState.choose, state, "not-an-id"))
    assert state.failed and "choose one of the workspace's scripts" in state.message
    assert error_handler.current(in_workspace(admin, slug)) is None
