"""Every page event handler that names something of a workspace (by the page's URL or an argument),
called from a tab of a user outside the workspace and of a member whose role is too low: it changes
nothing and shows nothing of it. CHECKED lists them; every other handler of state/ is in UNCHECKED
with why it needs no entry, so a new handler without either fails test_every_handler_is_classified."""

from __future__ import annotations

import asyncio
import inspect
import pkgutil
import uuid
from dataclasses import dataclass
from importlib import import_module

import pytest
import reflex as rx
from sqlalchemy import select

import state
from app.core import errors
from app.core.db import session
from app.integrations import infisical
from app.models import (
    ApiToken,
    AppSetting,
    ErrorHandler,
    Membership,
    Role,
    Run,
    Script,
    ScriptVersion,
    Secret,
    User,
    Workspace,
)
from app.services import app_settings, failures, queue, runs, scripts, secrets, tokens, users
from app.views.audit_log import AuditRow
from state.all_runs import AllRunsState
from state.audit import AuditState
from state.auth import AuthState
from state.build import BuildState
from state.draft import DraftState
from state.editor import EditorState
from state.error_handler_card import ErrorHandlerState
from state.members import MembersState
from state.run import RunState
from state.runs import RunsState
from state.secrets import SecretsState
from state.tokens import TokensState
from state.trigger import TriggerState
from state.tryout import TryoutState
from state.users import UsersState
from state.versions import VersionsState
from state.workspace_quotas import WorkspaceQuotasState
from state.workspace_settings import WorkspaceSettingsState
from tests.integration.infisical_server import closed_port_url
from tests.support.actors import in_workspace, shared_workspace
from tests.web.tabs import sub, tab
from tests.web.test_scripts_ui import run

pytestmark = pytest.mark.timeout(120)  # a handler that followed a foreign run's log would never return
MARKER = "TEAM_ONLY_CODE_7f3a"
CODE = f"export default () => '{MARKER}';\n"


@dataclass
class World:
    slug: str
    script_id: uuid.UUID
    run_id: uuid.UUID
    build_id: uuid.UUID
    token_id: uuid.UUID  # the admin's API token (a user's own, whatever the workspace)
    admin: User
    operator: User
    outsider: User


@pytest.fixture(scope="module")
def world():
    def person(role):
        return users.create(f"st-{role}-{uuid.uuid4().hex[:8]}@example.com", "a long enough password")

    admin, operator, outsider = person("admin"), person("operator"), person("outsider")
    slug = shared_workspace(admin, [(operator, Role.operator)])
    acting = in_workspace(admin, slug)
    # the name is in the workspace's audit events: its Audit page must not show it to others either
    saved = scripts.create(acting, f"team script {MARKER}", "node", CODE, trigger={"type": "http"})
    scripts.update(acting, saved.script.id, {"code": CODE + "// v2\n"})
    with session() as s:
        queued = runs.create(s, saved.version, "manual", {"x": 1}, script=saved.script)
        s.commit()
    secrets.put(acting, "TEAM_SECRET", "team value")
    failures.turned_away(saved.script, 409, f"turned away {MARKER}", queue.Memory().run)  # its runs page lists it
    # the workspace's own Infisical connection; its project id is the marker, so a tab showing it fails
    infisical.configure(closed_port_url(), "team-id", MARKER, "prod", "/", "team client secret", by=acting)
    token, _ = tokens.issue(admin.id, f"admin's token {MARKER}")  # its name: a tab listing it fails
    return World(slug, saved.script.id, queued.id, saved.build.id, token.id, admin, operator, outsider)


def snapshot(world: World) -> dict:
    with session() as s:
        ws = s.scalars(select(Workspace.id).where(Workspace.slug == world.slug)).one()
        return {
            "scripts": sorted(
                s.execute(
                    select(Script.id, Script.name, Script.current_version, Script.hook_token, Script.updated_at).where(
                        Script.workspace_id == ws
                    )
                ).all()
            ),
            "versions": s.scalar(
                select(ScriptVersion.number)
                .where(ScriptVersion.script_id == world.script_id)
                .order_by(ScriptVersion.number.desc())
                .limit(1)
            ),
            "runs": sorted(s.execute(select(Run.id, Run.status).where(Run.workspace_id == ws)).all()),
            "secrets": sorted(s.execute(select(Secret.name, Secret.updated_at).where(Secret.workspace_id == ws)).all()),
            "members": sorted(
                s.execute(select(Membership.user_id, Membership.role).where(Membership.workspace_id == ws)).all()
            ),
            "users": sorted(s.execute(select(User.id, User.disabled_at, User.is_admin)).all()),
            "tokens": sorted(
                s.execute(select(ApiToken.id, ApiToken.revoked_at).where(ApiToken.user_id == world.admin.id)).all()
            ),
            "error_handler": s.scalar(select(ErrorHandler.script_id).where(ErrorHandler.workspace_id == ws)),
            "quotas": s.execute(
                select(Workspace.max_concurrent_runs, Workspace.min_schedule_seconds, Workspace.max_scripts).where(
                    Workspace.id == ws
                )
            ).one(),
            "infisical": s.execute(
                select(AppSetting.value, AppSetting.secret, AppSetting.updated_at).where(
                    AppSetting.key == app_settings.key_of(infisical.SETTING, ws)
                )
            ).one_or_none(),
        }


@dataclass(frozen=True)
class Check:
    cls: type[rx.State]
    handler: object
    path: str  # {script} and {run} are filled in
    args: tuple = ()
    # operator: the role-too-low caller is checked too (the handler changes something)
    operator: bool = False


def _args(check: Check, world: World) -> tuple:
    fill = {
        "{script}": str(world.script_id),
        "{run}": str(world.run_id),
        "{admin}": str(world.admin.id),
        "{token}": str(world.token_id),
        "{slug}": world.slug,
    }
    return tuple(fill.get(a, a) if isinstance(a, str) else a for a in check.args)


# an Infisical connection a hostile tab tries to give the workspace
PLANTED = {"site_url": "https://planted.example", "client_id": "x", "project_id": "planted", "environment": "prod"}
PLANTED |= {"client_secret": "planted"}

CHECKED = [
    Check(EditorState, EditorState.load, "/scripts/{script}"),
    Check(EditorState, EditorState.save, "/scripts/{script}", operator=True),
    Check(EditorState, EditorState.delete, "/scripts/{script}", operator=True),
    Check(EditorState, EditorState.save_draft, "/scripts/{script}", operator=True),
    Check(EditorState, EditorState.deploy, "/scripts/{script}", operator=True),
    Check(TriggerState, TriggerState.rotate_hook, "/scripts/{script}", operator=True),
    Check(TryoutState, TryoutState.run, "/scripts/{script}", operator=True),
    Check(RunsState, RunsState.load, "/scripts/{script}/runs"),
    Check(RunsState, RunsState.run_now, "/scripts/{script}/runs"),
    Check(RunState, RunState.load, "/runs/{run}"),
    Check(RunState, RunState.cancel, "/runs/{run}"),
    Check(RunState, RunState.follow, "/runs/{run}", ("{run}", 0, 0)),
    Check(RunState, RunState.rerun, "/runs/{run}"),  # operators may: only outsiders are checked
    Check(AllRunsState, AllRunsState.load, "/runs?script={script}&status=queued"),
    Check(AllRunsState, AllRunsState.filter_by, "/runs", ("script", "{script}")),
    Check(TryoutState, TryoutState.follow, "/scripts/{script}", ("{run}", 0, 0)),
    Check(VersionsState, VersionsState.load, "/scripts/{script}/versions"),
    Check(VersionsState, VersionsState.restore, "/scripts/{script}/versions", operator=True),
    Check(VersionsState, VersionsState.deploy, "/scripts/{script}/versions", operator=True),
    Check(SecretsState, SecretsState.save, "/secrets", ({"name": "TEAM_SECRET", "value": "planted"},), operator=True),
    Check(SecretsState, SecretsState.delete, "/secrets", operator=True),
    Check(MembersState, MembersState.set_role, "/members", ("{admin}", "operator"), operator=True),
    Check(MembersState, MembersState.remove, "/members", ("{admin}",), operator=True),
    Check(MembersState, MembersState.add, "/members", ({"email": "x@example.com", "role": "admin"},), operator=True),
    Check(UsersState, UsersState.set_disabled, "/settings/users", ("{admin}", True), operator=True),
    Check(UsersState, UsersState.set_admin, "/settings/users", ("{admin}", False), operator=True),
    Check(WorkspaceSettingsState, WorkspaceSettingsState.load, "/workspace"),
    Check(WorkspaceSettingsState, WorkspaceSettingsState.save_infisical, "/workspace", (PLANTED,), operator=True),
    Check(WorkspaceSettingsState, WorkspaceSettingsState.disconnect_infisical, "/workspace", operator=True),
    Check(WorkspaceSettingsState, WorkspaceSettingsState.test_infisical, "/workspace", operator=True),
    Check(WorkspaceQuotasState, WorkspaceQuotasState.load, "/workspace"),
    Check(ErrorHandlerState, ErrorHandlerState.load, "/workspace"),
    Check(ErrorHandlerState, ErrorHandlerState.choose, "/workspace", ("{script}",), operator=True),
    Check(WorkspaceQuotasState, WorkspaceQuotasState.save, "/workspace", ({"max_scripts": "99999"},), operator=True),
    Check(BuildState, BuildState.follow, "/scripts/{script}"),
    Check(AuthState, AuthState.switch_workspace, "/scripts", ("{slug}",)),
    Check(AuditState, AuditState.load, "/audit"),
    Check(AuditState, AuditState.load_more, "/audit"),
    Check(AuditState, AuditState.choose_scope, "/audit", ("installation",)),
    Check(TokensState, TokensState.load, "/settings/tokens"),
    Check(TokensState, TokensState.revoke, "/settings/tokens", ("{token}",), operator=True),
]

# Handlers that name nothing of a workspace, with why; each still checks the session (test_session_checks).
UNCHECKED = {
    "auth": "the login page and the tab's own session; switch_workspace is CHECKED",
    "draft": "the editor's text, in the tab only",
    "deps": "package names and versions from the public registries; nothing of a workspace",
    "limits": "the form's numbers, in the tab only",
    "trigger": "the form's fields, in the tab only; rotate_hook is CHECKED",
    "build": "shows what the editor's load or a try-out found; follow is CHECKED",
    "scripts": "lists the tab's own workspace only",
    "secret_picker": "lists the tab's own workspace only",
    "secrets": "names from the page's own list; save and delete are CHECKED",
    "settings": "installation settings, for installation admins (tests/web/test_settings_ui.py)",
    "invite": "a public page: its link is the credential (tests/web/test_invite_routes.py)",
    "members": "load lists the tab's own workspace; the changes are CHECKED",
    "users": "load and create refuse anyone but installation admins (tests/web/test_users_ui.py)",
    "run": "the page's own search and following flags; load, cancel and follow are CHECKED",
    "runs": "paging and refreshing the rows load found; load and run_now are CHECKED",
    "all_runs": "paging by cursors and clearing filters list the tab's own workspace only; load and filter_by "
    "are CHECKED",
    "tryout": "the tab's own try-out; run is CHECKED",
    "versions": "choosing versions load found; load and restore are CHECKED",
    "editor": "the form, in the tab only; load, save and delete are CHECKED",
    "tokens": "create and dismiss act on the tab user's own tokens only; load and revoke are CHECKED",
}


def test_every_handler_is_classified():
    checked = {(c.cls, c.handler.fn.__name__) for c in CHECKED}
    for info in pkgutil.iter_modules(state.__path__):
        module = import_module(f"state.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, rx.State) or cls.__module__ != module.__name__:
                continue
            for name in cls.event_handlers:
                if (cls, name) in checked or name.startswith(("set_", "setvar")):
                    continue
                assert info.name in UNCHECKED, f"{cls.__name__}.{name}: add a Check or an UNCHECKED reason"


def caller_tab(user: User, check: Check, world: World, workspace: str) -> tuple[rx.State, rx.State]:
    path = check.path.replace("{script}", str(world.script_id)).replace("{run}", str(world.run_id))
    root = tab(user.id, path)
    sub(root, AuthState).workspace = workspace
    return root, sub(root, check.cls)


def forge(root: rx.State, world: World) -> None:
    """What a hostile tab could hold whatever its pages loaded: the ids of the workspace's script, run
    and secret in the vars its handlers act on. The handlers' services must still refuse."""
    sub(root, DraftState).script_id = str(world.script_id)
    sub(root, EditorState).name = "renamed by someone"
    sub(root, RunState).shown_run = str(world.run_id)
    sub(root, TryoutState).tryout_run = str(world.run_id)
    sub(root, RunsState).history_of = str(world.script_id)
    sub(root, AllRunsState).script = str(world.script_id)
    versions = sub(root, VersionsState)
    versions.versions_of, versions.from_number = str(world.script_id), 1
    sub(root, SecretsState).confirm_name = "TEAM_SECRET"
    sub(root, AuditState).rows = [AuditRow(2**62, "", "", "", "", "", "")]  # Older from past every event


def call(check: Check, root: rx.State, state: rx.State, world: World) -> None:
    try:
        if check.cls in (EditorState, TriggerState, TryoutState):
            asyncio.run(run(EditorState.load, sub(root, EditorState)))  # the page's on_load first
        forge(root, world)
        asyncio.run(run(check.handler, state, *_args(check, world)))
    except errors.RunpadError:
        pass  # refused with an error of the family: the tab shows it


@pytest.mark.parametrize("check", CHECKED, ids=lambda c: f"{c.cls.__name__}.{c.handler.fn.__name__}")
def test_a_user_of_another_workspace_changes_and_sees_nothing(check, world):
    before = snapshot(world)
    for workspace in ("", world.slug):  # their own workspace, then pretending to be in this one
        root, state_ = caller_tab(world.outsider, check, world, workspace)
        call(check, root, state_, world)
        assert snapshot(world) == before
        shown = str({name: sub(root, cls).dict() for name, cls in ((c.cls.get_name(), c.cls) for c in CHECKED)})
        assert MARKER not in shown and "team value" not in shown
        if check.handler is AuthState.switch_workspace:
            assert sub(root, AuthState).workspace == ""  # never switched into a foreign workspace


@pytest.mark.parametrize(
    "check", [c for c in CHECKED if c.operator], ids=lambda c: f"{c.cls.__name__}.{c.handler.fn.__name__}"
)
def test_an_operator_changes_nothing_they_may_not(check, world):
    before = snapshot(world)
    root, state_ = caller_tab(world.operator, check, world, world.slug)
    call(check, root, state_, world)
    assert snapshot(world) == before
