"""Accepting an invitation in the browser: POST /auth/invite (the real app.api.main.api over ASGI, real
PostgreSQL and Redis) sets the password, uses the link up and logs the person in with the HttpOnly
cookie; used, expired and made-up links, short passwords and other sites' posts are refused and sent
back to the page with ?error=; the /invite/[token] page's state shows whom a live link is for."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.api.main import api
from app.core.db import session
from app.core.settings import settings
from app.models import Invitation, utcnow
from app.pages.invite import PAGES
from app.services import sessions, users
from state.invite import InviteState
from tests.web.tabs import navigate, sub, tab
from tests.web.test_scripts_ui import run

PASSWORD = "a long enough password"
SAME_SITE = {"origin": "http://localhost:3000", "sec-fetch-site": "same-origin"}


@pytest.fixture(autouse=True)
def public_url(monkeypatch):
    monkeypatch.setattr(settings, "public_url", "http://localhost:3000")


@pytest.fixture
def invited():
    """(user, token, email) of a new invitation."""
    email = f"invite-{uuid.uuid4().hex[:8]}@runpad.test"
    user, token = users.invite(email)
    return user, token, email


def client() -> TestClient:
    return TestClient(api, client=(f"198.51.100.{uuid.uuid4().int % 250 + 1}", 50000), follow_redirects=False)


def accept(token: str, password: str = PASSWORD, headers: dict | None = None):
    return client().post("/auth/invite", data={"token": token, "password": password}, headers=headers or SAME_SITE)


def back_to_page(token: str, code: str) -> str:
    return f"/invite/{quote(token, safe='')}?error={code}"


def can_log_in(email: str, password: str) -> bool:
    r = client().post("/auth/login", json={"email": email, "password": password}, headers=SAME_SITE)
    return r.status_code == 200


def test_accepting_sets_the_password_logs_in_with_an_httponly_cookie_and_uses_the_link_up(invited):
    user, token, email = invited
    r = accept(token)
    assert r.status_code == 303 and r.headers["location"] == "/scripts" and r.headers["cache-control"] == "no-store"
    cookie = SimpleCookie()
    cookie.load(r.headers["set-cookie"])
    morsel = cookie["runpad_session"]
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax" and morsel["path"] == "/"
    assert sessions.user_for(morsel.value).id == user.id  # logged in
    assert can_log_in(email, PASSWORD)
    with pytest.raises(users.InvitationError):
        users.invited(token)


def test_a_link_works_once(invited):
    _, token, email = invited
    assert accept(token).status_code == 303
    again = accept(token, "another long password")
    assert again.status_code == 303 and again.headers["location"] == back_to_page(token, "invalid_invitation")
    assert "set-cookie" not in again.headers
    assert can_log_in(email, PASSWORD) and not can_log_in(email, "another long password")


def test_an_expired_link_is_refused_and_sets_no_password(invited):
    user, token, email = invited
    with session() as s:
        s.execute(
            update(Invitation).where(Invitation.user_id == user.id).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        s.commit()
    r = accept(token)
    assert r.status_code == 303 and r.headers["location"] == back_to_page(token, "invalid_invitation")
    assert "set-cookie" not in r.headers and not can_log_in(email, PASSWORD)


def test_a_short_password_is_refused_and_the_link_still_works(invited):
    user, token, email = invited
    r = accept(token, "short")
    assert r.status_code == 303 and r.headers["location"] == back_to_page(token, "weak_password")
    assert "set-cookie" not in r.headers and not can_log_in(email, "short")
    assert users.invited(token).id == user.id
    assert accept(token).status_code == 303 and can_log_in(email, PASSWORD)


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://localhost:3000.evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"origin": "http://localhost:3000", "sec-fetch-site": "same-site"},
    ],
)
def test_an_invitation_posted_from_another_site_is_refused_and_changes_nothing(invited, headers):
    user, token, email = invited
    form = accept(token, headers=headers)
    assert form.status_code == 303 and form.headers["location"] == back_to_page(token, "cross_site")
    as_json = client().post("/auth/invite", json={"token": token, "password": PASSWORD}, headers=headers)
    assert as_json.status_code == 403 and as_json.json()["error"] == "cross_site"
    assert "set-cookie" not in form.headers and "set-cookie" not in as_json.headers
    assert users.invited(token).id == user.id and not can_log_in(email, PASSWORD)


def test_json_posts_get_json(invited):
    _, token, email = invited
    http = client()
    weak = http.post("/auth/invite", json={"token": token, "password": "short"}, headers=SAME_SITE)
    assert weak.status_code == 422 and weak.json()["error"] == "weak_password"
    ok = http.post("/auth/invite", json={"token": token, "password": PASSWORD}, headers=SAME_SITE)
    assert ok.status_code == 200 and ok.json() == {"email": email, "next": "/scripts"}
    assert "runpad_session=" in ok.headers["set-cookie"]
    used = http.post("/auth/invite", json={"token": token, "password": PASSWORD}, headers=SAME_SITE)
    assert used.status_code == 404 and used.json()["error"] == "invalid_invitation" and token not in used.text


@pytest.mark.parametrize(
    "token", ["made-up", "../../login?next=//evil.example", "x\r\nset-cookie: a=b", '"><script>alert(1)</script>', ""]
)
def test_a_made_up_token_goes_back_url_encoded_and_never_as_markup(token):
    r = accept(token)
    assert r.status_code == 303 and r.headers["location"] == back_to_page(token, "invalid_invitation")
    path = r.headers["location"].split("?")[0]
    assert path.count("/") == 2 and not any(c in path for c in "<>\"'\r\n?#")
    assert "set-cookie" not in r.headers and "a=b" not in r.headers.get("set-cookie", "")


def test_a_huge_token_is_cut_before_it_reaches_the_redirect():
    r = accept("A" * 10_000)
    assert r.status_code == 303 and len(r.headers["location"]) < 300


def test_an_oversized_post_is_refused_without_a_session(invited):
    _, token, _ = invited
    r = client().post("/auth/invite", data={"token": token, "password": "x" * 20_000}, headers=SAME_SITE)
    assert r.status_code == 413 and "set-cookie" not in r.headers and token not in r.text
    assert users.invited(token)  # nothing happened


def test_neither_the_token_nor_the_password_is_logged(invited, caplog):
    _, token, _ = invited
    with caplog.at_level(logging.DEBUG):
        accept(token, "short")
        accept(token)
        accept(token)
    assert token not in caplog.text and PASSWORD not in caplog.text


# ---- the page ----------------------------------------------------------------------------------


def page_state(as_path: str) -> InviteState:
    root = tab(None, "/invite/[token]")
    navigate(root, "/invite/[token]", as_path)
    state = sub(root, InviteState)
    asyncio.run(run(InviteState.load, state))
    return state


def test_the_page_says_whom_a_live_link_is_for_and_why_a_post_came_back(invited):
    _, token, email = invited
    state = page_state(f"/invite/{token}")
    assert state.checked and state.link_works and state.heading == f"Set a password for {email}"
    assert state.invite_token == token and state.error == ""
    state = page_state(f"/invite/{token}?error=weak_password")
    assert state.error == "A password needs at least 8 characters."
    state = page_state(f"/invite/{token}?error=<b>made up</b>")
    assert state.error == ""  # only known codes, never the query itself


@pytest.mark.parametrize("kind", ["unknown", "used"])
def test_the_page_shows_no_form_for_a_link_that_does_not_work(invited, kind):
    _, token, email = invited
    if kind == "used":
        users.accept(token, PASSWORD)
    else:
        token = "not-an-invitation"
    state = page_state(f"/invite/{token}?error=invalid_invitation")
    assert state.checked and not state.link_works
    assert state.email == "" and state.invite_token == "" and state.heading == "" and state.error == ""


def test_the_page_is_public_and_its_form_posts_to_the_server():
    (page,) = [p for p in PAGES if p.route == "/invite/[token]"]
    assert [handler.fn.__name__ for handler in page.on_load] == ["load"]  # no require_login
    rendered = str(page.component().render())
    for expected in ('"/auth/invite"', '"post"', '"new-password"', '"password"', "minLength"):
        assert expected in rendered
