#!/bin/sh
# The worker image's default command: waits for the Docker Engine, closes extra address ranges to
# run containers, then becomes the Celery worker. Arguments, if any, replace the default worker options:
#   /opt/runpad/worker-start.sh --pool threads --concurrency 4 -Q tryout,runs,builds
#
#   RUNPAD_ENGINE_WAIT_SECONDS  how long to wait for the engine (default 120): a dind sidecar
#                               starts alongside the worker, not before it
#   RUNPAD_BLOCKED_CIDRS        space-separated ranges run containers must not reach, on top of what
#                               workers/runtime/network.py closes (the engine's host, 169.254.0.0/16).
#                               Needed wherever the engine's traffic leaves through a network that
#                               holds the platform's services: in Kubernetes the pod and service
#                               ranges (PostgreSQL, Redis, the API server), in a cloud the VPC.
# The rules key on the run bridge's name (runpad0, as in network.py), so they hold before the network
# exists; -C first keeps a restart from stacking duplicates.
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

for cidr in ${RUNPAD_BLOCKED_CIDRS:-}; do
    rule="-i runpad0 -d $cidr -j REJECT"
    # shellcheck disable=SC2086 # the rule is split into arguments on purpose
    iptables -C DOCKER-USER $rule 2>/dev/null || iptables -I DOCKER-USER 1 $rule
done

if [ "$#" -eq 0 ]; then
    set -- --pool threads --concurrency 8 -Q tryout,runs,builds --loglevel INFO
fi
exec celery -A workers.celery_app worker "$@"
