"""Teams through the REST API (contract §6): installation admins manage users and invitations, users
create workspaces and add members with roles, and a disabled user's token stops at once."""

from __future__ import annotations

import uuid

import httpx
import pytest

from app.services import tokens, users
from tests.api.conftest import PASSWORD, User, new_user
from tests.api.helpers import assert_error


@pytest.fixture
def admin(base_url):
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    row = users.create(email, PASSWORD, is_admin=True)
    _, token = tokens.issue(row.id)
    user = User(
        row.id, email, token, httpx.Client(base_url=f"{base_url}/api/v1", headers={"authorization": f"Bearer {token}"})
    )
    yield user
    user.http.close()


def test_me_names_the_user_and_their_personal_workspace(alice):
    me = alice.http.get("/me").json()
    assert (me["id"], me["email"], me["is_admin"]) == (str(alice.id), alice.email, False)
    (personal,) = me["workspaces"]
    assert personal["personal"] is True and personal["role"] == "admin" and personal["name"] == alice.email


def test_an_admin_creates_users_with_a_password_or_an_invitation_and_others_cannot(admin, alice, base_url):
    email = f"carol-{uuid.uuid4().hex[:8]}@example.com"
    r = admin.http.post("/users", json={"email": email, "password": "carol's password"})
    assert r.status_code == 201, r.text
    assert r.json()["invite_url"] is None and users.authenticate(email, "carol's password") is not None

    invited = f"dave-{uuid.uuid4().hex[:8]}@example.com"
    r = admin.http.post("/users", json={"email": invited})
    assert r.status_code == 201, r.text
    url = r.json()["invite_url"]
    assert url.startswith(f"{base_url}/invite/") or "/invite/" in url
    token = url.rsplit("/", 1)[1]
    assert users.authenticate(invited, "") is None  # no password yet: nothing logs in
    assert users.invited(token).email == invited
    users.accept(token, "dave's new password")
    assert users.authenticate(invited, "dave's new password") is not None
    with pytest.raises(users.InvitationError):
        users.accept(token, "a second use of it")  # one use

    assert_error(admin.http.post("/users", json={"email": email, "password": "another one"}), 409)
    assert_error(alice.http.post("/users", json={"email": "x@example.com", "password": "whatever1"}), 403)
    assert_error(alice.http.get("/users"), 403)
    listed = {u["email"] for u in admin.http.get("/users").json()}
    assert {email, invited, alice.email} <= listed


def test_a_disabled_users_token_and_login_stop_at_once_and_come_back_only_with_new_ones(admin, base_url):
    victim = new_user(base_url)
    assert victim.http.get("/me").status_code == 200
    r = admin.http.patch(f"/users/{victim.id}", json={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert_error(victim.http.get("/me"), 401)
    assert users.authenticate(victim.email, PASSWORD) is None
    admin.http.patch(f"/users/{victim.id}", json={"disabled": False})
    assert_error(victim.http.get("/me"), 401)  # the old token was revoked with the disabling
    assert users.authenticate(victim.email, PASSWORD) is not None
    assert_error(admin.http.patch(f"/users/{admin.id}", json={"disabled": True}), 422)  # not yourself
    victim.http.close()


def test_workspaces_members_and_roles(alice, bob):
    slug = f"team-{uuid.uuid4().hex[:8]}"
    r = alice.http.post("/workspaces", json={"slug": slug, "name": "The team"})
    assert r.status_code == 201 and r.json() == {"slug": slug, "name": "The team", "role": "admin", "personal": False}
    assert_error(bob.http.post("/workspaces", json={"slug": slug, "name": "Again"}), 409)
    assert_error(bob.http.get(f"/workspaces/{slug}/members"), 404)  # not a member: as if it did not exist
    assert_error(bob.http.get("/scripts", headers={"x-runpad-workspace": slug}), 404)

    assert alice.http.put(f"/workspaces/{slug}/members/{bob.id}", json={"role": "operator"}).status_code == 200
    assert {(w["slug"], w["role"]) for w in bob.http.get("/workspaces").json()} >= {(slug, "operator")}
    assert bob.http.get("/scripts", headers={"x-runpad-workspace": slug}).json() == []
    assert_error(bob.http.put(f"/workspaces/{slug}/members/{bob.id}", json={"role": "admin"}), 403)
    assert_error(alice.http.put(f"/workspaces/{slug}/members/{bob.id}", json={"role": "owner"}), 422)

    # the last admin stays; another admin first, then alice may step down
    assert_error(alice.http.put(f"/workspaces/{slug}/members/{alice.id}", json={"role": "developer"}), 422)
    alice.http.put(f"/workspaces/{slug}/members/{bob.id}", json={"role": "admin"})
    assert alice.http.delete(f"/workspaces/{slug}/members/{alice.id}").status_code == 204  # leaving
    assert_error(alice.http.get("/scripts", headers={"x-runpad-workspace": slug}), 404)
    assert [m["email"] for m in bob.http.get(f"/workspaces/{slug}/members").json()] == [bob.email]


def test_secrets_of_two_workspaces_with_one_name_are_two_secrets(alice, bob):
    for user, value in ((alice, "alice's"), (bob, "bob's")):
        assert user.http.put("/secrets/SHARED_NAME", json={"value": value}).status_code == 204
    assert_error(alice.http.delete("/secrets/ONLY_BOBS"), 404)
    bob.http.delete("/secrets/SHARED_NAME")
    assert [s["name"] for s in alice.http.get("/secrets").json()] == ["SHARED_NAME"]
    assert bob.http.get("/secrets").json() == []
