"""POST /auth/login and /auth/logout on the IDE's origin (the real app.api.main.api over ASGI, real
PostgreSQL and Redis): the HttpOnly cookie the server sets, where a form post is sent next, posts from
other sites refused, logout ending the session, and failed logins throttled on the page and the API."""

from __future__ import annotations

import uuid
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient

from app.api.main import api
from app.core.redis import redis_client
from app.core.settings import settings
from app.services import login_guard, sessions, users

PASSWORD = "a long enough password"
SAME_SITE = {"origin": "http://localhost:3000", "sec-fetch-site": "same-origin"}


@pytest.fixture(autouse=True)
def public_url(monkeypatch):
    monkeypatch.setattr(settings, "public_url", "http://localhost:3000")


@pytest.fixture
def person():
    email = f"login-{uuid.uuid4().hex[:8]}@runpad.test"
    return users.create(email, PASSWORD), email


def client(ip: str | None = None) -> TestClient:
    """A client from its own address, so per-address counts of one test do not reach another's."""
    return TestClient(api, client=(ip or f"198.51.100.{uuid.uuid4().int % 250 + 1}", 50000), follow_redirects=False)


def session_cookie(response) -> SimpleCookie:
    cookie = SimpleCookie()
    cookie.load(response.headers["set-cookie"])
    return cookie


def test_a_form_login_sets_an_httponly_lax_cookie_and_goes_to_next(person):
    user, email = person
    r = client().post(
        "/auth/login",
        data={"email": email.upper(), "password": PASSWORD, "next": "/scripts/abc/runs?page=2"},
        headers=SAME_SITE,
    )
    assert r.status_code == 303 and r.headers["location"] == "/scripts/abc/runs?page=2"
    morsel = session_cookie(r)["runpad_session"]
    assert morsel["httponly"] and morsel["samesite"].lower() == "lax" and morsel["path"] == "/"
    assert int(morsel["max-age"]) == 7 * 24 * 3600 and not morsel["secure"]
    assert sessions.user_for(morsel.value).id == user.id


@pytest.mark.parametrize(
    "referer,posted,expected",
    [
        ("http://testserver/login?next=%2Fsecrets", "", "/secrets"),  # posted before the page's on_load set `next`
        ("http://testserver/login?next=%2Fsecrets", "/scripts/x", "/scripts/x"),  # the form's own field wins
        ("http://evil.example/login?next=%2Fsecrets", "", "/scripts"),  # another site's page says nothing here
        ("http://testserver/secrets?next=%2Fsettings", "", "/scripts"),  # only the login page's `next`
        ("http://testserver/login?next=https%3A%2F%2Fevil.example", "", "/scripts"),  # still only a path of this site
    ],
)
def test_a_form_posted_before_its_page_loaded_still_goes_to_the_login_pages_next(person, referer, posted, expected):
    _, email = person
    r = client().post(
        "/auth/login",
        data={"email": email, "password": PASSWORD, "next": posted},
        headers={**SAME_SITE, "referer": referer},
    )
    assert r.status_code == 303 and r.headers["location"] == expected


def test_the_cookie_is_secure_when_the_public_url_is_https(person, monkeypatch):
    _, email = person
    monkeypatch.setattr(settings, "public_url", "https://runpad.example")
    r = client().post(
        "/auth/login", json={"email": email, "password": PASSWORD}, headers={"origin": "https://runpad.example"}
    )
    assert r.status_code == 200 and r.json() == {"email": email, "next": "/scripts"}
    assert session_cookie(r)["runpad_session"]["secure"]


def test_a_wrong_password_goes_back_to_the_form_or_gets_json(person):
    _, email = person
    http = client()
    form = http.post("/auth/login", data={"email": email, "password": "wrong", "next": "/secrets"}, headers=SAME_SITE)
    assert form.status_code == 303 and form.headers["location"] == "/login?error=invalid_credentials&next=%2Fsecrets"
    assert "set-cookie" not in form.headers
    as_json = http.post("/auth/login", json={"email": email, "password": "wrong"}, headers=SAME_SITE)
    assert as_json.status_code == 401 and as_json.json()["error"] == "invalid_credentials"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:x",
        "evil.example",
        "/login?next=//evil.example",
        "/auth/logout",
        "/ok\r\nx: y",
    ],
)
def test_next_is_only_ever_a_path_of_this_site(person, target):
    _, email = person
    r = client().post("/auth/login", data={"email": email, "password": PASSWORD, "next": target}, headers=SAME_SITE)
    assert r.status_code == 303 and r.headers["location"] == "/scripts"


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
def test_a_login_posted_from_another_site_is_refused(person, headers):
    _, email = person
    http = client()
    form = http.post("/auth/login", data={"email": email, "password": PASSWORD}, headers=headers)
    assert form.status_code == 303 and form.headers["location"].startswith("/login?error=cross_site")
    as_json = http.post("/auth/login", json={"email": email, "password": PASSWORD}, headers=headers)
    assert as_json.status_code == 403 and "set-cookie" not in form.headers and "set-cookie" not in as_json.headers


def test_logout_ends_the_session_on_the_server_and_clears_the_cookie(person):
    user, _ = person
    token, other = sessions.start(user.id), sessions.start(user.id)
    http = client()
    refused = http.post("/auth/logout", headers={"origin": "https://evil.example", "cookie": f"runpad_session={token}"})
    assert refused.status_code == 303 and sessions.user_for(token) is not None  # a cross-site post changes nothing
    r = http.post("/auth/logout", headers={**SAME_SITE, "cookie": f"runpad_session={token}"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    cleared = session_cookie(r)["runpad_session"]
    assert cleared.value == "" and int(cleared["max-age"]) == 0 and cleared["httponly"]
    assert sessions.user_for(token) is None and sessions.user_for(other) is not None  # only this one
    assert (
        http.get(
            "/ui/runs/00000000-0000-0000-0000-000000000000/log.txt", headers={"cookie": f"runpad_session={token}"}
        ).status_code
        == 401
    )


def test_an_oversized_or_garbled_post_is_refused_without_a_session(person):
    _, email = person
    http = client()
    huge = http.post("/auth/login", json={"email": email, "password": PASSWORD, "pad": "x" * 20_000}, headers=SAME_SITE)
    assert huge.status_code == 413 and "set-cookie" not in huge.headers
    for body in (b"\xff\xfe", b"[1, 2]", b"{not json"):
        r = http.post("/auth/login", content=body, headers={**SAME_SITE, "content-type": "application/json"})
        assert r.status_code == 401 and "set-cookie" not in r.headers


# ---- throttling --------------------------------------------------------------------------------


def fail(http: TestClient, email: str, times: int) -> None:
    for _ in range(times):
        r = http.post("/auth/login", json={"email": email, "password": "wrong"}, headers=SAME_SITE)
        assert r.status_code == 401


def test_ten_failures_lock_the_account_on_the_page_and_the_api_even_with_the_right_password(person):
    _, email = person
    fail(client(), email, login_guard.ACCOUNT_FAILURES)
    http = client()  # another address: the account itself is locked
    for r in (
        http.post("/auth/login", json={"email": email, "password": PASSWORD}, headers=SAME_SITE),
        http.post("/auth/login", data={"email": email, "password": PASSWORD}, headers=SAME_SITE),
        http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}),
    ):
        assert r.status_code == 429 and "set-cookie" not in r.headers and "token" not in r.text
        assert 0 < int(r.headers["retry-after"]) <= 15 * 60
    assert r.json()["error"] == "too_many_requests"
    redis_client().delete(*[key for key, _ in login_guard.failure_keys(email, "")][:1])  # the window passes
    assert http.post("/auth/login", json={"email": email, "password": PASSWORD}, headers=SAME_SITE).status_code == 200


def test_an_unknown_email_is_throttled_like_a_known_one():
    email = f"nobody-{uuid.uuid4().hex[:8]}@runpad.test"
    http = client()
    fail(http, email, login_guard.ACCOUNT_FAILURES)
    r = http.post("/auth/login", json={"email": email, "password": "anything"}, headers=SAME_SITE)
    assert r.status_code == 429 and r.headers["retry-after"]


def test_one_address_failing_on_many_accounts_is_stopped(person):
    _, email = person
    http = client("203.0.113.77")
    for n in range(login_guard.ADDRESS_FAILURES // 5):
        fail(http, f"spray-{n}-{uuid.uuid4().hex[:6]}@runpad.test", 5)
    r = http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert client().post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).status_code == 201


def test_password_checks_wait_for_a_free_slot_then_answer_busy(person):
    _, email = person
    for _ in range(login_guard.VERIFY_SLOTS):
        assert login_guard.verify_slots.acquire(timeout=10)
    try:
        r = client().post("/auth/login", json={"email": email, "password": PASSWORD}, headers=SAME_SITE)
        assert r.status_code == 503 and r.json()["error"] == "busy" and r.headers["retry-after"] == "1"
        api_answer = client().post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert api_answer.status_code == 503 and api_answer.json()["error"] == "busy"
    finally:
        for _ in range(login_guard.VERIFY_SLOTS):
            login_guard.verify_slots.release()
    r = client().post("/auth/login", json={"email": email, "password": PASSWORD}, headers=SAME_SITE)
    assert r.status_code == 200


def test_a_throttled_form_login_answers_429_with_a_page_that_leads_back(person):
    _, email = person
    fail(client(), email, login_guard.ACCOUNT_FAILURES)
    r = client().post("/auth/login", data={"email": email, "password": PASSWORD}, headers=SAME_SITE)
    assert r.status_code == 429 and "Too many failed logins" in r.text and "/login?error=too_many_requests" in r.text
