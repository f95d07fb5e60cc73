"""Migration 0008 carries an installation at 0007 forward into workspaces with nothing lost: every user
gets a personal workspace they are admin of; a script goes to its owner's, a run to its script's (a
try-out to its owner's); what had no owner, and every secret, to the first admin's; an installation
with data but no user gets a workspace "default" that the first admin joins (users.ensure_admin).

Each test migrates a database of its own with `alembic` in a subprocess (as tests/web/test_sessions.py
does for 0006), seeds it with SQL as the tables are at 0007, and drops it at the end. The services are
then pointed at that database (`app_on`) to show the owners reach what is theirs through them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from tests.conftest import ROOT, TEST_DB, _psql

KEPT = ("users", "scripts", "script_versions", "builds", "runs", "log_lines", "secrets")
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class Database:
    """A database of this test's own, migrated by `alembic` in a subprocess, as an operator would."""

    def __init__(self, name: str):
        self.name = name
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        self.engine = create_engine(self.url, poolclass=NullPool)  # no connection kept between statements

    def alembic(self, *args: str) -> None:
        env = {**os.environ, "RUNPAD_DATABASE_URL": self.url}
        done = subprocess.run(
            [sys.executable, "-m", "alembic", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"alembic {' '.join(args)} failed:\n{done.stderr[-6000:]}"

    def run(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as c:
            c.execute(text(sql), params)

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as c:
            return list(c.execute(text(sql), params))

    def value(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as c:
            return c.execute(text(sql), params).scalar()

    def ids(self, table: str) -> set[Any]:
        return {row[0] for row in self.rows(f"SELECT id FROM {table}")}

    def counts(self) -> dict[str, int]:
        return {table: self.value(f"SELECT count(*) FROM {table}") for table in KEPT}

    def version(self) -> str:
        return self.value("SELECT version_num FROM alembic_version")

    def exists(self, relation: str) -> bool:
        return self.value("SELECT to_regclass(:r) IS NOT NULL", r=relation)

    def has_column(self, table: str, column: str) -> bool:
        return bool(
            self.value(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = :t AND column_name = :c",
                t=table,
                c=column,
            )
        )

    def constraint(self, name: str) -> str | None:
        """pg_constraint.contype: 'u' unique, 'f' foreign key, ...; None when there is no such constraint."""
        return self.value("SELECT contype FROM pg_constraint WHERE conname = :n", n=name)

    def on_delete(self, constraint: str) -> str | None:
        """pg_constraint.confdeltype of a foreign key: 'c' cascade, 'n' set null, None if there is none."""
        return self.value("SELECT confdeltype FROM pg_constraint WHERE conname = :n AND contype = 'f'", n=constraint)


@pytest.fixture
def database() -> Iterator[Database]:
    name = f"{TEST_DB}_mig0008_{uuid.uuid4().hex[:8]}"
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _psql(f"CREATE DATABASE {name}")
    db = Database(name)
    try:
        yield db
    finally:
        db.engine.dispose()
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def app_on(db: Database) -> Iterator[None]:
    """Meanwhile the app's services (and tests.support.actors) use `db`, not the suite's database."""
    from app.core import db as app_db

    previous = app_db._engine
    app_db._engine = create_engine(db.url, poolclass=NullPool)
    try:
        yield
    finally:
        app_db._engine.dispose()
        app_db._engine = previous


# --- rows as the tables are at 0007 ---------------------------------------------------------------


def add_user(db: Database, email: str, is_admin: bool, created_at: datetime) -> uuid.UUID:
    user_id = uuid.uuid4()
    db.run(
        "INSERT INTO users (id, email, password_hash, is_admin, created_at) VALUES (:id, :email, 'x', :admin, :at)",
        id=user_id,
        email=email,
        admin=is_admin,
        at=created_at,
    )
    return user_id


def add_script(db: Database, name: str, owner: uuid.UUID | None, deps_hash: str) -> uuid.UUID:
    """A python script with its version 1."""
    script_id = uuid.uuid4()
    db.run(
        "INSERT INTO scripts (id, owner_id, name, runtime, trigger_type, timezone, http_auth, timeout_seconds, "
        "memory_mb, network, enabled, current_version, created_at, updated_at) "
        "VALUES (:id, :owner, :name, 'python', 'manual', 'UTC', 'none', 30, 256, true, true, 1, :at, :at)",
        id=script_id,
        owner=owner,
        name=name,
        at=T0,
    )
    add_version(db, script_id, deps_hash)
    return script_id


def add_version(db: Database, script_id: uuid.UUID | None, deps_hash: str) -> uuid.UUID:
    version_id = uuid.uuid4()
    db.run(
        "INSERT INTO script_versions (id, script_id, number, runtime, code, dependencies, secrets, deps_hash, "
        "created_at) VALUES (:id, :script, 1, 'python', 'def main(event):\n    return 1\n', '[]', "
        "'[\"API_KEY\"]', :hash, :at)",
        id=version_id,
        script=script_id,
        hash=deps_hash,
        at=T0,
    )
    return version_id


def version_of(db: Database, script_id: uuid.UUID) -> uuid.UUID:
    return db.value("SELECT id FROM script_versions WHERE script_id = :s AND number = 1", s=script_id)


def add_build(db: Database, deps_hash: str) -> uuid.UUID:
    build_id = uuid.uuid4()
    db.run(
        "INSERT INTO builds (id, deps_hash, runtime, dependencies, base_image, base_digest, status, log_truncated, "
        "created_at) VALUES (:id, :hash, 'python', '[]', 'python:3.12-slim-bookworm', 'sha256:base', 'ready', "
        "false, :at)",
        id=build_id,
        hash=deps_hash,
        at=T0,
    )
    add_log(db, "build", build_id, 1)
    return build_id


def add_run(
    db: Database,
    script_id: uuid.UUID | None,
    version_id: uuid.UUID,
    owner: uuid.UUID | None,
    minutes: int,
    lines: int = 2,
) -> uuid.UUID:
    run_id = uuid.uuid4()
    db.run(
        "INSERT INTO runs (id, script_id, version_id, version, trigger, status, timeout_seconds, memory_mb, "
        "network, queued_at, finished_at, log_truncated, owner_id) VALUES (:id, :script, :version, 1, :trigger, "
        "'succeeded', 30, 256, true, :at, :at, false, :owner)",
        id=run_id,
        script=script_id,
        version=version_id,
        trigger="manual" if script_id else "tryout",
        at=T0 + timedelta(minutes=minutes),
        owner=owner,
    )
    add_log(db, "run", run_id, lines)
    return run_id


def add_log(db: Database, source: str, source_id: uuid.UUID, lines: int) -> None:
    for seq in range(1, lines + 1):
        db.run(
            "INSERT INTO log_lines (source, source_id, seq, ts, stream, line) "
            "VALUES (:source, :id, :seq, :at, 'stdout', :line)",
            source=source,
            id=source_id,
            seq=seq,
            at=T0,
            line=f"{source} line {seq}",
        )


def add_secret(db: Database, name: str) -> bytes:
    ciphertext = os.urandom(24)  # never decrypted here: only carried
    db.run(
        "INSERT INTO secrets (id, name, provider, ciphertext, created_at, updated_at) "
        "VALUES (gen_random_uuid(), :name, 'store', :c, :at, :at)",
        name=name,
        c=ciphertext,
        at=T0,
    )
    return ciphertext


def insert_secret(db: Database, workspace_id: uuid.UUID, name: str) -> None:
    db.run(
        "INSERT INTO secrets (id, workspace_id, name, provider, ciphertext, created_at, updated_at) "
        "VALUES (gen_random_uuid(), :w, :name, 'store', '\\x00', now(), now())",
        w=workspace_id,
        name=name,
    )


def drift(db: Database, tables: set[str]) -> list[Any]:
    """What Alembic's autogenerate would still change in these tables for the schema to be the models'."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import app.models  # noqa: F401  (registers the tables)

    with db.engine.connect() as c:
        diffs = compare_metadata(MigrationContext.configure(c), SQLModel.metadata)

    def table_of(diff: Any) -> str:
        if isinstance(diff, list):  # modify_* of one column: (op, schema, table, column, ...)
            return diff[0][2]
        op, obj = diff[0], diff[1]
        if op.endswith("_column"):  # (op, schema, table, column)
            return diff[2]
        if op.endswith("_table"):
            return obj.name
        table = getattr(obj, "table", None)  # indexes and constraints
        return table.name if table is not None else repr(diff)

    return [diff for diff in diffs if table_of(diff) in tables]


# --- the tests -----------------------------------------------------------------------------------


def test_an_installation_with_users_is_carried_into_personal_workspaces_with_nothing_lost(database):
    from app.core import errors
    from app.models import Role
    from app.services import access, logs, scripts, secrets, users, workspaces
    from app.views import listings
    from tests.support.actors import acting

    db = database
    db.alembic("upgrade", "0007")
    # carol is the earliest user but not an admin: what had no owner goes to ada, the earliest admin
    carol = add_user(db, "carol@example.com", False, T0 - timedelta(days=1))
    ada = add_user(db, "Ada.Lovelace+ops@example.com", True, T0)
    bob = add_user(db, "bob@example.com", False, T0 + timedelta(days=1))
    build = add_build(db, "deps-py-1")
    s_ada = add_script(db, "ada's report", ada, "deps-py-1")
    s_bob = add_script(db, "bob's sync", bob, "deps-py-1")
    s_orphan = add_script(db, "left behind", None, "deps-py-1")
    tryout = add_version(db, None, "deps-py-1")
    r_ada = add_run(db, s_ada, version_of(db, s_ada), ada, 1)
    r_bob = add_run(db, s_bob, version_of(db, s_bob), bob, 2)
    r_bob_on_ada = add_run(db, s_ada, version_of(db, s_ada), bob, 3)  # bob ran ada's script
    r_orphan = add_run(db, s_orphan, version_of(db, s_orphan), None, 4)
    r_try_bob = add_run(db, None, tryout, bob, 5, lines=3)
    r_try_orphan = add_run(db, None, tryout, None, 6)
    ciphertexts = {"API_KEY": add_secret(db, "API_KEY"), "DB_PASSWORD": add_secret(db, "DB_PASSWORD")}
    before = db.counts()
    ids_before = {table: db.ids(table) for table in KEPT}
    assert before == {
        "users": 3,
        "scripts": 3,
        "script_versions": 4,
        "builds": 1,
        "runs": 6,
        "log_lines": 14,
        "secrets": 2,
    }

    db.alembic("upgrade", "head")

    # nothing lost: the same rows, and the secrets' bytes untouched
    assert db.counts() == before
    assert {table: db.ids(table) for table in KEPT} == ids_before
    assert dict(db.rows("SELECT name, ciphertext FROM secrets")) == ciphertexts

    # each user: exactly one personal workspace, its admin, slugged as users.personal_slug does; no other
    personal = db.rows(
        "SELECT u.id, u.email, w.id, w.slug, w.name, m.role FROM users u "
        "JOIN workspaces w ON w.personal_of = u.id "
        "LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = u.id"
    )
    assert sorted(row[0] for row in personal) == sorted([carol, ada, bob])
    for user_id, email, _, slug, name, role in personal:
        assert role == "admin" and name == email
        assert slug == users.personal_slug(email, user_id)
    assert db.value("SELECT count(*) FROM workspaces") == 3  # no "default": there were users
    assert db.value("SELECT count(*) FROM memberships") == 3
    assert db.value("SELECT count(*) FROM users WHERE disabled_at IS NOT NULL") == 0
    ws = {user_id: workspace_id for user_id, _, workspace_id, *_ in personal}

    # scripts to their owner's workspace, runs to their script's, try-outs to their owner's, the rest to ada's
    assert dict(db.rows("SELECT id, workspace_id FROM scripts")) == {
        s_ada: ws[ada],
        s_bob: ws[bob],
        s_orphan: ws[ada],
    }
    assert dict(db.rows("SELECT id, workspace_id FROM runs")) == {
        r_ada: ws[ada],
        r_bob: ws[bob],
        r_bob_on_ada: ws[ada],
        r_orphan: ws[ada],
        r_try_bob: ws[bob],
        r_try_orphan: ws[ada],
    }
    # owners are kept as they were
    assert dict(db.rows("SELECT id, owner_id FROM scripts")) == {s_ada: ada, s_bob: bob, s_orphan: None}
    assert db.value("SELECT owner_id FROM runs WHERE id = :r", r=r_bob_on_ada) == bob

    # secrets: all in ada's workspace, unique by (workspace, name) and no longer by name alone
    assert sorted(db.rows("SELECT workspace_id, name FROM secrets")) == [(ws[ada], "API_KEY"), (ws[ada], "DB_PASSWORD")]
    assert db.constraint("secrets_name_key") is None and db.constraint("uq_secrets_workspace_name") == "u"
    with pytest.raises(IntegrityError):
        insert_secret(db, ws[ada], "API_KEY")
    insert_secret(db, ws[bob], "API_KEY")
    db.run("DELETE FROM secrets WHERE workspace_id = :w", w=ws[bob])

    # the schema around it: workspace_id required; a workspace takes its data with it; an owner who
    # goes leaves their scripts and runs to the workspace
    for table in ("scripts", "runs", "secrets"):
        assert (
            db.value(
                "SELECT is_nullable FROM information_schema.columns "
                "WHERE table_name = :t AND column_name = 'workspace_id'",
                t=table,
            )
            == "NO"
        )
        assert db.on_delete(f"{table}_workspace_id_fkey") == "c"
    assert db.on_delete("scripts_owner_id_fkey") == db.on_delete("runs_owner_id_fkey") == "n"

    # reachability by SQL, as the services scope it: each owner reaches their own through their membership
    reachable = db.rows(
        "SELECT m.user_id, s.id FROM memberships m JOIN scripts s ON s.workspace_id = m.workspace_id "
        "WHERE s.owner_id IS NOT NULL AND s.owner_id <> m.user_id"
    )
    assert reachable == []  # no one sees a script another user owns
    for owner, script_id in ((ada, s_ada), (bob, s_bob), (ada, s_orphan)):
        assert (
            db.value(
                "SELECT count(*) FROM memberships m JOIN scripts s ON s.workspace_id = m.workspace_id "
                "WHERE m.user_id = :u AND s.id = :s",
                u=owner,
                s=script_id,
            )
            == 1
        )

    # ... and through the real services, with each owner's access in their personal workspace
    with app_on(db):
        as_ada, as_bob, as_carol = acting(ada), acting(bob), acting(carol)
        assert (as_ada.workspace_id, as_ada.role) == (ws[ada], Role.admin)
        assert (as_bob.workspace_id, as_bob.role) == (ws[bob], Role.admin)

        assert {script.id for script, _, _ in listings.scripts_of(as_ada)} == {s_ada, s_orphan}
        assert {script.id for script, _, _ in listings.scripts_of(as_bob)} == {s_bob}
        assert listings.scripts_of(as_carol) == []
        for who, script_id in ((as_ada, s_ada), (as_ada, s_orphan), (as_bob, s_bob)):
            assert scripts.get(who, script_id).id == script_id
            assert [v.number for v in scripts.list_versions(who, script_id)] == [1]
            _, version, found_build = listings.script_view(who, script_id)
            assert version.number == 1 and found_build is not None and found_build.id == build

        assert [run.id for run in listings.runs_of(as_ada)] == [r_try_orphan, r_orphan, r_bob_on_ada, r_ada]
        assert [run.id for run in listings.runs_of(as_bob)] == [r_try_bob, r_bob]
        assert [run.id for run in listings.runs_of(as_ada, script_id=s_ada)] == [r_bob_on_ada, r_ada]
        assert listings.runs_of(as_carol) == []
        for who, run_id, lines in ((as_ada, r_ada, 2), (as_bob, r_bob, 2), (as_bob, r_try_bob, 3)):
            assert len(logs.read("run", listings.run_of(who, run_id).id)) == lines
        assert listings.build_for(as_ada, build).id == build
        assert listings.build_for(as_bob, build).id == build
        with pytest.raises(errors.NotFound):
            listings.build_for(as_carol, build)  # no version or run of carol's uses it

        # what is another workspace's stays out of reach
        for script_id in (s_ada, s_orphan):
            with pytest.raises(errors.NotFound):
                scripts.get(as_bob, script_id)
        with pytest.raises(errors.NotFound):
            scripts.get(as_ada, s_bob)
        for run_id in (r_bob_on_ada, r_ada, r_try_orphan):
            with pytest.raises(errors.NotFound):
                listings.run_of(as_bob, run_id)

        assert secrets.list_all(as_ada) == [("API_KEY", "store"), ("DB_PASSWORD", "store")]
        assert secrets.list_all(as_bob) == []
        for user_id in (carol, ada, bob):
            mine = workspaces.mine(access.actor_of(users.get(user_id)))
            assert [(m.role, m.personal) for m in mine] == [(Role.admin, True)]


def test_data_without_any_user_goes_to_a_default_workspace_the_first_admin_joins(database):
    from app.models import Role
    from app.services import access, secrets, users, workspaces
    from app.views import listings

    db = database
    db.alembic("upgrade", "0007")
    build = add_build(db, "deps-py-1")
    script = add_script(db, "from before users", None, "deps-py-1")
    run = add_run(db, script, version_of(db, script), None, 1)
    ciphertext = add_secret(db, "TOKEN")
    before = db.counts()

    db.alembic("upgrade", "head")

    assert db.counts() == before
    assert db.rows("SELECT slug, name, personal_of FROM workspaces") == [("default", "Default", None)]
    default = db.value("SELECT id FROM workspaces WHERE slug = 'default'")
    assert db.value("SELECT workspace_id FROM scripts WHERE id = :s", s=script) == default
    assert db.value("SELECT workspace_id FROM runs WHERE id = :r", r=run) == default
    assert db.rows("SELECT workspace_id, name, ciphertext FROM secrets") == [(default, "TOKEN", ciphertext)]
    assert db.value("SELECT count(*) FROM memberships") == 0

    # the first admin, made at start, gets a personal workspace and joins "default" as its admin
    with app_on(db):
        email, _ = users.ensure_admin()
        admin = db.value("SELECT id FROM users WHERE email = :e", e=email)
        assert db.value("SELECT count(*) FROM users") == 1
        actor = access.actor_of(users.get(admin))
        assert sorted((m.slug == "default", m.role, m.personal) for m in workspaces.mine(actor)) == [
            (False, Role.admin, True),
            (True, Role.admin, False),
        ]
        in_default = access.resolve(actor, "default")
        assert in_default.role == Role.admin
        assert [s.id for s, _, _ in listings.scripts_of(in_default)] == [script]
        assert [r.id for r in listings.runs_of(in_default)] == [run]
        assert listings.build_for(in_default, build).id == build
        assert secrets.list_all(in_default) == [("TOKEN", "store")]
        assert listings.scripts_of(access.resolve(actor)) == []  # their personal workspace starts empty

        assert users.ensure_admin() == (email, None)  # once: a second start makes no one and joins nothing
        assert db.value("SELECT count(*) FROM memberships") == 2


def test_an_empty_installation_upgrades_downgrades_and_upgrades_again(database):
    db = database
    db.alembic("upgrade", "0007")
    db.alembic("upgrade", "head")
    assert db.exists("workspaces") and db.value("SELECT count(*) FROM workspaces") == 0  # no data, no "default"

    db.alembic("downgrade", "0007")
    assert db.version() == "0007"
    for table in ("workspaces", "memberships", "invitations"):
        assert not db.exists(table)
    for table in ("scripts", "runs", "secrets"):
        assert not db.has_column(table, "workspace_id")
    assert not db.has_column("users", "disabled_at")
    assert db.constraint("secrets_name_key") == "u" and db.constraint("uq_secrets_workspace_name") is None
    assert db.on_delete("scripts_owner_id_fkey") == db.on_delete("runs_owner_id_fkey") == "c"

    db.alembic("upgrade", "head")
    assert db.exists("workspaces") and db.exists("memberships") and db.exists("invitations")
    assert db.constraint("uq_secrets_workspace_name") == "u" and db.constraint("secrets_name_key") is None
    # the schema 0008 leaves is the one the models describe
    touched = {"users", "workspaces", "memberships", "invitations", "scripts", "runs", "secrets"}
    assert drift(db, touched) == []
