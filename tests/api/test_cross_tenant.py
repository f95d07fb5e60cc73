"""Every REST route against callers it must turn away. One workspace holds a script (with a version, a
build, a run), a secret and members; for each route that names something:
- a user of another workspace gets 404, with or without naming the workspace in X-Runpad-Workspace;
- a member whose role is too low gets 403;
and afterwards nothing in the workspace has changed. Members whose role suffices can read.

MATRIX must list every operation of the API document: a new route without an entry fails
test_every_route_has_an_entry, so it cannot ship without being checked here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from app.api.v1 import v1
from app.core.db import session
from app.models import ApiToken, ErrorHandler, Membership, Role, Run, Script, ScriptVersion, Secret, User, Workspace
from app.services import error_handler, runs, scripts, secrets, tokens, users
from tests.api.conftest import PASSWORD
from tests.support.actors import in_workspace, shared_workspace

NODE = "export default (event) => ({ got: event.body });"
RANK = {None: 0, Role.operator: 1, Role.developer: 2, Role.admin: 3}
INSTALLATION_ADMIN = "installation admin"
OWN = "the caller's own"  # not workspace data: a caller only ever touches their own (tokens)


@dataclass(frozen=True)
class Entry:
    method: str
    path: str  # with {script_id}, {run_id}, {build_id}, {name}, {slug}, {user_id}, {token_id}, {number}
    needs: Role | str | None  # the least role; INSTALLATION_ADMIN; OWN; None: no id, any user
    body: dict | None = None


MATRIX = [
    Entry("get", "/scripts/{script_id}", Role.operator),
    Entry("patch", "/scripts/{script_id}", Role.developer, {"name": "renamed by someone"}),
    Entry("delete", "/scripts/{script_id}", Role.developer),
    Entry("get", "/scripts/{script_id}/versions", Role.operator),
    Entry("post", "/scripts/{script_id}/versions/{number}/restore", Role.developer),
    Entry("post", "/scripts/{script_id}/versions/{number}/deploy", Role.developer),
    Entry("post", "/scripts/{script_id}/hook-token/rotate", Role.developer),
    Entry("get", "/scripts/{script_id}/rejections", Role.operator),
    Entry("post", "/scripts/{script_id}/runs", Role.operator, {"event": {"x": 1}}),
    Entry("get", "/runs/{run_id}", Role.operator),
    Entry("get", "/runs/{run_id}/logs", Role.operator),
    Entry("post", "/runs/{run_id}/cancel", Role.operator),
    Entry("post", "/runs/{run_id}/rerun", Role.operator),
    Entry("get", "/builds/{build_id}", Role.operator),
    Entry("get", "/builds/{build_id}/logs", Role.operator),
    Entry("put", "/secrets/{name}", Role.developer, {"value": "overwritten"}),
    Entry("delete", "/secrets/{name}", Role.developer),
    Entry("get", "/workspaces/{slug}/members", Role.operator),
    Entry("put", "/workspaces/{slug}/members/{user_id}", Role.admin, {"role": "admin"}),
    Entry("delete", "/workspaces/{slug}/members/{user_id}", Role.admin),
    Entry("get", "/workspaces/{slug}/quotas", Role.operator),
    Entry("put", "/workspaces/{slug}/quotas", INSTALLATION_ADMIN, {"max_concurrent_runs": 99}),
    Entry("patch", "/users/{user_id}", INSTALLATION_ADMIN, {"disabled": True}),
    Entry("delete", "/auth/tokens/{token_id}", OWN),
    # no id in the path: the workspace comes from the header, checked in test_a_foreign_workspace_header
    Entry("get", "/scripts", None),
    Entry("post", "/scripts", Role.developer, {"name": "planted", "runtime": "node", "code": NODE}),
    Entry("get", "/runs", None),
    Entry("post", "/tryout", Role.developer, {"runtime": "node", "code": NODE}),
    Entry("get", "/secrets", None),
    Entry("get", "/me", None),
    Entry("get", "/users", INSTALLATION_ADMIN),
    Entry("post", "/users", INSTALLATION_ADMIN, {"email": "planted@example.com", "password": "planted-1"}),
    Entry("get", "/workspaces", None),
    Entry("post", "/workspaces", None, {"slug": "x", "name": "x"}),
    Entry("post", "/auth/token", None),
    Entry("delete", "/auth/token", None),
    Entry("get", "/auth/tokens", None),
    Entry("get", "/audit", Role.admin),  # the workspace's events; ?scope=installation: test_audit
    Entry("get", "/settings/error-handler", None),
    Entry("put", "/settings/error-handler", Role.admin, {"script_id": None}),
]
WITH_IDS = [e for e in MATRIX if "{" in e.path]
WORKSPACE_WIDE = [
    e
    for e in MATRIX
    if "{" not in e.path and e.path in ("/scripts", "/runs", "/tryout", "/secrets", "/audit", "/settings/error-handler")
]


@dataclass
class World:
    slug: str
    ids: dict[str, str]
    callers: dict[str, httpx.Client]  # outsider, operator, developer (and the workspace's admin)
    admin_id: uuid.UUID


def _client(base_url: str, user) -> httpx.Client:
    _, token = tokens.issue(user.id)
    return httpx.Client(base_url=f"{base_url}/api/v1", headers={"authorization": f"Bearer {token}"}, timeout=60)


@pytest.fixture(scope="module")
def world(base_url):
    def person(role: str):
        return users.create(f"{role}-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)

    admin, operator, developer, outsider = (person(r) for r in ("admin", "operator", "developer", "outsider"))
    slug = shared_workspace(admin, [(operator, Role.operator), (developer, Role.developer)])
    acting = in_workspace(admin, slug)
    saved = scripts.create(acting, "the team's", "node", NODE, trigger={"type": "http"})
    with session() as s:
        run = runs.create(s, saved.version, "manual", {"x": 0}, script=saved.script)
        s.commit()
    secrets.put(acting, "TEAM_SECRET", "team value")
    error_handler.choose(acting, saved.script.id)  # a PUT of null by someone not allowed would clear it
    token, _ = tokens.issue(admin.id)
    ids = {
        "script_id": str(saved.script.id),
        "run_id": str(run.id),
        "build_id": str(saved.build.id),
        "name": "TEAM_SECRET",
        "slug": slug,
        "user_id": str(admin.id),
        "token_id": str(token.id),
        "number": "1",
    }
    callers = {
        name: _client(base_url, who)
        for name, who in (("outsider", outsider), ("operator", operator), ("developer", developer))
    }
    yield World(slug, ids, callers, admin.id)
    for client in callers.values():
        client.close()


def snapshot(world: World) -> dict:
    """Everything the matrix's calls could change in the workspace, and its admin user and token."""
    with session() as s:
        ws = s.scalars(select(Workspace.id).where(Workspace.slug == world.slug)).one()
        script_rows = s.execute(
            select(Script.id, Script.name, Script.current_version, Script.hook_token, Script.updated_at).where(
                Script.workspace_id == ws
            )
        ).all()
        script_ids = [row[0] for row in script_rows]
        return {
            "scripts": sorted(map(tuple, script_rows)),
            "versions": len(s.scalars(select(ScriptVersion.id).where(ScriptVersion.script_id.in_(script_ids))).all()),
            "runs": sorted(s.execute(select(Run.id, Run.status).where(Run.workspace_id == ws)).all()),
            "secrets": sorted(s.execute(select(Secret.name, Secret.updated_at).where(Secret.workspace_id == ws)).all()),
            "members": sorted(
                s.execute(select(Membership.user_id, Membership.role).where(Membership.workspace_id == ws))
            ),
            "admin": tuple(s.execute(select(User.disabled_at, User.is_admin).where(User.id == world.admin_id)).one()),
            "token": s.scalar(select(ApiToken.revoked_at).where(ApiToken.id == uuid.UUID(world.ids["token_id"]))),
            "error_handler": s.scalar(select(ErrorHandler.script_id).where(ErrorHandler.workspace_id == ws)),
            "quotas": tuple(
                s.execute(
                    select(Workspace.max_concurrent_runs, Workspace.min_schedule_seconds, Workspace.max_scripts).where(
                        Workspace.id == ws
                    )
                ).one()
            ),
        }


def call(client: httpx.Client, entry: Entry, world: World, workspace: str | None) -> httpx.Response:
    headers = {"x-runpad-workspace": workspace} if workspace else {}
    return client.request(entry.method, entry.path.format(**world.ids), json=entry.body, headers=headers)


def test_every_route_has_an_entry():
    documented = {(method, path) for path, ops in v1.openapi()["paths"].items() for method in ops}
    listed = {(e.method, e.path) for e in MATRIX}
    assert documented - listed == set(), "routes without a cross-tenant entry"
    assert listed - documented == set(), "entries for routes that do not exist"


@pytest.mark.parametrize("entry", WITH_IDS, ids=lambda e: f"{e.method} {e.path}")
def test_another_workspaces_user_gets_404_and_changes_nothing(entry, world):
    before = snapshot(world)
    outsider = world.callers["outsider"]
    # their own workspace, then naming this one (a secret's name means one of their own without it)
    for workspace in (world.slug,) if "{name}" in entry.path else (None, world.slug):
        expected = 403 if entry.needs == INSTALLATION_ADMIN else 404  # users are not workspace data
        r = call(outsider, entry, world, workspace)
        assert r.status_code == expected, (workspace, r.status_code, r.text)
    assert snapshot(world) == before


@pytest.mark.parametrize(
    "entry,role",
    [(e, r) for e in WITH_IDS + WORKSPACE_WIDE if isinstance(e.needs, Role) for r in ("operator", "developer")],
    ids=lambda v: v if isinstance(v, str) else f"{v.method} {v.path}",
)
def test_a_member_whose_role_is_too_low_gets_403_and_changes_nothing(entry, role, world):
    if RANK[Role(role)] >= RANK[entry.needs]:
        if entry.method == "get":  # allowed, and harmless to check
            r = call(world.callers[role], entry, world, world.slug)
            assert r.status_code == 200, r.text
        return
    before = snapshot(world)
    r = call(world.callers[role], entry, world, world.slug)
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "forbidden"
    assert snapshot(world) == before


@pytest.mark.parametrize("entry", WORKSPACE_WIDE, ids=lambda e: f"{e.method} {e.path}")
def test_a_foreign_workspace_header_gets_404(entry, world):
    before = snapshot(world)
    r = call(world.callers["outsider"], entry, world, world.slug)
    assert r.status_code == 404, r.text
    assert snapshot(world) == before
