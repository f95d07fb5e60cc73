"""Reflex states and the session: every data event checks the tab's session (from its websocket's cookie)
against the database and sends the tab to /login once it is gone; a tab whose session ended or changed
is emptied before its next page load; the landing page shows a visitor nothing. Real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from reflex_base.event import Event

from app.services import scripts, secrets, sessions, users
from app.views.run_views import log_row
from state.all_runs import AllRunsState
from state.audit import AuditState
from state.auth import AuthState, SessionBinding, SessionEnded, on_backend_exception, reset_unless_bound
from state.draft import STARTERS, DraftState
from state.editor import EditorState
from state.error_handler_card import ErrorHandlerState
from state.run import RunState
from state.runs import RunsState
from state.scripts import ScriptsState
from state.secrets import SecretsState
from state.settings import SettingsState
from state.tokens import TokensState
from state.trigger import TriggerState
from state.tryout import TryoutState
from state.versions import VersionsState
from state.workspace_quotas import WorkspaceQuotasState
from state.workspace_settings import WorkspaceSettingsState
from tests.support.actors import acting
from tests.web.tabs import navigate, sub, tab
from tests.web.test_scripts_ui import run


def new_user() -> uuid.UUID:
    return users.create(f"sc-{uuid.uuid4().hex[:10]}@example.com", "a long enough password").id


def redirect_target(spec) -> str:
    """Where an rx.redirect(...) sends the tab."""
    (path,) = [value for name, value in spec.args if str(name) == "path"]
    return json.loads(str(path))


def ended(kind: str, user_id: uuid.UUID) -> str:
    """A session token that no longer works: revoked (logged out elsewhere), or never issued."""
    if kind == "made_up":
        return "not-a-session"
    token = sessions.start(user_id)
    sessions.logout(token)
    return token


# Handlers of every state module under state/ that reads or changes data.
HANDLERS = [
    (ScriptsState, ScriptsState.load, (), "/scripts"),
    (EditorState, EditorState.load, (), "/scripts/new"),
    (EditorState, EditorState.save, (), "/scripts/new"),
    (EditorState, EditorState.delete, (), "/scripts/new"),
    (EditorState, EditorState.save_draft, (), "/scripts/new"),
    (EditorState, EditorState.deploy, (), "/scripts/new"),
    (TriggerState, TriggerState.rotate_hook, (), "/scripts/new"),
    (TryoutState, TryoutState.run, (), "/scripts/new"),
    (TryoutState, TryoutState.cancel, (), "/scripts/new"),
    (RunsState, RunsState.load, (), f"/scripts/{uuid.uuid4()}/runs"),
    (RunsState, RunsState.run_now, (), f"/scripts/{uuid.uuid4()}/runs"),
    (RunState, RunState.load, (), f"/runs/{uuid.uuid4()}"),
    (RunState, RunState.cancel, (), f"/runs/{uuid.uuid4()}"),
    (RunState, RunState.rerun, (), f"/runs/{uuid.uuid4()}"),
    (AllRunsState, AllRunsState.load, (), "/runs"),
    (AllRunsState, AllRunsState.filter_by, ("status", "failed"), "/runs"),
    (AllRunsState, AllRunsState.clear_filters, (), "/runs"),
    (AllRunsState, AllRunsState.show_older, (), "/runs"),
    (AllRunsState, AllRunsState.show_newer, (), "/runs"),
    (VersionsState, VersionsState.load, (), f"/scripts/{uuid.uuid4()}/versions"),
    (VersionsState, VersionsState.restore, (), f"/scripts/{uuid.uuid4()}/versions"),
    (VersionsState, VersionsState.deploy, (), f"/scripts/{uuid.uuid4()}/versions"),
    (SecretsState, SecretsState.load, (), "/secrets"),
    (SecretsState, SecretsState.save, ({"name": "SC_LEAK", "value": "x"},), "/secrets"),
    (SecretsState, SecretsState.delete, (), "/secrets"),
    (SettingsState, SettingsState.load, (), "/settings"),
    (SettingsState, SettingsState.save_limits, ({"timeout_seconds": "5", "memory_mb": "128"},), "/settings"),
    (SettingsState, SettingsState.test_infisical, (), "/settings"),
    (AuditState, AuditState.load, (), "/audit"),
    (AuditState, AuditState.choose_scope, ("installation",), "/audit"),
    (WorkspaceSettingsState, WorkspaceSettingsState.load, (), "/workspace"),
    (WorkspaceSettingsState, WorkspaceSettingsState.save_infisical, ({"client_secret": "SC_LEAK"},), "/workspace"),
    (WorkspaceSettingsState, WorkspaceSettingsState.test_infisical, (), "/workspace"),
    (WorkspaceSettingsState, WorkspaceSettingsState.disconnect_infisical, (), "/workspace"),
    (WorkspaceQuotasState, WorkspaceQuotasState.load, (), "/workspace"),
    (ErrorHandlerState, ErrorHandlerState.load, (), "/workspace"),
    (ErrorHandlerState, ErrorHandlerState.choose, ("none",), "/workspace"),
    (WorkspaceQuotasState, WorkspaceQuotasState.save, ({"max_scripts": "5"},), "/workspace"),
    (TokensState, TokensState.load, (), "/settings/tokens"),
    (TokensState, TokensState.create, ({"name": "SC_LEAK", "expires_in_days": "7"},), "/settings/tokens"),
    (TokensState, TokensState.revoke, (str(uuid.uuid4()),), "/settings/tokens"),
]


@pytest.mark.parametrize("kind", ["revoked", "made_up"])
@pytest.mark.parametrize("cls,handler,args,path", HANDLERS, ids=[h[1].fn.__qualname__ for h in HANDLERS])
def test_a_data_event_of_an_ended_session_does_nothing_and_ends_in_the_login(cls, handler, args, path, kind):
    owner = new_user()
    root = tab(None, path, token=ended(kind, owner))
    with pytest.raises(SessionEnded) as stopped:
        asyncio.run(run(handler, sub(root, cls), *args))
    assert stopped.value.path == path
    assert "SC_LEAK" not in secrets.names(acting().workspace_id)
    redirect = on_backend_exception(stopped.value)  # what the app answers the tab with
    expected = "/login" if path == "/scripts" else f"/login?next={path.replace('/', '%2F')}"
    assert redirect_target(redirect) == expected


def test_a_tab_on_a_live_session_works_until_it_is_logged_out_elsewhere():
    alice = new_user()
    scripts.create(acting(alice), "mine", "node", STARTERS["node"])
    token = sessions.start(alice)
    root = tab(None, "/scripts", token=token)
    state = sub(root, ScriptsState)
    asyncio.run(run(ScriptsState.load, state))
    assert [row["name"] for row in state.rows] == ["mine"]
    sessions.logout(token)  # e.g. the Log out button of another tab
    with pytest.raises(SessionEnded):
        asyncio.run(run(ScriptsState.load, state))


def test_an_expired_session_or_a_deleted_user_ends_the_tab():
    alice = new_user()
    root = tab(alice, "/scripts")
    from sqlalchemy import delete, update

    from app.core.db import session
    from app.models import User, WebSession, utcnow

    with session() as s:
        s.execute(update(WebSession).where(WebSession.user_id == alice).values(expires_at=utcnow()))
        s.commit()
    with pytest.raises(SessionEnded):
        asyncio.run(run(ScriptsState.load, sub(root, ScriptsState)))
    bob = new_user()
    root = tab(bob, "/scripts")
    with session() as s:
        s.execute(delete(User).where(User.id == bob))
        s.commit()
    with pytest.raises(SessionEnded):
        asyncio.run(run(ScriptsState.load, sub(root, ScriptsState)))


def fill_as(root, user_id: uuid.UUID) -> None:
    """What a tab shows after working a while: a script in the editor, a try-out's output."""
    saved = scripts.create(acting(user_id), "private", "python", "SECRET_CODE = 1\n")
    navigate(root, "/scripts/[script_id]", f"/scripts/{saved.script.id}")
    asyncio.run(run(EditorState.load, sub(root, EditorState)))
    assert sub(root, DraftState).code == "SECRET_CODE = 1\n"
    sub(root, TryoutState).rows = [log_row(1, "2026-11-30T12:00:00+00:00", "stdout", "private output")]
    sub(root, TryoutState).result = '{"private": true}'


def test_logging_out_empties_every_substate_before_the_next_page_load():
    alice = new_user()
    root = tab(alice, "/scripts")
    assert asyncio.run(reset_unless_bound(root))  # the first page load binds the tab to its session
    fill_as(root, alice)
    assert not asyncio.run(reset_unless_bound(root))  # the same session: nothing is lost on reload
    sessions.logout(sessions.token_in(root.router.headers.cookie))
    # POST /auth/logout cleared the cookie: the next page's socket carries none
    root.router = tab(None, "/login").router
    event = Event(name=f"{root.get_full_name()}.hydrate_and_load", payload={})
    asyncio.run(SessionBinding().preprocess(None, root, event))
    draft, tryout = sub(root, DraftState), sub(root, TryoutState)
    assert draft.code == STARTERS["node"] and draft.script_id == ""
    assert tryout.rows == [] and tryout.result == "" and sub(root, EditorState).name == ""


def test_another_login_in_the_same_tab_starts_from_nothing():
    alice, bob = new_user(), new_user()
    root = tab(alice, "/scripts")
    asyncio.run(reset_unless_bound(root))
    fill_as(root, alice)
    root.router = tab(bob, "/scripts").router  # bob logs in in this tab: a new socket with his cookie
    assert asyncio.run(reset_unless_bound(root))
    assert sub(root, DraftState).code == STARTERS["node"] and sub(root, TryoutState).rows == []


def test_an_ended_session_with_its_cookie_still_there_is_emptied_too():
    alice = new_user()
    root = tab(alice, "/scripts")
    asyncio.run(reset_unless_bound(root))
    fill_as(root, alice)
    sessions.revoke_all(alice)  # e.g. expired, or ended from another device; the browser keeps the cookie
    assert asyncio.run(reset_unless_bound(root)) and sub(root, DraftState).code == STARTERS["node"]


def test_only_page_loads_are_checked_by_the_binding():
    alice = new_user()
    root = tab(alice, "/scripts")
    asyncio.run(reset_unless_bound(root))
    fill_as(root, alice)
    root.router = tab(None, "/scripts").router
    other = Event(name=f"{sub(root, ScriptsState).get_full_name()}.set_search", payload={"text": "x"})
    asyncio.run(SessionBinding().preprocess(None, root, other))
    assert sub(root, DraftState).code == "SECRET_CODE = 1\n"  # an ordinary event: user_id_of decides


def test_the_landing_page_sends_a_visitor_to_the_login_and_shows_no_count():
    root = tab(None, "/")
    (redirect,) = asyncio.run(run(AuthState.require_login, sub(root, AuthState)))
    assert redirect_target(redirect) == "/login?next=%2F"
    import app.pages.index as index

    assert "script" not in str(index.index().render()).lower().replace("scripts", "").replace("script_count", "")


def test_the_login_page_shows_why_and_keeps_next_and_a_live_session_skips_it():
    root = tab(None, "/login")
    navigate(root, "/login", "/login?error=too_many_requests&next=%2Fsecrets")
    auth = sub(root, AuthState)
    asyncio.run(run(AuthState.bounce_if_logged_in, auth))
    assert "Too many failed logins" in auth.login_error and auth.next_path == "/secrets"
    navigate(root, "/login", "/login?next=https://evil.example")
    asyncio.run(run(AuthState.bounce_if_logged_in, auth))
    assert auth.next_path == "/scripts"
    root = tab(new_user(), "/login")
    navigate(root, "/login", "/login?next=%2Fsettings")
    (redirect,) = asyncio.run(run(AuthState.bounce_if_logged_in, sub(root, AuthState)))
    assert redirect_target(redirect) == "/settings"
