"""API tokens: issued for a password, required on every call but the login, revocable, stored hashed."""

import hashlib
from datetime import UTC

import httpx
import pytest
from sqlalchemy import select

from app.core.db import session
from app.models import ApiToken
from tests.api.conftest import PASSWORD
from tests.api.helpers import assert_error

PROTECTED = [
    ("GET", "/scripts"),
    ("POST", "/scripts"),
    ("GET", "/scripts/00000000-0000-0000-0000-000000000000"),
    ("GET", "/runs"),
    ("POST", "/tryout"),
    ("GET", "/builds/00000000-0000-0000-0000-000000000000"),
    ("GET", "/secrets"),
    ("PUT", "/secrets/X"),
    ("GET", "/auth/tokens"),
    ("DELETE", "/auth/token"),
]


def test_a_password_gets_a_recognisable_token_that_is_stored_only_as_its_hash(alice, anonymous):
    r = anonymous.post("/auth/token", json={"email": alice.email.upper(), "password": PASSWORD, "name": "laptop"})
    assert r.status_code == 201
    token = r.json()["token"]
    assert token.startswith("rp_") and len(token) >= 40 and r.json()["name"] == "laptop"
    with session() as s:
        row = s.get(ApiToken, r.json()["id"])
        stored = list(s.scalars(select(ApiToken.token_hash)))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in h for h in stored)


def test_a_wrong_password_or_unknown_email_gets_401(alice, anonymous):
    assert_error(
        anonymous.post("/auth/token", json={"email": alice.email, "password": "wrong password"}),
        401,
        "invalid_credentials",
    )
    assert_error(
        anonymous.post("/auth/token", json={"email": "nobody@example.com", "password": PASSWORD}),
        401,
        "invalid_credentials",
    )


@pytest.mark.parametrize("method,path", PROTECTED)
def test_every_call_needs_a_valid_token(anonymous, method, path):
    body = assert_error(anonymous.request(method, path), 401, "unauthorized")
    assert "Bearer" in body["message"]
    for header in ("Bearer rp_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer", "rp_x"):
        r = anonymous.request(method, path, headers={"authorization": header})
        assert_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_is_refused_at_once(alice, base_url):
    r = httpx.post(f"{base_url}/api/v1/auth/token", json={"email": alice.email, "password": PASSWORD})
    second = {"authorization": f"Bearer {r.json()['token']}"}
    assert alice.http.get("/scripts", headers=second).status_code == 200
    assert alice.http.delete("/auth/token", headers=second).status_code == 204
    assert_error(alice.http.get("/scripts", headers=second), 401, "unauthorized")
    assert alice.http.get("/scripts").status_code == 200  # the first token still works


def test_tokens_are_listed_and_revoked_by_id_only_by_their_owner(alice, bob):
    listed = alice.http.get("/auth/tokens").json()
    assert len(listed) == 1 and "token" not in listed[0] and listed[0]["revoked_at"] is None
    token_id = listed[0]["id"]
    assert_error(bob.http.delete(f"/auth/tokens/{token_id}"), 404, "not_found")
    assert alice.http.get("/scripts").status_code == 200
    assert alice.http.delete(f"/auth/tokens/{token_id}").status_code == 204
    assert_error(alice.http.get("/scripts"), 401)
    with session() as s:
        assert s.get(ApiToken, token_id).revoked_at is not None


def test_last_used_is_recorded_but_written_at_most_once_a_minute(alice):
    with session() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.user_id == alice.id)).one()
    first = row.last_used_at  # logging in does not use the token
    alice.http.get("/scripts")
    with session() as s:
        used = s.get(ApiToken, row.id).last_used_at
    assert first is None and used is not None
    alice.http.get("/scripts")
    with session() as s:
        assert s.get(ApiToken, row.id).last_used_at == used


def test_a_token_may_expire_and_then_answers_401(alice, anonymous):
    from datetime import datetime, timedelta

    from sqlalchemy import update

    from app.models import utcnow

    r = anonymous.post(
        "/auth/token", json={"email": alice.email, "password": PASSWORD, "name": "ci", "expires_in_days": 30}
    )
    assert r.status_code == 201
    expires_at = datetime.fromisoformat(r.json()["expires_at"])
    assert abs(expires_at - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    short = {"authorization": f"Bearer {r.json()['token']}"}
    assert alice.http.get("/scripts", headers=short).status_code == 200
    listed = {t["name"]: t for t in alice.http.get("/auth/tokens").json()}
    assert listed["ci"]["expires_at"] is not None and listed["api"]["expires_at"] is None
    with session() as s:
        s.execute(update(ApiToken).where(ApiToken.id == r.json()["id"]).values(expires_at=utcnow()))
        s.commit()
    assert_error(alice.http.get("/scripts", headers=short), 401, "unauthorized")
    assert alice.http.get("/scripts").status_code == 200  # the token without expiry still works


def test_without_expires_in_days_a_token_never_expires(alice, anonymous):
    r = anonymous.post("/auth/token", json={"email": alice.email, "password": PASSWORD})
    assert r.status_code == 201 and r.json()["expires_at"] is None


@pytest.mark.parametrize("days", [0, 366, -1, 1.5, "soon"])
def test_expires_in_days_is_one_to_365(alice, anonymous, days):
    r = anonymous.post("/auth/token", json={"email": alice.email, "password": PASSWORD, "expires_in_days": days})
    assert_error(r, 422, "invalid_request")
    assert "expires_in_days" in r.json()["message"]


def test_the_document_names_expiry_and_the_login_limits(anonymous):
    doc = anonymous.get("/openapi.json").json()
    request = doc["components"]["schemas"]["TokenRequest"]["properties"]["expires_in_days"]
    assert "365" in str(request) and "expires_at" in doc["components"]["schemas"]["TokenOut"]["properties"]
    assert {"429", "503"} <= set(doc["paths"]["/auth/token"]["post"]["responses"])
