"""Health checks for Runpad's images (Docker HEALTHCHECK, Kubernetes probes), with the standard library
and app.core.settings only, so the images need no curl:

    python /opt/runpad/healthcheck.py web      GET /healthz on this container's web port answers 200
    python /opt/runpad/healthcheck.py hooks    GET /healthz on the hooks port (RUNPAD_HOOKS_PORT, 3001) answers 200
    python /opt/runpad/healthcheck.py worker   this worker's heartbeat is in Redis: its housekeeping
                                               thread is alive and Redis answers (workers/maintenance.py)

Exit status 0 means healthy. /readyz is deliberately not used for liveness: a PostgreSQL outage
should not get every web container restarted.
"""

from __future__ import annotations

import os
import sys
import urllib.request

TIMEOUT_SECONDS = 5
# workers/maintenance.py's key prefix, copied rather than imported: importing that module pulls in the
# database and Docker layers, a second of work on every probe. tests/infra/test_images.py keeps them equal.
HEARTBEAT_PREFIX = "runpad:worker:"


def web() -> bool:
    return _healthz(os.environ.get("REFLEX_FRONTEND_PORT") or "3000")


def hooks() -> bool:
    return _healthz(os.environ.get("RUNPAD_HOOKS_PORT") or "3001")


def _healthz(port: str) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=TIMEOUT_SECONDS) as response:
        return response.status == 200


def worker() -> bool:
    import redis

    from app.core.settings import settings

    client = redis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )
    try:
        return bool(client.exists(HEARTBEAT_PREFIX + settings.worker_name))
    finally:
        client.close()


def main(argv: list[str]) -> int:
    checks = {"web": web, "hooks": hooks, "worker": worker}
    if len(argv) != 2 or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        healthy = checks[argv[1]]()
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy", said in one line
        print(f"unhealthy: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if not healthy:
        print("unhealthy", file=sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
