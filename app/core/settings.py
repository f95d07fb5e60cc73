"""Runpad's configuration: one Settings object read from RUNPAD_* environment variables (and .env)."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core import runtimes

DEV_SECRET_KEY = "dev-only-insecure-secret-key"
HOOKS_PORT = 3001


def hooks_url_for(public_url: str) -> str:
    """The default hooks origin: the IDE's scheme and host on port 3001, so hooks never share its origin."""
    parts = urlsplit(public_url)
    host = parts.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme or 'http'}://{host}:{HOOKS_PORT}"


def weak_secret_key(key: str) -> bool:
    return key in (DEV_SECRET_KEY, "") or len(key) < 16


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RUNPAD_", env_file=".env", extra="ignore")

    env: str = "development"  # development | test | production
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/runpad"
    redis_url: str = "redis://127.0.0.1:6379/0"
    public_url: str = "http://localhost:3000"
    hooks_url: str = ""  # where /hooks is served, its own origin; "" means hooks_url_for(public_url)
    secret_key: str = DEV_SECRET_KEY

    admin_email: str = "admin@runpad.local"
    admin_password: str = ""

    # Images and builds
    node_image: str = "node:22-bookworm-slim"
    python_image: str = "python:3.12-slim-bookworm"
    # Pins for setups that fix their base images: the image id and runner digest that
    # `python -m app.cli publish-base-images` prints on a worker. Set, they win over the catalog
    # that workers publish (app/services/base_catalog.py); empty, the catalog decides.
    node_base_digest: str = ""
    node_runner_digest: str = ""
    python_base_digest: str = ""
    python_runner_digest: str = ""
    ca_bundle: str = "/etc/ssl/certs/ca-certificates.crt"
    registry: str = ""  # e.g. 127.0.0.1:5000; dependency images are pushed and pulled there
    npm_registry: str = ""  # a mirror for npm builds (no credentials in the URL: it is kept in the image)
    pypi_json_url: str = "https://pypi.org/pypi"  # PyPI's JSON API, for the dependency picker's version list
    build_timeout_seconds: int = 600  # wall clock: the install step is killed at this deadline
    build_memory_mb: int = 1024  # memory = memory + swap of a build's install step
    build_cpus: float = 1.0
    build_pids_limit: int = 512
    build_lockfile_max_bytes: int = 2 * 1024 * 1024
    build_network: str = "runpad-builds"
    uv_version: str = "0.9.5"

    # Runs
    run_network: str = "runpad-runs"
    network_allow: str = ""  # comma-separated CIDRs runs and builds may reach despite the private-range rejects
    default_timeout_seconds: int = 30
    default_memory_mb: int = 256
    cpus: float = 1.0
    pids_limit: int = 128
    tmp_size_mb: int = 64
    shm_size_mb: int = 64
    log_cap_bytes: int = 1024 * 1024
    output_kill_bytes: int = 256 * 1024 * 1024  # a run printing more than this is stopped
    log_retention_days: int = 30  # default when the "logs" app setting does not say
    max_event_bytes: int = 6 * 1024 * 1024
    max_result_bytes: int = 6 * 1024 * 1024

    # Database pool (per process): a request waits at most pool_timeout for a connection, then is
    # told Runpad is busy, rather than queueing for SQLAlchemy's default 30 s
    db_pool_size: int = 10
    db_max_overflow: int = 20
    db_pool_timeout_seconds: float = 5.0

    # Hooks (contract §3), per script, counted in Redis so they hold across web processes
    hook_max_waiting: int = 20  # synchronous calls waiting for their run at once
    hook_rate_per_second: int = 50  # calls accepted in any one-second window

    # Scheduler
    scheduler_batch: int = 500
    scheduler_max_sleep_seconds: float = 1.0
    requeue_after_seconds: int = 60  # a run queued this long with an empty queue lost its message
    requeue_max_attempts: int = 3
    requeue_sweep_seconds: float = 5.0

    # Workers
    worker_name: str = Field(default_factory=lambda: f"{socket.gethostname()}")
    pool_size_per_image: int = 2
    pool_max_containers: int = 8
    pool_idle_seconds: int = 300
    heartbeat_seconds: int = 5

    # Quotas per workspace, where a workspace has none of its own (app/services/quotas.py)
    workspace_max_concurrent_runs: int | None = None  # None: half the live workers' slots
    workspace_min_schedule_seconds: int = 1
    workspace_max_scripts: int = 500

    # Service endpoints
    metrics_token: str = ""  # when set, /metrics answers only to "Authorization: Bearer <token>"

    @model_validator(mode="after")
    def _refuse_placeholder_key(self) -> Settings:
        if self.env != "development" and weak_secret_key(self.secret_key):
            raise ValueError("RUNPAD_SECRET_KEY must be set to a real key (16+ characters) outside development")
        return self

    @model_validator(mode="after")
    def _hooks_on_their_own_origin(self) -> Settings:
        self.hooks_url = (self.hooks_url or hooks_url_for(self.public_url)).rstrip("/")
        if _origin(self.hooks_url) == _origin(self.public_url):
            raise ValueError("RUNPAD_HOOKS_URL must be another origin than RUNPAD_PUBLIC_URL (contract §3)")
        return self

    @model_validator(mode="after")
    def _pins_come_in_pairs(self) -> Settings:
        for runtime in runtimes.FAMILIES:
            if bool(getattr(self, f"{runtime}_base_digest")) != bool(getattr(self, f"{runtime}_runner_digest")):
                name = runtime.upper()
                raise ValueError(
                    f"set both RUNPAD_{name}_BASE_DIGEST and RUNPAD_{name}_RUNNER_DIGEST, or neither: "
                    "the dependency hash needs the two together"
                )
        return self

    @property
    def ca_bundle_bytes(self) -> bytes:
        path = Path(self.ca_bundle)
        return path.read_bytes() if self.ca_bundle and path.is_file() else b""

    @property
    def instance(self) -> str:
        """Names this installation, so installs (or a test suite) sharing one Docker Engine leave each
        other's containers alone."""
        return hashlib.sha256(f"{self.database_url}|{self.redis_url}".encode()).hexdigest()[:16]

    @property
    def network_allow_cidrs(self) -> list[str]:
        """RUNPAD_NETWORK_ALLOW as normalised IPv4 networks (a bad entry fails loudly, not silently open)."""
        return [str(ipaddress.IPv4Network(c.strip(), strict=False)) for c in self.network_allow.split(",") if c.strip()]

    def base_image(self, runtime: str) -> str:
        return getattr(self, runtimes.row(runtime).image_setting)

    def pinned_base(self, runtime: str) -> tuple[str, str] | None:
        """(base image id, runner digest) when settings pin them for runtime's image family, else None."""
        family = runtimes.family_of(runtime)
        digest, runner = getattr(self, f"{family}_base_digest"), getattr(self, f"{family}_runner_digest")
        return (digest, runner) if digest and runner else None


settings = Settings()
