"""Browser sessions: a login makes a token only its hash is kept of; logout and expiry end it."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.core.db import session
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


def test_migration_0006_ends_sessions_whose_cookie_scripts_could_read():
    """Sessions from before the HttpOnly cookie end on upgrade; API tokens get an empty expires_at."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, TEST_DB, _psql

    db = f"{TEST_DB}_mig0006"
    _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    _psql(f"CREATE DATABASE {db}")
    env = {**os.environ, "RUNPAD_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"}

    def alembic(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "alembic", *args], cwd=ROOT, env=env, check=True, capture_output=True)

    def sql(query: str) -> str:
        return subprocess.run(
            ["psql", "-qtA", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-c", query],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    try:
        alembic("upgrade", "0005")
        sql(
            "INSERT INTO users (id, email, password_hash, is_admin, created_at) "
            "VALUES ('00000000-0000-0000-0000-000000000001', 'old@runpad.test', 'x', false, now());"
            "INSERT INTO web_sessions (id, user_id, token_hash, created_at, expires_at) VALUES "
            "('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'h', now(), "
            "now() + interval '7 days')"
        )
        alembic("upgrade", "head")
        assert sql("SELECT count(*) FROM web_sessions WHERE revoked_at IS NULL") == "0"
        assert (
            sql(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'api_tokens' "
                "AND column_name = 'expires_at'"
            )
            == "1"
        )
    finally:
        _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
