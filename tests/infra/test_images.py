"""infra/docker: what the Dockerfiles promise (a replaceable base, pinned requirements, non-root,
health checks), that the helper scripts agree with the code they mirror, and that the worker image
really builds and starts its tools (built from a throw-away context, then removed)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "infra" / "docker"
DOCKERFILES = {name: (DOCKER / f"{name}.Dockerfile").read_text() for name in ("web", "worker")}


def load(name: str):
    """A script of infra/docker as a module, under a name no other module can take."""
    spec = importlib.util.spec_from_file_location(f"runpad_infra_{name}", DOCKER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


healthcheck = load("healthcheck")
serve_web = load("serve_web")


def final_stage(dockerfile: str) -> str:
    return dockerfile[dockerfile.rindex("\nFROM ") :]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_the_base_image_is_a_build_argument(name):
    text = DOCKERFILES[name]
    first_from = text.index("\nFROM ")
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in text[:first_from]
    assert "FROM ${PYTHON_IMAGE} AS base" in text


@pytest.mark.parametrize("name", DOCKERFILES)
def test_the_final_stage_is_non_root_with_a_health_check(name):
    final = final_stage(DOCKERFILES[name])
    assert re.search(r"^USER 10001:10001$", final, re.M)
    assert "HEALTHCHECK" in final and "/opt/runpad/healthcheck.py" in final
    assert "-r /tmp/requirements.txt" in DOCKERFILES[name]


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[0-9][A-Za-z0-9.]*", line), line


def test_the_web_image_builds_the_front_end_at_build_time_with_bun_from_npm():
    text = DOCKERFILES["web"]
    assert "REFLEX_USE_SYSTEM_BUN=1" in text
    assert "npm install --global" in text and '"bun@${BUN_VERSION}"' in text
    assert "reflex export --frontend-only" in text
    assert final_stage(text).rstrip().endswith('CMD ["python", "/opt/runpad/serve_web.py"]')
    from reflex_base.constants.installer import Bun

    assert f"ARG BUN_VERSION={Bun.MIN_VERSION}" in text  # the bun Reflex itself pins


def test_serve_web_was_written_for_the_pinned_reflex():
    """serve_web.py copies part of `reflex run --env prod`: re-check it whenever Reflex moves."""
    pinned = re.search(r"^reflex==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert serve_web.WRITTEN_FOR_REFLEX == pinned == importlib.metadata.version("reflex")


def test_the_worker_health_check_reads_the_workers_heartbeat_key():
    from workers.maintenance import HEARTBEAT_PREFIX

    assert healthcheck.HEARTBEAT_PREFIX == HEARTBEAT_PREFIX


def test_worker_start_firewalls_the_bridge_the_worker_makes():
    script = (DOCKER / "worker-start.sh").read_text()
    # the same firewall, installed and checked by the same code as on a host install
    assert "python -m app.cli prepare-worker" in script and "BLOCKED_CIDRS" not in script
    assert os.access(DOCKER / "worker-start.sh", os.X_OK)
    subprocess.run(["sh", "-n", str(DOCKER / "worker-start.sh")], check=True)
    if shutil.which("shellcheck"):
        result = subprocess.run(["shellcheck", str(DOCKER / "worker-start.sh")], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout


def test_the_build_context_never_takes_the_env_file_or_the_venv():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [r.strip() for r in lines if r.strip() and not r.startswith("#")]
    assert rules[0] == "*"  # an allowlist: only what is named below goes in
    included = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    assert not included & {".env", ".venv", ".web", ".git", "tests", "infra"}
    # Everything the Dockerfiles COPY from the context is allowed in.
    for text in DOCKERFILES.values():
        for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
            for source in line.split()[:-1]:
                top = source.split("/")[0]
                assert top in included or source.rstrip("/") in included or source.startswith("infra/docker/"), source


# --- a real build -------------------------------------------------------------------------------


def engine_answers() -> bool:
    return (
        shutil.which("docker") is not None
        and subprocess.run(
            ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, timeout=20
        ).returncode
        == 0
    )


def local_python_base() -> str | None:
    """An image PYTHON_IMAGE can be, already on this engine: this machine cannot pull."""
    for image in ("python:3.11-slim-bookworm", "runpad/python:3.11-bookworm-local"):
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0:
            return image
    return None


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.skipif(not engine_answers(), reason="no Docker Engine answers")
def test_the_worker_image_builds_and_has_its_tools(tmp_path):
    base = local_python_base()
    if base is None:
        pytest.skip("no Python 3.11 base image on this engine (infra/base-images/bootstrap.sh builds one)")
    # A context of the allowlisted files plus the CA bundle the machine's builds need
    # (infra/docker/build-ca/README.md), so the working tree's build-ca/ stays untouched.
    context = tmp_path / "context"
    for name in ("app", "components", "state", "workers", "alembic", "reflex.lock", "infra/docker"):
        shutil.copytree(ROOT / name, context / name, ignore=shutil.ignore_patterns("__pycache__", "*.crt"))
    for name in ("alembic.ini", "rxconfig.py", "requirements.txt", ".dockerignore"):
        shutil.copy(ROOT / name, context / name)
    ca_bundle = Path(os.environ.get("RUNPAD_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
    if ca_bundle.is_file():
        shutil.copy(ca_bundle, context / "infra" / "docker" / "build-ca" / "machine.crt")
    tag = f"runpad-worker:pytest-{uuid.uuid4().hex[:8]}"
    # The deps stage is tagged too (the second build reuses it from the cache), so that removing both
    # tags at the end leaves no untagged stage behind on the engine.
    try:
        for target, name in (("deps", f"{tag}-deps"), ("worker", tag)):
            build = subprocess.run(
                [
                    "docker",
                    "build",
                    "-q",
                    "-f",
                    "infra/docker/worker.Dockerfile",
                    "--target",
                    target,
                    "--build-arg",
                    f"PYTHON_IMAGE={base}",
                    "-t",
                    name,
                    ".",
                ],
                cwd=context,
                capture_output=True,
                text=True,
                timeout=840,
            )
            assert build.returncode == 0, build.stderr[-3000:]
        check = (
            "id -u && iptables --version && alembic --help >/dev/null && celery --version"
            " && python -c 'import workers.tasks, app.services.builds' && test -x /opt/runpad/worker-start.sh"
        )
        ran = subprocess.run(
            ["docker", "run", "--rm", "-e", "RUNPAD_SECRET_KEY=image-test-key-0123456789", tag, "sh", "-c", check],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        lines = ran.stdout.splitlines()
        assert lines[0] == "10001"  # the image's own user; the worker's deployment chooses root
        assert "nf_tables" in lines[1]
    finally:
        subprocess.run(["docker", "rmi", tag, f"{tag}-deps"], capture_output=True)
