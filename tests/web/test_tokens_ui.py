"""Settings > API tokens through its state, as the page calls it: a token made in the browser is shown
once (sent to the page's box, kept in no state var) and works on the API; its row says when it was
made, when it expires and when it was last used; revoking it ends it at once; each step is audited
without the token; someone else's tokens are neither listed nor revoked. Real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.api.main import api
from app.core.db import session
from app.models import ApiToken, AuditEvent, utcnow
from app.services import tokens, users
from state.tokens import NEW_TOKEN_BOX, TokensState
from tests.web.tabs import sub, tab
from tests.web.test_scripts_ui import run

PAGE = "/settings/tokens"


def new_user():
    return users.create(f"tok-{uuid.uuid4().hex[:10]}@example.com", "a long enough password")


def page_of(user_id):
    state = sub(tab(user_id, PAGE), TokensState)
    asyncio.run(run(TokensState.load, state))
    return state


def sent_to_the_box(events) -> list[str]:
    """The values the handler sent into the page's token box (rx.set_value events)."""
    values = []
    for spec in events:
        args = {str(name): json.loads(str(value)) for name, value in getattr(spec, "args", ())}
        if args.get("ref") == f"ref_{NEW_TOKEN_BOX.replace('-', '_')}":
            values.append(args["value"])
    return values


def make(state, name="laptop", days="30") -> str:
    events = asyncio.run(run(TokensState.create, state, {"name": name, "expires_in_days": days}))
    assert state.error == ""
    (token,) = [v for v in sent_to_the_box(events) if v]
    return token


def me(token: str) -> int:
    with TestClient(api) as http:
        return http.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).status_code


def audited(user_id, action: str) -> list[AuditEvent]:
    with session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.actor_id == user_id, AuditEvent.action == action)))


def test_a_token_made_on_the_page_is_shown_once_works_and_is_kept_nowhere_in_the_state():
    user = new_user()
    state = page_of(user.id)
    assert state.loaded and state.rows == []
    token = make(state, "laptop CLI", "30")
    assert token.startswith(tokens.PREFIX) and me(token) == 200
    assert state.fresh_name == "laptop CLI"
    assert token not in json.dumps(state.dict())  # shown through the box only: no var holds it
    (row,) = state.rows
    assert row["name"] == "laptop CLI" and row["status"] == "live" and row["last_used"] == "never"
    assert row["expires"] == (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M UTC")
    events = asyncio.run(run(TokensState.dismiss, state))
    assert state.fresh_name == "" and sent_to_the_box(events) == [""]  # the box is emptied too
    asyncio.run(run(TokensState.load, state))  # used on the API above: the list says so
    assert state.rows[0]["last_used"] != "never"
    (event,) = audited(user.id, "token.create")
    assert token not in json.dumps(event.details) and event.target == row["id"]


def test_no_expiry_and_bad_expiries():
    user = new_user()
    state = page_of(user.id)
    make(state, "forever", "  ")
    assert state.rows[0]["expires"] == "never"
    for days in ("0", "366", "ten", "-3", "1.5"):
        events = asyncio.run(run(TokensState.create, state, {"name": "bad", "expires_in_days": days}))
        assert "The token was not made" in state.error and "1 to 365" in state.error
        assert [v for v in sent_to_the_box(events) if v] == []
    assert len(tokens.list_for(user.id)) == 1
    asyncio.run(run(TokensState.create, state, {"name": "x" * 101, "expires_in_days": "7"}))
    assert "1 to 100 characters" in state.error and len(tokens.list_for(user.id)) == 1


def test_revoking_on_the_page_ends_the_token_at_once():
    user = new_user()
    state = page_of(user.id)
    token = make(state)
    asyncio.run(run(TokensState.revoke, state, state.rows[0]["id"]))
    assert state.error == "" and state.rows[0]["status"] == "revoked" and me(token) == 401
    assert len(audited(user.id, "token.revoke")) == 1
    asyncio.run(run(TokensState.revoke, state, state.rows[0]["id"]))  # twice: nothing left to revoke
    assert "not revoked" in state.error and len(audited(user.id, "token.revoke")) == 1
    asyncio.run(run(TokensState.revoke, state, "not-an-id"))
    assert "not revoked" in state.error


def test_an_expired_token_is_listed_as_expired():
    user = new_user()
    row, _ = tokens.issue(user.id, "old", 1)
    with session() as s:
        s.execute(update(ApiToken).where(ApiToken.id == row.id).values(expires_at=utcnow() - timedelta(minutes=1)))
        s.commit()
    assert page_of(user.id).rows[0]["status"] == "expired"


def test_someone_elses_tokens_are_not_listed_nor_revoked():
    owner, other = new_user(), new_user()
    row, token = tokens.issue(owner.id, "owner's token")
    state = page_of(other.id)
    assert state.rows == []
    asyncio.run(run(TokensState.revoke, state, str(row.id)))
    assert "not revoked" in state.error and me(token) == 200
