"""infra/compose.yaml: the services, their order and their privileges are what the README promises,
and Docker Compose itself accepts the file (when docker-compose or `docker compose` is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "infra" / "compose.yaml"
ENV_EXAMPLE = ROOT / "infra" / ".env.example"
SOCKET = "/var/run/docker.sock"


def services() -> dict[str, dict]:
    return yaml.safe_load(COMPOSE.read_text())["services"]  # safe_load resolves the anchors and << merges


def test_the_services():
    assert set(services()) == {"postgres", "redis", "migrate", "web", "hooks", "worker", "scheduler", "registry"}
    assert services()["registry"]["profiles"] == ["registry"]
    assert services()["scheduler"]["command"] == ["python", "-m", "workers.scheduler"]
    assert services()["scheduler"]["image"] == services()["worker"]["image"]


def test_the_migration_runs_once_before_web_worker_and_scheduler():
    migrate = services()["migrate"]
    assert migrate["command"] == ["alembic", "upgrade", "head"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "hooks", "worker", "scheduler"):
        depends = services()[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == depends["redis"] == {"condition": "service_healthy"}, name


def test_databases_have_health_checks_volumes_and_no_public_ports():
    for name, data in (("postgres", "/var/lib/postgresql/data"), ("redis", "/data")):
        service = services()[name]
        assert service["healthcheck"]["test"][0] == "CMD-SHELL"
        assert any(v.endswith(":" + data) for v in service["volumes"])
        assert all(p.startswith("127.0.0.1:") for p in service["ports"]), name


def test_only_the_worker_reaches_a_docker_engine():
    """The web process hashes with the base catalog the worker publishes: no socket, proxy or DOCKER_HOST."""
    holders = {name for name, s in services().items() if any(SOCKET in v for v in s.get("volumes", []))}
    assert holders == {"worker"}
    text = COMPOSE.read_text()
    assert "docker-proxy" not in text and "DOCKER_HOST" not in text
    assert "networks" not in services()["web"]
    assert services()["worker"]["user"] == "0:0" and services()["worker"]["network_mode"] == "host"
    assert set(services()["worker"]["cap_add"]) == {"NET_ADMIN", "NET_RAW"}
    for name in ("web", "scheduler", "migrate"):
        assert "user" not in services()[name] and "cap_add" not in services()[name], name  # the image's non-root user


def test_the_security_trade_off_is_written_down():
    header = COMPOSE.read_text().split("services:")[0]
    assert "docker.sock" in header and "root" in header
    assert "docker.sock" in (ROOT / "README.md").read_text()


def test_secrets_come_from_the_env_file():
    text = COMPOSE.read_text()
    for variable in ("RUNPAD_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert re.search(rf"^{variable}=", ENV_EXAMPLE.read_text(), re.M), variable
    # Passwords are interpolated, required, and never written in the file.
    assert not re.search(r"(?i)password\S*:[ \t]*['\"]?[A-Za-z0-9]", re.sub(r"\$\{[^}]*\}", "", text))
    assert "${POSTGRES_PASSWORD:?" in text and "${REDIS_PASSWORD:?" in text
    for name in ("web", "hooks", "worker", "scheduler", "migrate"):
        assert services()[name]["env_file"] == ".env", name
        assert services()[name]["environment"]["RUNPAD_ENV"] == "production", name


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


def render(tmp_path: Path, env: str) -> subprocess.CompletedProcess:
    """`config` on a copy of the file with the given infra/.env, so the real .env is never read or written."""
    (tmp_path / "infra").mkdir()
    shutil.copy(COMPOSE, tmp_path / "infra" / "compose.yaml")
    (tmp_path / "infra" / ".env").write_text(env)
    return subprocess.run(
        [*compose_command(), "-f", "compose.yaml", "--profile", "registry", "config"],
        cwd=tmp_path / "infra",
        capture_output=True,
        text=True,
        timeout=60,
    )


needs_compose = pytest.mark.skipif(compose_command() is None, reason="neither docker-compose nor docker compose")
FILLED = (
    ENV_EXAMPLE.read_text()
    .replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=pw123\n")
    .replace("REDIS_PASSWORD=\n", "REDIS_PASSWORD=pw456\n")
)


@needs_compose
def test_docker_compose_accepts_the_file(tmp_path):
    result = render(tmp_path, FILLED)
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)["services"]
    assert (
        rendered["web"]["environment"]["RUNPAD_DATABASE_URL"]
        == "postgresql+psycopg://runpad:pw123@postgres:5432/runpad"
    )
    assert rendered["worker"]["environment"]["RUNPAD_REDIS_URL"] == "redis://:pw456@127.0.0.1:16379/0"


@needs_compose
def test_docker_compose_refuses_a_missing_password(tmp_path):
    result = render(tmp_path, ENV_EXAMPLE.read_text())  # the example leaves the passwords empty
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr or "REDIS_PASSWORD" in result.stderr


def test_hooks_are_served_apart_from_the_web_app_without_an_engine():
    """Contract §3: hook URLs on their own port (origin), by the hooks-only app, with no Docker access."""
    hooks = services()["hooks"]
    assert hooks["image"] == services()["web"]["image"] and "app.api.hooks_app:app" in hooks["command"]
    assert [p.rsplit(":", 1)[1] for p in hooks["ports"]] == ["3001"]
    assert "DOCKER_HOST" not in hooks["environment"] and "volumes" not in hooks and "user" not in hooks
