"""Runs whose secrets come from Infisical, through the real engine: the clash rule, and every way
Infisical can fail, each failing the run quickly, naming Infisical, before any container starts."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import pytest

from app.services import secrets
from tests.integration.helpers import log_text, tryout
from tests.integration.infisical_server import SilentServer, closed_port_url
from tests.secrets.support import ENV, PROJECT, PY_DIGESTS, digest, use_infisical
from tests.support.actors import acting

pytestmark = pytest.mark.usefixtures("docker_ready")
FAST_ENOUGH = 15.0  # seconds: a run must fail well within this when Infisical is down, never hang


def _database_text() -> str:
    db = os.environ["RUNPAD_DATABASE_URL"].rsplit("/", 1)[1]
    return subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", db], check=True, capture_output=True, text=True
    ).stdout


def test_a_handler_reads_an_infisical_secret_and_its_log_is_redacted(fake):
    value = f"inf-{uuid.uuid4().hex}/+="
    fake.add_secret(PROJECT, ENV, "/", "RUNPAD_INF_TOKEN", value)
    use_infisical(fake.url)
    code = """import os
def handler(event, ctx):
    print("token is", os.environ["RUNPAD_INF_TOKEN"])
    return {"token": os.environ["RUNPAD_INF_TOKEN"], "length": len(os.environ["RUNPAD_INF_TOKEN"])}
"""
    run = tryout("python", code, secret_names=["RUNPAD_INF_TOKEN"])
    assert run.status == "succeeded", run.error
    assert run.result == {"token": "***", "length": len(value)}
    assert "token is ***" in log_text(run) and value not in log_text(run)
    assert value not in _database_text()


def test_bad_infisical_credentials_fail_the_run_naming_infisical(fake):
    use_infisical(fake.url, client_secret="wrong")
    run = tryout("python", PY_DIGESTS, secret_names=["RUNPAD_INF_A"], body=["RUNPAD_INF_A"])
    assert run.status == "failed" and run.container_id is None
    assert run.error.startswith("could not fetch secret RUNPAD_INF_A from Infisical: bad credentials:")
    assert "Invalid credentials, HTTP 401" in run.error


def test_unreachable_infisical_fails_the_run_within_seconds():
    url = closed_port_url()
    use_infisical(url)
    started = time.monotonic()
    run = tryout("python", PY_DIGESTS, secret_names=["RUNPAD_INF_A"], body=["RUNPAD_INF_A"])
    elapsed = time.monotonic() - started
    assert run.status == "failed" and run.container_id is None
    assert run.error == (
        f"could not fetch secret RUNPAD_INF_A from Infisical: unreachable: "
        f"cannot reach Infisical at {url} (Connection refused)"
    )
    assert elapsed < FAST_ENOUGH


def test_a_hung_infisical_fails_the_run_within_seconds():
    with SilentServer() as silent:
        use_infisical(silent.url)
        started = time.monotonic()
        run = tryout("python", PY_DIGESTS, secret_names=["RUNPAD_INF_A"], body=["RUNPAD_INF_A"])
        elapsed = time.monotonic() - started
    assert run.status == "failed" and run.container_id is None
    assert run.error.endswith(f"timeout: Infisical at {silent.url} did not answer within 5 s")
    assert elapsed < FAST_ENOUGH


def test_a_secret_that_exists_nowhere_fails_before_any_container_starts(fake):
    use_infisical(fake.url)
    run = tryout("python", PY_DIGESTS, secret_names=["RUNPAD_NOWHERE"], body=["RUNPAD_NOWHERE"])
    assert run.status == "failed" and run.container_id is None
    assert run.error == (
        f"secret not found in the built-in store or Infisical (project {PROJECT}, "
        f"environment '{ENV}', path '/'): RUNPAD_NOWHERE"
    )


def test_every_missing_secret_is_named():
    run = tryout("python", PY_DIGESTS, secret_names=["RUNPAD_NOWHERE_B", "RUNPAD_NOWHERE_A"], body=[])
    assert run.container_id is None
    assert run.error == "secrets not found in the built-in store: RUNPAD_NOWHERE_A, RUNPAD_NOWHERE_B"


def test_the_store_wins_a_clash_and_infisical_fills_the_rest(fake):
    secrets.put(acting(), "RUNPAD_CLASH", "from-store")
    fake.add_secret(PROJECT, ENV, "/", "RUNPAD_CLASH", "from-infisical")
    fake.add_secret(PROJECT, ENV, "/", "RUNPAD_REMOTE_ONLY", "from-infisical-only")
    use_infisical(fake.url)
    try:
        names = ["RUNPAD_CLASH", "RUNPAD_REMOTE_ONLY"]
        assert secrets.resolve(acting().workspace_id, names) == {
            "RUNPAD_CLASH": "from-store",
            "RUNPAD_REMOTE_ONLY": "from-infisical-only",
        }
        run = tryout("python", PY_DIGESTS, secret_names=names, body=names)
        assert run.status == "succeeded", run.error
        assert run.result == {"RUNPAD_CLASH": digest("from-store"), "RUNPAD_REMOTE_ONLY": digest("from-infisical-only")}
    finally:
        secrets.remove(acting(), "RUNPAD_CLASH")


def test_infisical_is_not_asked_when_the_store_has_every_name(fake):
    secrets.put(acting(), "RUNPAD_STORE_ONLY", "s")
    try:
        use_infisical(fake.url)
        assert secrets.resolve(acting().workspace_id, ["RUNPAD_STORE_ONLY"]) == {"RUNPAD_STORE_ONLY": "s"}
        assert fake.requests == []
        use_infisical(closed_port_url())  # down, but not needed: the run still works
        run = tryout("python", PY_DIGESTS, secret_names=["RUNPAD_STORE_ONLY"], body=["RUNPAD_STORE_ONLY"])
        assert run.status == "succeeded" and run.result == {"RUNPAD_STORE_ONLY": digest("s")}
    finally:
        secrets.remove(acting(), "RUNPAD_STORE_ONLY")
