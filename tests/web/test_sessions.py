"""Browser sessions: a login makes a token only its hash is kept of; logout and expiry end it."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.db import session
from app.models import WebSession, utcnow
from app.services import sessions, users


@pytest.fixture
def person():
    email, password = f"s-{uuid.uuid4().hex[:8]}@runpad.test", "a-good-password"
    return users.create(email, password), email, password


def test_login_gives_a_token_that_names_the_user_and_is_stored_only_hashed(person):
    user, email, password = person
    _, token = sessions.login(email.upper(), password)
    assert sessions.user_for(token).id == user.id
    with session() as s:
        hashes = s.scalars(select(WebSession.token_hash).where(WebSession.user_id == user.id)).all()
    assert hashes and token not in hashes


def test_wrong_password_and_unknown_email_get_the_same_answer(person):
    _, email, _ = person
    with pytest.raises(sessions.LoginError) as wrong:
        sessions.login(email, "not-the-password")
    with pytest.raises(sessions.LoginError) as unknown:
        sessions.login("nobody@runpad.test", "not-the-password")
    assert str(wrong.value) == str(unknown.value)


def test_logout_and_expiry_end_a_session(person):
    _, email, password = person
    _, first = sessions.login(email, password)
    _, second = sessions.login(email, password)
    sessions.logout(first)
    assert sessions.user_for(first) is None and sessions.user_for(second) is not None
    with session() as s:
        s.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    assert sessions.user_for(second) is None
    assert sessions.user_for("") is None and sessions.user_for("made-up") is None
