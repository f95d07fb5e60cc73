"""The audit log (contract §6) through GET /api/v1/audit: a workspace's admins read who changed its
scripts, secrets and members, newest first; lower roles get 403 and other workspaces see nothing of it.
Users, tokens, settings and failed logins are installation events, for installation admins
(`?scope=installation`). No event holds a secret's value, a password, a token or a hook secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text

from app.core.db import session
from app.integrations import infisical
from app.models import Role, Script, User
from app.services import tokens, users
from tests.api.conftest import PASSWORD
from tests.api.helpers import assert_error
from tests.support.actors import shared_workspace

NODE = "export default (event) => ({ got: event.body });"


@dataclass
class Person:
    id: uuid.UUID
    email: str
    http: httpx.Client


@dataclass
class Team:
    slug: str
    admin: Person  # the workspace's admin, and an installation admin
    developer: Person
    operator: Person
    outsider: Person  # a member of their personal workspace only (its admin)


def _person(base_url: str, role: str, is_admin: bool = False) -> tuple[Person, User]:
    email = f"audit-{role}-{uuid.uuid4().hex[:8]}@example.com"
    row = users.create(email, PASSWORD, is_admin=is_admin)
    _, token = tokens.issue(row.id)
    http = httpx.Client(base_url=f"{base_url}/api/v1", headers={"authorization": f"Bearer {token}"}, timeout=60)
    return Person(row.id, email, http), row


@pytest.fixture
def team(base_url):
    (admin, admin_row), (developer, dev_row), (operator, op_row), (outsider, _) = (
        _person(base_url, "admin", is_admin=True),
        _person(base_url, "developer"),
        _person(base_url, "operator"),
        _person(base_url, "outsider"),
    )
    slug = shared_workspace(admin_row, [(dev_row, Role.developer), (op_row, Role.operator)])
    yield Team(slug, admin, developer, operator, outsider)
    for person in (admin, developer, operator, outsider):
        person.http.close()


def events(who: Person, workspace: str | None = None, **params) -> list[dict]:
    headers = {"x-runpad-workspace": workspace} if workspace else {}
    r = who.http.get("/audit", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def in_table(needle: str) -> int:
    """How many audit events hold this text anywhere (every column, as PostgreSQL prints the row)."""
    with session() as s:
        return s.execute(
            text("SELECT count(*) FROM audit_events e WHERE strpos(e::text, :n) > 0"), {"n": needle}
        ).scalar_one()


def test_a_workspace_admin_reads_who_changed_what_newest_first(team):
    ws = {"x-runpad-workspace": team.slug}
    dev, admin = team.developer.http, team.admin.http
    r = dev.post("/scripts", json={"name": "nightly", "runtime": "node", "code": NODE}, headers=ws)
    assert r.status_code == 201, r.text
    script_id = r.json()["id"]
    assert dev.patch(f"/scripts/{script_id}", json={"name": "nightly report"}, headers=ws).status_code == 200
    assert dev.put("/secrets/API_KEY", json={"value": "abc-123-value"}, headers=ws).status_code == 204
    assert dev.delete("/secrets/API_KEY", headers=ws).status_code == 204
    assert dev.delete(f"/scripts/{script_id}", headers=ws).status_code == 204
    r = admin.put(f"/workspaces/{team.slug}/members/{team.operator.id}", json={"role": "developer"})
    assert r.status_code == 200, r.text

    seen = events(team.admin, team.slug)
    assert [e["id"] for e in seen] == sorted((e["id"] for e in seen), reverse=True)
    ours = [(e["action"], e["target"], e["actor_email"]) for e in seen][:6]
    assert ours == [
        ("member.put", team.operator.email, team.admin.email),
        ("script.delete", script_id, team.developer.email),
        ("secret.delete", "API_KEY", team.developer.email),
        ("secret.put", "API_KEY", team.developer.email),
        ("script.update", script_id, team.developer.email),
        ("script.create", script_id, team.developer.email),
    ]
    assert seen[0]["details"] == {"role": "developer"} and seen[0]["workspace"] == team.slug
    assert seen[1]["details"] == {"name": "nightly report"}
    assert seen[4]["details"]["fields"] == ["name"] and seen[5]["actor_id"] == str(team.developer.id)
    # how the team was set up: the workspace made by its admin, then its members added
    assert [e["action"] for e in seen[6:]] == ["member.put", "member.put", "workspace.create"]
    assert all(e["action"] not in ("token.create", "user.create", "login.failed") for e in seen)

    pages = [events(team.admin, team.slug, limit=4)]  # 9 events: pages of 4, 4 and 1
    while len(pages[-1]) == 4:
        pages.append(events(team.admin, team.slug, limit=4, before=pages[-1][-1]["id"]))
    assert [len(p) for p in pages] == [4, 4, 1] and [e for p in pages for e in p] == seen
    assert 'rel="next"' in admin.get("/audit", params={"limit": 4}, headers=ws).headers["link"]


def test_lower_roles_get_403_and_other_workspaces_see_none_of_it(team):
    ws = {"x-runpad-workspace": team.slug}
    assert team.developer.http.put("/secrets/SHARED", json={"value": "v-1"}, headers=ws).status_code == 204
    for lower in (team.operator, team.developer):
        assert_error(lower.http.get("/audit", headers=ws), 403, "forbidden")
        assert_error(lower.http.get("/audit", params={"scope": "installation"}), 403, "forbidden")

    assert_error(team.outsider.http.get("/audit", headers=ws), 404)  # not a member: no such workspace
    theirs = events(team.outsider)  # their own personal workspace, whose admin they are
    assert all(e["target"] != "SHARED" and e["actor_email"] != team.developer.email for e in theirs)
    assert events(team.admin, team.slug)[0]["target"] == "SHARED"


def test_users_tokens_and_settings_are_installation_events(team, base_url):
    r = team.admin.http.post("/users", json={"email": f"new-{uuid.uuid4().hex[:8]}@example.com"})
    assert r.status_code == 201, r.text
    invited = r.json()["email"]
    r = team.admin.http.patch(f"/users/{team.operator.id}", json={"disabled": True})
    assert r.status_code == 200, r.text
    r = httpx.post(
        f"{base_url}/api/v1/auth/token", json={"email": team.admin.email, "password": PASSWORD, "name": "ci"}
    )
    assert r.status_code == 201, r.text
    token_id = r.json()["id"]
    assert team.admin.http.delete(f"/auth/tokens/{token_id}").status_code == 204

    seen = events(team.admin, scope="installation", limit=20)
    assert all(e["workspace"] is None for e in seen)
    mine = [(e["action"], e["target"], e["actor_email"]) for e in seen][:4]
    assert mine == [
        ("token.revoke", token_id, team.admin.email),
        ("token.create", token_id, team.admin.email),
        ("user.change", team.operator.email, team.admin.email),
        ("user.invite", invited, team.admin.email),
    ]
    assert seen[1]["details"] == {"name": "ci"} and seen[2]["details"] == {"disabled": True, "is_admin": None}
    assert all(e["action"] not in ("token.create", "user.invite") for e in events(team.admin, team.slug))


def test_a_failed_login_is_an_installation_event_without_the_password(team, base_url):
    tried = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    r = httpx.post(f"{base_url}/api/v1/auth/token", json={"email": tried, "password": "guessed password 1"})
    assert_error(r, 401, "invalid_credentials")

    (failed,) = [e for e in events(team.admin, scope="installation", limit=50) if e["target"] == tried]
    assert failed["action"] == "login.failed" and failed["actor_id"] is None and failed["actor_email"] == tried
    assert failed["details"] == {"address": "127.0.0.1"} and failed["workspace"] is None
    assert in_table("guessed password 1") == 0


def test_no_event_holds_a_secret_value_a_password_a_token_or_a_hook_secret(team, base_url):
    ws = {"x-runpad-workspace": team.slug}
    marker = uuid.uuid4().hex
    values = {
        "secret": f"secret-value-{marker}",
        "password": f"password-{marker}",
        "reset": f"reset-password-{marker}",
        "credential": f"infisical-secret-{marker}",
    }
    assert (
        team.developer.http.put("/secrets/DB_PASSWORD", json={"value": values["secret"]}, headers=ws).status_code == 204
    )
    email = f"pw-{marker[:8]}@example.com"
    r = team.admin.http.post("/users", json={"email": email, "password": values["password"]})
    assert r.status_code == 201, r.text
    users.reset_password(email, values["reset"])
    r = httpx.post(f"{base_url}/api/v1/auth/token", json={"email": email, "password": values["reset"]})
    assert r.status_code == 201, r.text
    values["api token"] = r.json()["token"]
    r = httpx.post(f"{base_url}/api/v1/auth/token", json={"email": email, "password": values["password"]})
    assert r.status_code == 401  # the old password, now a failed login

    body = {"name": "hook", "runtime": "node", "code": NODE, "trigger": {"type": "http", "http_auth": "bearer"}}
    r = team.developer.http.post("/scripts", json=body, headers=ws)
    assert r.status_code == 201, r.text
    script_id = r.json()["id"]
    r = team.developer.http.post(f"/scripts/{script_id}/hook-token/rotate", headers=ws)
    assert r.status_code == 200, r.text
    values["hook secret"] = r.json()["hook_secret"]
    with session() as s:
        values["hook token"] = s.get(Script, uuid.UUID(script_id)).hook_token

    infisical.configure(
        "https://infisical.example", "client", "project", "dev", "/", client_secret=values["credential"]
    )
    infisical.unconfigure()  # configured, every secret listing would ask it

    settings = [e for e in events(team.admin, scope="installation", limit=50) if e["action"] == "settings.change"]
    assert [e["details"].get("cleared") for e in settings[:2]] == [True, None]
    assert settings[1]["target"] == "infisical" and settings[1]["details"]["credential_changed"] is True
    workspace = events(team.admin, team.slug, limit=5)
    assert [e["action"] for e in workspace[:3]] == ["script.rotate_hook", "script.create", "secret.put"]
    for what, value in values.items():
        assert value and in_table(value) == 0, f"the {what} is in the audit log"
    assert in_table(email) >= 3  # the events are there: user.create, user.reset_password, token.create


def test_an_event_outlives_the_user_who_made_it(team):
    ws = {"x-runpad-workspace": team.slug}
    assert team.developer.http.put("/secrets/KEPT", json={"value": "v"}, headers=ws).status_code == 204
    with session() as s:
        s.execute(text("DELETE FROM users WHERE id = :id"), {"id": team.developer.id})
        s.commit()
    (kept,) = [e for e in events(team.admin, team.slug) if e["target"] == "KEPT"]
    assert kept["actor_id"] is None and kept["actor_email"] == team.developer.email
