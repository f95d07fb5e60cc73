#!/bin/sh
# The worker image's default command: waits for the Docker Engine, closes extra address ranges to
# run containers, then becomes the Celery worker. Arguments, if any, replace the default worker options:
#   /opt/runpad/worker-start.sh --pool threads --concurrency 4 -Q tryout,runs,builds
#
#   RUNPAD_ENGINE_WAIT_SECONDS  how long to wait for the engine (default 120): a dind sidecar
#                               starts alongside the worker, not before it
#   RUNPAD_NETWORK_ALLOW        comma-separated ranges runs and builds may reach although private
#                               (workers/runtime/network.py refuses the host, 10/8, 172.16/12,
#                               192.168/16, 100.64/10, link-local and other containers by default).
set -eu

wait_seconds="${RUNPAD_ENGINE_WAIT_SECONDS:-120}"
if ! python - "$wait_seconds" <<'EOF'
import sys, time
import docker
deadline = time.monotonic() + int(sys.argv[1])
while True:
    try:
        docker.from_env(timeout=5).ping()
        break
    except Exception as exc:  # not up yet: a socket that does not exist, or refuses
        if time.monotonic() > deadline:
            sys.exit(f"worker-start: no Docker Engine answered within {sys.argv[1]} s: {exc}")
        time.sleep(1)
EOF
then
    exit 1
fi

# Creates the run and build networks, firewalls the bridges Docker really gave them (private ranges,
# the host, link-local, other containers; RUNPAD_NETWORK_ALLOW opens ranges) and checks the rules are
# attached; the worker does not start without them.
python -m app.cli prepare-worker

if [ "$#" -eq 0 ]; then
    set -- --pool threads --concurrency 8 -Q tryout,runs,builds --loglevel INFO
fi
exec celery -A workers.celery_app worker "$@"
