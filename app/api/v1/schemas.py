"""Request and response shapes of the REST API (contract §4), so the OpenAPI document says what each
call takes and gives. The services still validate everything: these catch types and bounds early."""

# Optional fields of the update shapes default to None but refuse an explicit null: their types say what a
# caller may send, and pydantic does not validate a default. So a None default is not a type error here.
# mypy: disable-error-code="assignment"

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from app.core.runtimes import Runtime
from app.models import Build, BuildStatus, Run, RunStatus, Script, ScriptVersion
from app.services import limits, runs
from app.views import overview

TriggerType = Literal["manual", "http", "schedule"]
HttpAuth = Literal["none", "bearer", "hmac"]
RunTrigger = Literal["manual", "http", "schedule", "tryout", "error"]


def _storable(value: str) -> str:
    """PostgreSQL text holds neither NUL nor a lone surrogate (JSON "\\ud800"): refuse them here
    rather than fail when writing."""
    if "\x00" in value:
        raise ValueError("text may not contain NUL (\\u0000) characters")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]


def _iso_time(value: Any) -> Any:
    """A time in a query string is ISO 8601 text only: pydantic alone also takes a number (Unix seconds)."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().upper())  # RFC 3339 allows a lower-case t and z
        except ValueError:
            raise ValueError("expected an ISO 8601 time such as 2026-12-01T08:00:00Z") from None
    return value


IsoTime = Annotated[datetime, BeforeValidator(_iso_time)]
Timeout = Annotated[
    StrictInt, Field(ge=limits.TIMEOUT_RANGE[0], le=limits.TIMEOUT_RANGE[1], description="seconds a run may take")
]
Memory = Annotated[
    StrictInt, Field(ge=limits.MEMORY_RANGE[0], le=limits.MEMORY_RANGE[1], description="MiB of memory a run may use")
]


def _check_event(value: Any) -> Any:
    """An event is stored as jsonb: no NUL characters, no NaN or infinities."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _storable(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("numbers in the event must be finite")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


Event = Annotated[
    Any, AfterValidator(_check_event), Field(description="any JSON; the handler gets it as event.body (contract §2)")
]


def _omit_null_defaults(schema: dict[str, Any]) -> None:
    """Optional fields of a partial update may be left out but not sent as null; the OpenAPI
    document should not show a null default for them."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    error: str = Field(description="a short machine-readable code, e.g. not_found")
    message: str = Field(description="what went wrong, for a person")


# ---- auth -------------------------------------------------------------------------------------


class TokenRequest(Strict):
    email: Annotated[Text, Field(min_length=1, max_length=320)]
    password: Annotated[Text, Field(min_length=1, max_length=1024)]
    name: Annotated[Text, Field(min_length=1, max_length=100, description="a label for the token")] = "api"
    expires_in_days: Annotated[
        int | None,
        Field(ge=1, le=365, description="days until the token stops working; left out or null: it never expires"),
    ] = None


class TokenCreated(BaseModel):
    token: str = Field(description="the bearer token; shown only in this response")
    id: uuid.UUID
    name: str
    expires_at: datetime | None = Field(default=None, description="when the token stops working; null: never")


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="updated at most once a minute")
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="when the token stops working; null: never")


# ---- scripts ----------------------------------------------------------------------------------


class TriggerIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_omit_null_defaults)
    type: TriggerType = None
    cron: Annotated[Text, Field(max_length=200)] | None = Field(None, description="schedule: a cron expression")
    interval_seconds: Annotated[StrictInt, Field(ge=1, le=366 * 24 * 3600)] | None = Field(
        None, description="schedule: every this many seconds (instead of cron)"
    )
    timezone: Annotated[Text, Field(max_length=64)] = Field(None, description="schedule: an IANA zone, default UTC")
    http_auth: HttpAuth = Field(
        None,  # type: ignore[arg-type]
        description="http: how callers of the hook URL authenticate",
    )
    allow_overlap: StrictBool = Field(None, description="schedule: start a tick while the last still runs")


class Retries(Strict):
    """Schedule runs and asynchronous hook runs that fail or time out are run again `count` times,
    after `backoff_seconds`, doubled before each next try; then the error handler hears of it."""

    count: Annotated[StrictInt, Field(ge=0, le=5)] = 0
    backoff_seconds: Annotated[StrictInt, Field(ge=1, le=86_400)] = 60


DRAFT = (
    "save the new version as a draft: kept, never deployed by itself, and its code need not parse "
    "(without it, code that does not parse is refused with 422 naming the line and column)"
)


class ScriptCreate(Strict):
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    runtime: Runtime
    code: Text
    dependencies: list[Text] = Field(default_factory=list, examples=[["dayjs@^1.11"], ["requests==2.32.3"]])
    secrets: list[Text] = Field(default_factory=list, description="names of secrets given as environment variables")
    trigger: TriggerIn = Field(default_factory=lambda: TriggerIn(type="manual"))
    timeout_seconds: Timeout | None = None
    memory_mb: Memory | None = None
    network: StrictBool = True
    enabled: StrictBool = True
    retries: Retries = Field(default_factory=Retries)
    draft: StrictBool = Field(False, description=DRAFT)


class ScriptUpdate(Strict):
    """Any subset of fields; a change of code, dependencies or secrets makes a new version."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_omit_null_defaults)
    name: Annotated[Text, Field(min_length=1, max_length=200)] = None
    code: Text = None
    dependencies: list[Text] = None
    secrets: list[Text] = None
    trigger: TriggerIn = None
    timeout_seconds: Timeout = None
    memory_mb: Memory = None
    network: StrictBool = None
    enabled: StrictBool = None
    retries: Retries = None
    draft: StrictBool = Field(None, description=DRAFT)

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True)
        if self.trigger is not None:
            changes["trigger"] = self.trigger.model_dump(exclude_unset=True)
        if self.retries is not None:
            changes["retries"] = self.retries.model_dump()
        return changes


class BuildBrief(BaseModel):
    id: uuid.UUID
    status: BuildStatus
    error: str | None


class TriggerOut(BaseModel):
    type: TriggerType
    cron: str | None
    interval_seconds: int | None
    timezone: str
    http_auth: HttpAuth
    allow_overlap: bool


DETECTED = (
    "packages the code imports without declaring them, pinned at their latest version when first "
    "detected; installed with `dependencies`"
)


class ScriptOut(BaseModel):
    id: uuid.UUID
    name: str
    runtime: Runtime
    code: str
    dependencies: list[str]
    detected_dependencies: list[str] = Field(description=DETECTED)
    secrets: list[str]
    trigger: TriggerOut
    timeout_seconds: int
    memory_mb: int
    network: bool
    enabled: bool
    retries: Retries
    version: int = Field(description="the current version's number")
    build: BuildBrief | None = Field(description="the dependency build of the current version")
    draft: bool = Field(description="the current version is a draft")
    deployed_version: int | None = Field(description="the version hooks and schedules run; null until one is live")
    deploy_error: str | None = Field(description="why a newer version is not live (its build failed)")
    hook_url: str | None = Field(description="http trigger only")
    next_run_at: datetime | None = Field(description="schedule trigger only")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, script: Script, version: ScriptVersion, build: Build | None, **extra: Any) -> Self:
        hook_url = overview.hook_url(script) or None
        return cls(
            id=script.id,
            name=script.name,
            runtime=script.runtime,
            code=version.code,
            dependencies=version.dependencies,
            detected_dependencies=version.detected_dependencies,
            secrets=version.secrets,
            trigger=TriggerOut(
                type=script.trigger_type,
                cron=script.cron,
                interval_seconds=script.interval_seconds,
                timezone=script.timezone,
                http_auth=script.http_auth,
                allow_overlap=script.allow_overlap,
            ),
            timeout_seconds=script.timeout_seconds,
            memory_mb=script.memory_mb,
            network=script.network,
            enabled=script.enabled,
            retries=Retries(count=script.retry_count, backoff_seconds=script.retry_backoff_seconds),
            version=version.number,
            build=BuildBrief(id=build.id, status=build.status, error=build.error) if build else None,
            draft=version.draft,
            deployed_version=script.deployed_version,
            deploy_error=script.deploy_error,
            hook_url=hook_url,
            next_run_at=script.next_run_at if script.trigger_type == "schedule" else None,
            created_at=script.created_at,
            updated_at=script.updated_at,
            **extra,
        )


class ScriptSaved(ScriptOut):
    hook_secret: str | None = Field(
        None, description="the bearer/HMAC secret, only in the response of the call that generated it"
    )


class VersionOut(BaseModel):
    number: int
    runtime: Runtime
    code: str
    dependencies: list[str]
    detected_dependencies: list[str] = Field(description=DETECTED)
    secrets: list[str]
    lockfile: str | None = Field(description="the exact installed versions, once built")
    draft: bool
    created_at: datetime


class RejectionOut(BaseModel):
    """A hook call the script turned away for Runpad's reasons: no run was made."""

    at: datetime
    status: int = Field(description="409 (dependencies not built) or 503 (the queue is down)")
    error: str = Field(description="why, as the caller was told")


# ---- runs -------------------------------------------------------------------------------------


class RunCreate(Strict):
    event: Event = None


class TryoutCreate(Strict):
    runtime: Runtime
    code: Text
    dependencies: list[Text] = Field(default_factory=list)
    secrets: list[Text] = Field(default_factory=list)
    event: Event = None
    timeout_seconds: Timeout | None = None
    memory_mb: Memory | None = None
    network: StrictBool = True
    script_id: uuid.UUID | None = Field(
        None, description="the script being edited, if any: imported packages keep its current version's pins"
    )


class RunOut(BaseModel):
    id: uuid.UUID
    script_id: uuid.UUID | None = Field(description="null for a try-out")
    version: int | None
    trigger: RunTrigger
    status: RunStatus
    event: Any = Field(description="the event the handler got, without request headers that carry credentials")
    rerun_of: uuid.UUID | None = Field(description="the run this one ran again (Run again), else null")
    result: Any = Field(description="the handler's return value (JSON)")
    error: str | None
    exit_code: int | None
    scheduled_at: datetime | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    log_truncated: bool

    @classmethod
    def of(cls, run: Run) -> RunOut:
        out = cls.model_validate(run, from_attributes=True)
        out.event = runs.shown_event(run.event)
        return out


class LogLineOut(BaseModel):
    ts: datetime
    stream: Literal["stdout", "stderr", "system"]
    line: str


# ---- builds and secrets -----------------------------------------------------------------------


class BuildOut(BaseModel):
    id: uuid.UUID
    status: BuildStatus
    error: str | None
    runtime: Runtime
    dependencies: list[str]
    log_truncated: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, build: Build) -> BuildOut:
        return cls.model_validate(build, from_attributes=True)


class SecretOut(BaseModel):
    name: str
    provider: str


class SecretPut(Strict):
    value: Annotated[Text, Field(min_length=1, description="any text; stored encrypted, never returned")]


# ---- teams (contract §6) ----------------------------------------------------------------------


class UserCreate(Strict):
    email: Annotated[Text, Field(min_length=3, max_length=254)]
    password: Annotated[
        Text | None, Field(min_length=8, max_length=1024, description="left out: an invitation link instead")
    ] = None
    is_admin: StrictBool = False


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    is_admin: bool
    disabled: bool = False
    invite_url: str | None = Field(default=None, description="one use, 7 days; only when no password was given")

    @classmethod
    def of(cls, user, invite_url: str | None = None) -> Self:
        return cls(
            id=user.id,
            email=user.email,
            is_admin=user.is_admin,
            disabled=user.disabled_at is not None,
            invite_url=invite_url,
        )


class UserChange(Strict):
    disabled: StrictBool | None = Field(default=None, description="true: its sessions and tokens stop at once")
    is_admin: StrictBool | None = None


class WorkspaceOut(BaseModel):
    slug: str
    name: str
    role: str = Field(description="your role there: operator, developer or admin")
    personal: bool


class Me(BaseModel):
    id: uuid.UUID
    email: str
    is_admin: bool
    workspaces: list[WorkspaceOut]


class WorkspaceCreate(Strict):
    slug: Annotated[Text, Field(min_length=3, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")]
    name: Annotated[Text, Field(min_length=1, max_length=100)]


class MemberPut(Strict):
    role: Literal["operator", "developer", "admin"]


class MemberOut(BaseModel):
    user_id: uuid.UUID
    email: str
    role: str


class QuotasPut(Strict):
    """Only the fields sent change; null puts one back to the installation's default."""

    max_concurrent_runs: int | None = Field(default=None, ge=1, le=100_000)
    min_schedule_seconds: int | None = Field(default=None, ge=1, le=100_000)
    max_scripts: int | None = Field(default=None, ge=1, le=100_000)


class QuotasOut(BaseModel):
    max_concurrent_runs: int = Field(description="most runs building or running at once (then runs wait)")
    min_schedule_seconds: int = Field(description="the fastest a schedule may fire")
    max_scripts: int
    own: dict[str, int | None] = Field(description="the workspace's own values; null: the installation's default")
    active_runs: int
    waiting_runs: int = Field(description="queued runs held back by max_concurrent_runs")
    scripts: int


# ---- audit (contract §6) ----------------------------------------------------------------------


class AuditEventOut(BaseModel):
    id: int = Field(description="pass the last one of a page as `before` for the next page")
    at: datetime
    workspace: str | None = Field(description="the workspace's slug; null: an installation event")
    actor_id: uuid.UUID | None = Field(description="who did it; null: Runpad itself, or no one known (login.failed)")
    actor_email: str | None = Field(description="kept after the user is gone; for login.failed, the email tried")
    action: str = Field(description="e.g. script.create, secret.put, member.put, token.create, login.failed")
    target: str | None = Field(description="what it was done to: a script id, a secret name, an email...")
    details: dict[str, Any] | None
