"""Infisical per workspace, against a local Infisical driven by the real SDK: each workspace's runs,
secret resolution and catalog use its own connection, or the installation default when it has none;
only the workspace's admins connect, test and disconnect it, and the audit log never holds the secret."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from app.core import errors
from app.core.db import session
from app.integrations import infisical
from app.models import Role, User
from app.services import audit, secrets, workspace_infisical
from app.services.access import Access
from app.views.secret_catalog import catalog
from tests.integration.test_workspace_secrets import run_of
from tests.secrets.support import CLIENT_ID, ENV, PROJECT, digest, use_infisical
from tests.support.actors import acting, in_workspace, new_user, shared_workspace
from tests.support.scripts import built_script

# each team's own identity, project, environment and path in the same local Infisical
A = {"client_id": "team-a-identity", "client_secret": "team-a-secret-" + uuid.uuid4().hex, "project_id": "proj-a"}
B = {"client_id": "team-b-identity", "client_secret": "team-b-secret-" + uuid.uuid4().hex, "project_id": "proj-b"}
A |= {"environment": "prod", "secret_path": "/"}
B |= {"environment": "dev", "secret_path": "/payments"}
CODE = """import hashlib, os
def handler(event, ctx):
    return {"digest": hashlib.sha256(os.environ["SHARED_NAME"].encode()).hexdigest()}
"""


@dataclass
class Teams:
    a: Access  # admin of workspace A, which connects project A
    b: Access  # admin of workspace B, which connects project B
    c: Access  # admin of a personal workspace left on the installation default
    a_developer: User
    a_operator: User
    outsider: User
    a_slug: str


@pytest.fixture(scope="module")
def teams() -> Teams:
    a_admin, b_admin, c_admin = new_user("a-admin"), new_user("b-admin"), new_user("c-admin")
    developer, operator, outsider = new_user("a-dev"), new_user("a-op"), new_user("outsider")
    a_slug = shared_workspace(a_admin, [(developer, Role.developer), (operator, Role.operator)])
    a, b = in_workspace(a_admin, a_slug), in_workspace(b_admin, shared_workspace(b_admin))
    return Teams(a, b, acting(c_admin), developer, operator, outsider, a_slug)


@pytest.fixture
def connected(fake, teams):
    """The installation default on PROJECT; A and B on their own projects, each with SHARED_NAME."""
    fake.add_secret(PROJECT, ENV, "/", "SHARED_NAME", "default-value")
    fake.add_secret(PROJECT, ENV, "/", "DEFAULT_ONLY", "d")
    for team, value in ((A, "a-value"), (B, "b-value")):
        fake.add_identity(team["client_id"], team["client_secret"])
        fake.add_secret(team["project_id"], team["environment"], team["secret_path"], "SHARED_NAME", value)
    fake.add_secret(A["project_id"], A["environment"], "/", "A_ONLY", "a")
    fake.add_secret(B["project_id"], B["environment"], "/payments", "B_ONLY", "b")
    use_infisical(fake.url)
    workspace_infisical.connect(teams.a, {**A, "site_url": fake.url})
    workspace_infisical.connect(teams.b, {**B, "site_url": fake.url})
    yield fake
    for admin in (teams.a, teams.b, teams.c):
        infisical.unconfigure(by=admin)


def test_each_workspace_resolves_and_lists_only_its_own_connection(connected, teams):
    a, b, c = teams.a, teams.b, teams.c
    assert secrets.resolve(a.workspace_id, ["SHARED_NAME", "A_ONLY"]) == {"SHARED_NAME": "a-value", "A_ONLY": "a"}
    assert secrets.resolve(b.workspace_id, ["SHARED_NAME", "B_ONLY"]) == {"SHARED_NAME": "b-value", "B_ONLY": "b"}
    assert secrets.resolve(c.workspace_id, ["SHARED_NAME"]) == {"SHARED_NAME": "default-value"}
    with pytest.raises(secrets.SecretError, match="project proj-a, environment 'prod'") as refused:
        secrets.resolve(a.workspace_id, ["B_ONLY", "DEFAULT_ONLY"])  # neither the other team's nor the default's
    assert "B_ONLY" in str(refused.value) and "DEFAULT_ONLY" in str(refused.value)

    assert catalog(a).names() == {"SHARED_NAME", "A_ONLY"}
    assert catalog(b).names() == {"SHARED_NAME", "B_ONLY"}
    assert catalog(c).names() == {"SHARED_NAME", "DEFAULT_ONLY"}
    assert {name for name, _ in secrets.list_all(b)} == {"SHARED_NAME", "B_ONLY"}

    assert (workspace_infisical.status(a).uses, workspace_infisical.status(c).uses) == ("own", "default")
    assert workspace_infisical.status(c).default_where == f"project {PROJECT}, environment '{ENV}', path '/'"
    ok, message = workspace_infisical.check(b)
    assert ok and message.endswith("2 secret(s) in project proj-b, environment 'dev', path '/payments'")


@pytest.mark.usefixtures("docker_ready")
def test_a_run_gets_its_own_workspace_value(connected, teams):
    ran = {
        name: run_of(built_script(who, f"{name}-{uuid.uuid4().hex[:6]}", "python", CODE, [], ["SHARED_NAME"]), "manual")
        for name, who in (("a", teams.a), ("b", teams.b), ("c", teams.c))
    }
    assert {name: run.status for name, run in ran.items()} == dict.fromkeys("abc", "succeeded"), ran
    assert {name: run.result["digest"] for name, run in ran.items()} == {
        "a": digest("a-value"),
        "b": digest("b-value"),
        "c": digest("default-value"),
    }


def test_disconnecting_goes_back_to_the_installation_default(connected, teams):
    assert workspace_infisical.disconnect(teams.a) is True
    assert workspace_infisical.disconnect(teams.a) is False  # nothing left to remove
    assert workspace_infisical.status(teams.a).uses == "default"
    assert secrets.resolve(teams.a.workspace_id, ["SHARED_NAME"]) == {"SHARED_NAME": "default-value"}
    assert catalog(teams.b).names() == {"SHARED_NAME", "B_ONLY"}  # the other workspace keeps its own


def test_a_workspace_cannot_borrow_the_installation_identity(connected, teams):
    form = {"site_url": connected.url, "client_id": CLIENT_ID, "project_id": A["project_id"], "environment": "prod"}
    with pytest.raises(infisical.ConfigError, match="client secret is required"):
        workspace_infisical.connect(teams.c, form)  # the installation's secret is never its to keep
    assert workspace_infisical.status(teams.c).uses == "default"
    # the installation's token is cached; a guessed secret for its client id must still log in, and fail
    assert secrets.resolve(teams.c.workspace_id, ["SHARED_NAME"]) == {"SHARED_NAME": "default-value"}
    workspace_infisical.connect(teams.c, {**form, "client_secret": "a guess"})
    with pytest.raises(secrets.ProviderError, match="bad credentials"):
        secrets.resolve(teams.c.workspace_id, ["A_ONLY"])
    # a stored secret is sent only where it was entered for: a new site URL needs it again
    with pytest.raises(infisical.ConfigError, match="required again when the site URL or client id changes"):
        workspace_infisical.connect(teams.a, {**A, "client_secret": "", "site_url": "https://elsewhere.example"})
    assert workspace_infisical.status(teams.a).own["site_url"] == connected.url


def test_only_the_workspace_admins_manage_its_connection(connected, teams):
    before = workspace_infisical.status(teams.a).own
    attempts = [
        (workspace_infisical.connect, {**B, "site_url": connected.url}),
        (workspace_infisical.disconnect,),
        (workspace_infisical.check,),
        (workspace_infisical.status,),
    ]
    for user in (teams.a_operator, teams.a_developer):
        member = in_workspace(user, teams.a_slug)
        for service, *args in attempts:
            with pytest.raises(errors.Forbidden, match="you need admin"):
                service(member, *args)
    with pytest.raises(errors.NotFound):  # not a member: no such workspace, so no Access to act with
        in_workspace(teams.outsider, teams.a_slug)
    assert workspace_infisical.status(teams.a).own == before
    assert secrets.resolve(teams.a.workspace_id, ["SHARED_NAME"]) == {"SHARED_NAME": "a-value"}


def test_changes_are_the_workspace_audit_events_without_the_secret(connected, teams):
    assert B["client_secret"] not in repr(workspace_infisical.status(teams.b))
    workspace_infisical.disconnect(teams.b)
    cleared, saved = audit.for_workspace(teams.b, limit=2)
    assert (cleared.action, cleared.target, cleared.details) == ("settings.change", "infisical", {"cleared": True})
    assert (saved.action, saved.target, saved.workspace_id) == ("settings.change", "infisical", teams.b.workspace_id)
    assert saved.details["value"]["project_id"] == "proj-b" and saved.details["credential_changed"] is True
    assert saved.actor_id == teams.b.user_id
    with session() as s:
        found = s.execute(
            text("SELECT count(*) FROM audit_events e WHERE strpos(e::text, :n) > 0"), {"n": B["client_secret"]}
        ).scalar_one()
    assert found == 0
