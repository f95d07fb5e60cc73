"""Runpad's tables (SQLModel). Alembic migrations in alembic/ create them; never create_all outside tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import AutoString, Field, SQLModel

from app.core.runtimes import Runtime


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(nullable: bool = True, **kw: Any) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, **kw))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))


class EnumText(TypeDecorator):
    """A VARCHAR column (as the migrations made it) read back as its StrEnum: a value outside the
    enum is refused when written, so a typo cannot reach the table."""

    impl = AutoString
    cache_ok = True

    def __init__(self, enum: type[StrEnum]):
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> StrEnum | None:
        return None if value is None else self.enum(value)


def _enum(enum: type[StrEnum], *default: StrEnum) -> Any:
    """A required enum column; with a default when one is given."""
    column: Column = Column(EnumText(enum), nullable=False)
    return Field(default[0], sa_column=column) if default else Field(sa_column=column)


class Trigger(StrEnum):
    """What started a run; a script's trigger_type is one of the first three."""

    manual = "manual"
    http = "http"
    schedule = "schedule"
    tryout = "tryout"
    error = "error"  # the workspace's error handler, run for another script's failure


class RunStatus(StrEnum):
    queued = "queued"
    building = "building"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    timed_out = "timed_out"
    cancelled = "cancelled"


FINAL_RUN_STATUSES = {RunStatus.succeeded, RunStatus.failed, RunStatus.timed_out, RunStatus.cancelled}


class BuildStatus(StrEnum):
    queued = "queued"
    building = "building"
    ready = "ready"
    failed = "failed"


class Role(StrEnum):
    """A member's role in a workspace; each one can do what the one before it can."""

    operator = "operator"  # reads scripts, runs and logs; starts runs
    developer = "developer"  # also writes scripts, tries code out, sets secrets
    admin = "admin"  # also manages members and the workspace's settings


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    password_hash: str  # "" while an invitation waits: no password matches it
    is_admin: bool = False  # an installation admin: manages users
    created_at: datetime = _created()
    disabled_at: datetime | None = _ts()  # a disabled user's sessions and tokens stop at once


class Workspace(SQLModel, table=True):
    """Where scripts, runs, builds' use, secrets and settings live. personal_of: the user whose
    personal workspace this is (every user has one)."""

    __tablename__ = "workspaces"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    slug: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    name: str = Field(sa_column=Column(Text, nullable=False))
    personal_of: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    )
    created_at: datetime = _created()
    # quotas (app/services/quotas.py); None: the installation's default
    max_concurrent_runs: int | None = None
    min_schedule_seconds: int | None = None
    max_scripts: int | None = None


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True, index=True)
    role: Role = _enum(Role)
    created_at: datetime = _created()


class Invitation(SQLModel, table=True):
    """A one-use link that lets a new user set a password; only its SHA-256 is stored."""

    __tablename__ = "invitations"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    created_at: datetime = _created()
    expires_at: datetime = _ts(nullable=False)
    used_at: datetime | None = _ts()


class WebSession(SQLModel, table=True):
    """A browser login; the cookie holds the token, only its SHA-256 is stored. Logout revokes it."""

    __tablename__ = "web_sessions"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    created_at: datetime = _created()
    expires_at: datetime = _ts(nullable=False)
    revoked_at: datetime | None = _ts()


class ApiToken(SQLModel, table=True):
    """An API token; only its SHA-256 is stored, so a database leak reveals no usable token."""

    __tablename__ = "api_tokens"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    name: str = "api"
    token_hash: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    created_at: datetime = _created()
    last_used_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()
    expires_at: datetime | None = _ts()  # None: never expires


class Script(SQLModel, table=True):
    __tablename__ = "scripts"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")  # who made it
    name: str
    runtime: Runtime = _enum(Runtime)
    trigger_type: Trigger = _enum(Trigger, Trigger.manual)  # manual | http | schedule
    cron: str | None = None
    interval_seconds: int | None = None
    timezone: str = "UTC"
    http_auth: str = "none"  # none | bearer | hmac
    hook_token: str | None = Field(default=None, sa_column=Column(Text, unique=True))
    hook_secret: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # Fernet ciphertext
    allow_overlap: bool = False
    timeout_seconds: int = 30
    memory_mb: int = 256
    network: bool = True
    enabled: bool = True
    current_version: int = 1  # the newest version: what the editor edits
    deployed_version: int | None = None  # what triggers run; None until a version is first deployed
    deploy_error: str | None = Field(default=None, sa_column=Column(Text))  # why a newer version is not live
    next_run_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), index=True))
    retry_count: int = 0  # schedule and async hook runs that fail are run again this many times
    retry_backoff_seconds: int = 60  # before the first retry; doubled before each next one
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ScriptVersion(SQLModel, table=True):
    """An immutable snapshot of code, dependencies and secret names. script_id is null for a try-out."""

    __tablename__ = "script_versions"
    __table_args__ = (UniqueConstraint("script_id", "number"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    script_id: uuid.UUID | None = Field(default=None, foreign_key="scripts.id", ondelete="CASCADE")
    number: int = 1
    runtime: Runtime = _enum(Runtime)
    code: str = Field(sa_column=Column(Text, nullable=False))
    dependencies: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    secrets: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    # packages the code imports without declaring them, pinned (app.services.detected)
    detected_dependencies: list[str] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    )
    deps_hash: str = Field(index=True)
    lockfile: str | None = Field(default=None, sa_column=Column(Text))
    draft: bool = False  # kept, never deployed by itself (and its code need not parse)
    created_at: datetime = _created()

    def installed_dependencies(self) -> list[str]:
        """Declared and detected specs together: what the image holds and the dependency hash covers."""
        return sorted([*self.dependencies, *self.detected_dependencies])


class Build(SQLModel, table=True):
    """One dependency image per deps_hash, shared by every version with the same set."""

    __tablename__ = "builds"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    deps_hash: str = Field(sa_column=Column(Text, unique=True, nullable=False))
    runtime: Runtime = _enum(Runtime)
    dependencies: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    base_image: str
    base_digest: str
    status: BuildStatus = _enum(BuildStatus, BuildStatus.queued)
    image_ref: str | None = None
    image_digest: str | None = None
    lockfile: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    log_truncated: bool = False
    worker: str | None = None
    created_at: datetime = _created()
    started_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()


class BaseImage(SQLModel, table=True):
    """The base image a runtime's new versions build on, as the last worker to start found it in its
    engine: the web process hashes dependency sets with it and never asks Docker itself."""

    __tablename__ = "base_images"
    runtime: str = Field(primary_key=True)
    image: str  # the name, e.g. node:22-bookworm-slim
    digest: str  # the engine's image id: what the dependency hash calls the base digest
    runner_digest: str  # what the runner layer on top is made of (images.runner_digest)
    worker: str  # who published it last
    published_at: datetime = _created()


class Run(SQLModel, table=True):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_script_queued", "script_id", "queued_at"),
        Index("ix_runs_status", "status"),
        UniqueConstraint("script_id", "scheduled_at", name="uq_runs_script_scheduled_at"),  # a tick fires once
        # the scheduler's overlap check looks only at a script's unfinished runs
        Index(
            "ix_runs_script_unfinished",
            "script_id",
            postgresql_where=text("status IN ('queued', 'building', 'running')"),
        ),
        Index("ix_runs_workspace_active", "workspace_id", postgresql_where=text("status IN ('building', 'running')")),
        Index(
            "ix_runs_workspace_waiting",
            "workspace_id",
            "queued_at",
            postgresql_where=text("waiting_since IS NOT NULL AND status = 'queued'"),
        ),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    script_id: uuid.UUID | None = Field(default=None, foreign_key="scripts.id", ondelete="CASCADE")
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    owner_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", index=True
    )  # who started it
    version_id: uuid.UUID = Field(foreign_key="script_versions.id", ondelete="CASCADE")
    version: int | None = None
    trigger: Trigger = _enum(Trigger, Trigger.manual)
    status: RunStatus = _enum(RunStatus, RunStatus.queued)
    event: Any = Field(default=None, sa_column=Column(JSONB))
    result: Any = Field(default=None, sa_column=Column(JSONB))
    error: str | None = Field(default=None, sa_column=Column(Text))
    exit_code: int | None = None
    timeout_seconds: int = 30
    memory_mb: int = 256
    network: bool = True
    scheduled_at: datetime | None = _ts()
    queued_at: datetime = _created()
    started_at: datetime | None = _ts()
    finished_at: datetime | None = _ts()
    duration_ms: int | None = None
    log_truncated: bool = False
    container_id: str | None = None
    worker: str | None = None
    waiting_since: datetime | None = _ts()  # queued and held back by its workspace's concurrency quota
    attempt: int = 1  # 2 and on: a retry of retry_of
    may_retry: bool = False  # a schedule or asynchronous hook run: retried on failure per its script
    not_before: datetime | None = _ts()  # a retry waits (held) until then
    retry_of: uuid.UUID | None = Field(default=None, foreign_key="runs.id", ondelete="SET NULL")
    rerun_of: uuid.UUID | None = Field(default=None, foreign_key="runs.id", ondelete="SET NULL")  # "Run again"


class ErrorHandler(SQLModel, table=True):
    """The script a workspace runs when another of its runs fails (contract §4)."""

    __tablename__ = "error_handlers"
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE", primary_key=True)
    script_id: uuid.UUID = Field(foreign_key="scripts.id", ondelete="CASCADE")
    set_at: datetime = _created()


class LogLine(SQLModel, table=True):
    """A line of a run's or a build's log; source is 'run' or 'build'."""

    __tablename__ = "log_lines"
    __table_args__ = (
        Index("ix_log_lines_source_seq", "source", "source_id", "seq"),
        Index("ix_log_lines_unshipped", "id", postgresql_where=text("NOT shipped")),
    )
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    source: str
    source_id: uuid.UUID
    seq: int
    ts: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    stream: str  # stdout | stderr | system
    line: str = Field(sa_column=Column(Text, nullable=False))
    # False until shipped to CloudWatch (when configured); a partial index finds the backlog cheaply
    shipped: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class Secret(SQLModel, table=True):
    __tablename__ = "secrets"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_secrets_workspace_name"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    workspace_id: uuid.UUID = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    name: str = Field(sa_column=Column(Text, nullable=False))
    provider: str = "store"
    ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _created()
    updated_at: datetime = _created()


class AppSetting(SQLModel, table=True):
    """Runtime settings edited in the UI (Infisical, CloudWatch, ...): plain values as JSON, and
    credentials as Fernet ciphertext, never in clear text."""

    __tablename__ = "app_settings"
    key: str = Field(sa_column=Column(Text, primary_key=True))
    value: Any = Field(default=None, sa_column=Column(JSONB))
    secret: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    updated_at: datetime = _created()


class AuditEvent(SQLModel, table=True):
    """Who did what and when (contract §6), written with the change it records. workspace_id null: an
    installation event (users, tokens, settings, failed logins); actor_id null: Runpad itself, or no
    one known (a failed login: actor_email is the email tried). actor_email stays when the user goes.
    details is small and never holds a secret's value, a password, a token or a hook secret."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_workspace_id_id", "workspace_id", text("id DESC")),)
    id: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), primary_key=True))
    at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )
    workspace_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    )
    actor_id: uuid.UUID | None = Field(default=None, sa_column=Column(ForeignKey("users.id", ondelete="SET NULL")))
    actor_email: str | None = Field(default=None, sa_column=Column(Text))
    action: str = Field(sa_column=Column(Text, nullable=False))  # e.g. script.create, secret.put, login.failed
    target: str | None = Field(default=None, sa_column=Column(Text))  # a script id, a secret name, an email...
    details: Any = Field(default=None, sa_column=Column(JSONB))
