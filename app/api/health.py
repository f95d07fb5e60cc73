"""Probes: /healthz says the web process answers, /readyz that PostgreSQL, Redis and Docker do.
The web process has no Docker Engine: "docker" is what the workers report of theirs (app/services/engines.py).

/readyz is public (load balancers call it), so it says only which dependency is down; why is
logged here, where an operator reads it, since the exception text can name hosts, users and paths."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

import redis
from fastapi import APIRouter, Response
from sqlalchemy import text

from app.core import db
from app.core.settings import settings
from app.services import engines

CHECK_TIMEOUT_SECONDS = 5.0
log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


def check_postgres() -> None:
    with db.engine().connect() as connection:
        connection.execute(text("SELECT 1"))


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)


def check_redis() -> None:
    client = _redis()
    try:
        client.ping()
    finally:
        client.close()


def check_docker() -> None:
    client = _redis()
    try:
        if not engines.answering(client):
            raise RuntimeError("no worker has reported a Docker Engine that answers (is a worker running?)")
    finally:
        client.close()


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "postgres": check_postgres,
    "redis": check_redis,
    "docker": check_docker,
}


def run_checks(checks: dict[str, Callable[[], None]], timeout: float = CHECK_TIMEOUT_SECONDS) -> dict[str, str]:
    """Run the checks in parallel; each answers "ok" or "down" within `timeout` overall."""
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in checks.items()}
    wait(futures.values(), timeout=timeout)
    # A check stuck on a dead host must not hold the response: leave its thread behind.
    pool.shutdown(wait=False, cancel_futures=True)
    return {name: _outcome(name, future, timeout) for name, future in futures.items()}


def _outcome(name: str, future: Future[None], timeout: float) -> str:
    if not future.done():
        log.warning("readiness: %s gave no answer within %gs", name, timeout)
        return "down"
    exc = future.exception()
    if exc is None:
        return "ok"
    log.warning("readiness: %s is down: %s: %s", name, type(exc).__name__, exc)
    return "down"


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(response: Response) -> dict[str, object]:
    checks = run_checks(READINESS_CHECKS)
    ready = all(result == "ok" for result in checks.values())
    response.status_code = 200 if ready else 503
    return {"status": "ready" if ready else "not ready", "checks": checks}
