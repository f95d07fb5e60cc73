"""What the Audit page's state does, through its event handlers on real PostgreSQL: a workspace's
admins see its events only, a page at a time; operators and developers are refused by the service;
installation admins switch to the installation's events, which no one else gets."""

from __future__ import annotations

import asyncio
import re
import uuid

from app.models import AuditEvent, Role
from app.services import access, audit, secrets, users, workspaces
from app.views.audit_log import MAX_DETAILS, audit_row
from state.audit import PAGE_SIZE, AuditState
from state.auth import AuthState
from tests.support.actors import acting, in_workspace, new_user, shared_workspace
from tests.web.tabs import sub, tab
from tests.web.test_scripts_ui import run


def audit_tab(user, slug: str = "") -> AuditState:
    """A tab of `user` on /audit acting in `slug` (their personal workspace without one), loaded."""
    root = tab(user.id, "/audit")
    sub(root, AuthState).workspace = slug
    state = sub(root, AuditState)
    asyncio.run(run(AuditState.load, state))
    return state


def targets(state: AuditState) -> list[str]:
    return [row.target for row in state.rows]


def test_operators_and_developers_are_refused_and_shown_nothing():
    admin, operator, developer = new_user("au-admin"), new_user("au-op"), new_user("au-dev")
    slug = shared_workspace(admin, [(operator, Role.operator), (developer, Role.developer)])
    secrets.put(in_workspace(admin, slug), "AUDIT_SEEN", "value")
    for member in (operator, developer):
        state = audit_tab(member, slug)
        assert state.loaded and not state.allowed and state.rows == [] and not state.has_more
        asyncio.run(run(AuditState.choose_scope, state, "installation"))  # not an installation admin
        assert not state.allowed and state.rows == []
        assert not state.installation_admin


def test_an_admin_sees_their_workspace_only_newest_first():
    admin, colleague, stranger = new_user("au-admin"), new_user("au-col"), new_user("au-str")
    slug = shared_workspace(admin, [(colleague, Role.developer)])
    secrets.put(in_workspace(admin, slug), "TEAM_KEY", "value")
    secrets.put(acting(stranger), "STRANGER_KEY", "value")  # another workspace
    secrets.put(acting(admin), "PERSONAL_KEY", "value")  # the admin's own other workspace
    state = audit_tab(admin, slug)
    assert state.allowed and not state.installation_admin
    assert targets(state) == ["TEAM_KEY", colleague.email, slug]  # secret.put, member.put, workspace.create
    assert [row.action for row in state.rows] == ["secret.put", "member.put", "workspace.create"]
    added = state.rows[1]
    assert added.actor == admin.email and added.details == "role: developer"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", added.at)  # UTC, as the column heading says
    asyncio.run(run(AuditState.choose_scope, state, "installation"))  # no toggle for them; the service refuses
    assert not state.allowed and state.rows == []


def test_older_pages_follow_the_last_event():
    admin = new_user("au-page")
    slug = shared_workspace(admin)
    where = in_workspace(admin, slug)
    for n in range(PAGE_SIZE + 5):
        audit.record(None, where.actor, "secret.put", f"KEY_{n:03d}", where.workspace_id)
    state = audit_tab(admin, slug)
    assert len(state.rows) == PAGE_SIZE and state.has_more and state.rows[0].target == f"KEY_{PAGE_SIZE + 4:03d}"
    asyncio.run(run(AuditState.load_more, state))
    assert targets(state) == [f"KEY_{n:03d}" for n in reversed(range(PAGE_SIZE + 5))] + [slug]
    assert not state.has_more and not state.loading_more
    ids = [row.id for row in state.rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)


def test_an_installation_admin_switches_to_the_installation_events():
    admin = users.create(f"au-inst-{uuid.uuid4().hex[:8]}@example.com", "a long enough password", is_admin=True)
    member, invited = new_user("au-member"), f"au-invited-{uuid.uuid4().hex[:8]}@example.com"
    slug = shared_workspace(member, [(admin, Role.operator)])  # an operator there, admin of the installation
    users.invite(invited, False, access.actor_of(admin))
    state = audit_tab(admin, slug)
    assert state.installation_admin and not state.allowed  # this workspace's log is its admins'
    asyncio.run(run(AuditState.choose_scope, state, "installation"))
    assert state.allowed and state.scope == "installation"
    assert state.rows[0].target == invited and state.rows[0].actor == admin.email
    assert slug not in targets(state)  # the workspace's events stay in the workspace's log
    asyncio.run(run(AuditState.choose_scope, state, "everything"))  # not a scope: nothing changes
    assert state.scope == "installation" and state.rows[0].target == invited
    workspaces.set_member(in_workspace(member, slug), admin.id, Role.admin)
    asyncio.run(run(AuditState.choose_scope, state, "workspace"))
    assert state.allowed and state.rows[0].action == "member.put" and state.rows[0].target == admin.email


def test_a_row_names_what_a_person_recognises():
    script_id = str(uuid.uuid4())
    row = audit_row(
        AuditEvent(id=7, action="script.update", target=script_id, details={"name": "nightly", "fields": ["code"]})
    )
    assert (row.actor, row.target, row.target_id, row.details) == ("Runpad", "nightly", script_id, "fields: code")
    big = audit_row(AuditEvent(id=8, action="settings.change", target="limits", details={"value": {"x": "y" * 500}}))
    assert big.target == "limits" and len(big.details) == MAX_DETAILS and big.details.endswith("…")
    failed = audit_row(AuditEvent(id=9, action="login.failed", target="a@b.c", actor_email="a@b.c", details=None))
    assert failed.actor == "a@b.c" and failed.details == ""
