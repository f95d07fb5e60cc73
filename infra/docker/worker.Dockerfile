# Runpad's worker image: the Celery worker (default command), also used for the scheduler
# (`python -m workers.scheduler`) and for migrations (`alembic upgrade head`).
#
#   docker build -f infra/docker/worker.Dockerfile -t runpad-worker .
#   docker build -f infra/docker/worker.Dockerfile --build-arg PYTHON_IMAGE=runpad/python-build:3.11 .
#
# PYTHON_IMAGE is any Debian 12 image with python3 and its venv module: the official slim image, or
# on a machine that cannot pull, runpad/python:3.11-bookworm-local from infra/base-images/bootstrap.sh
# (it has no pip; the venv below brings its own). Extra CAs for a TLS-intercepting network: see
# infra/docker/build-ca/README.md.
#
# The image runs as the unprivileged user runpad (uid 10001), which is enough for the scheduler and
# migrations. The worker itself must be run as root, by its deployment (infra/compose.yaml,
# infra/k8s/worker.yaml): it drives a Docker Engine (through /var/run/docker.sock or DOCKER_HOST,
# which is root on that engine's host either way) and at start installs iptables rules for its run
# network (workers/runtime/network.py), which needs CAP_NET_ADMIN in the engine's network namespace.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- base: the interpreter, trusted CAs, the user -----------------------------------------------
FROM ${PYTHON_IMAGE} AS base
# A CA bundle that includes infra/docker/build-ca/*.crt, for pip, apt and the running processes.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
COPY infra/docker/build-ca/ /usr/local/share/ca-certificates/runpad-build/
RUN rm -f /usr/local/share/ca-certificates/runpad-build/README.md \
 && update-ca-certificates >/dev/null \
 && groupadd --system --gid 10001 runpad \
 && useradd --system --uid 10001 --gid runpad --home-dir /app --no-create-home --shell /usr/sbin/nologin runpad

# --- deps: the pinned requirements in a venv, copied whole into the final stage -----------------
FROM base AS deps
COPY requirements.txt /tmp/requirements.txt
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/python -m pip install --no-cache-dir --disable-pip-version-check -q -r /tmp/requirements.txt

# --- worker ---------------------------------------------------------------------------------------
FROM base AS worker
# iptables: the worker firewalls its run network at start, in the tables the Docker Engine uses:
# nft (Debian 12's default, and the Docker Engine's on a Debian 12 host) or legacy.
ARG IPTABLES=nft
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && update-alternatives --set iptables "/usr/sbin/iptables-${IPTABLES}" >/dev/null
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
# Code owned by root and read-only to runpad: a compromised process cannot rewrite it.
COPY alembic.ini rxconfig.py ./
COPY alembic/ alembic/
COPY app/ app/
COPY components/ components/
COPY state/ state/
COPY workers/ workers/
COPY infra/docker/healthcheck.py infra/docker/worker-start.sh /opt/runpad/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    RUNPAD_ENV=production
USER 10001:10001
# Healthy while this worker's heartbeat is in Redis. The scheduler and migration containers, which
# send none, turn this off (infra/compose.yaml).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "/opt/runpad/healthcheck.py", "worker"]
# Waits for the engine, firewalls the run and build networks, then runs
# `celery -A workers.celery_app worker --pool threads --concurrency 8 -Q tryout,runs,builds`.
CMD ["/opt/runpad/worker-start.sh"]
