# Runpad's web image: the Reflex app (pages, REST API, /healthz, /readyz) on one port, 3000, and, with
# another command, the hooks origin (app.api.hooks_app on 3001: infra/compose.yaml, infra/k8s/hooks.yaml),
# with the production front end built here, at image build time, rather than at every start.
#
#   docker build -f infra/docker/web.Dockerfile -t runpad-web .
#   docker build -f infra/docker/web.Dockerfile --build-arg PYTHON_IMAGE=runpad/python:3.11-bookworm-local \
#       --build-arg NODE_IMAGE=runpad/node:22-bookworm-local .
#
# PYTHON_IMAGE: any Debian 12 image with python3 and its venv module (see worker.Dockerfile).
# NODE_IMAGE: any image with npm; it only installs bun from the npm registry, as
# scripts/reflex-setup.sh does, because Reflex's own installer downloads bun from elsewhere.
# The browser reaches the backend at the page's own host name and, over plain http, port WEB_PORT:
# Reflex writes that into the built front end (.web/env.json), so WEB_PORT is fixed at build time.
# Extra CAs for a TLS-intercepting network: infra/docker/build-ca/README.md.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

# --- bun: the version Reflex 0.10.1 pins (reflex_base.constants.installer.Bun), from npm ----------
FROM ${NODE_IMAGE} AS bun
ARG BUN_VERSION=1.4.4
COPY infra/docker/build-ca/ /tmp/build-ca/
# npm adds NODE_EXTRA_CA_CERTS to its own CA list; an empty file (no extra CAs) is harmless.
RUN cat /tmp/build-ca/*.crt >/tmp/extra-ca.pem 2>/dev/null || true; \
    NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem npm install --global --no-fund --no-audit --loglevel=error "bun@${BUN_VERSION}" \
 && cp "$(npm root --global)/bun/bin/bun.exe" /bun \
 && /bun --version

# --- base: the interpreter, trusted CAs, the user (as in worker.Dockerfile) ----------------------
FROM ${PYTHON_IMAGE} AS base
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

# --- deps: the pinned requirements in a venv ------------------------------------------------------
FROM base AS deps
COPY requirements.txt /tmp/requirements.txt
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/python -m pip install --no-cache-dir --disable-pip-version-check -q -r /tmp/requirements.txt

# --- frontend: `reflex export` builds .web/build/client, with the committed reflex.lock -----------
FROM deps AS frontend
ARG WEB_PORT=3000
COPY --from=bun /bun /usr/local/bin/bun
WORKDIR /app
COPY rxconfig.py ./
COPY reflex.lock/ reflex.lock/
COPY app/ app/
COPY components/ components/
COPY state/ state/
COPY workers/ workers/
# Bun reads NODE_EXTRA_CA_CERTS (the full system bundle, with the build CAs) when it installs the
# front end's packages. REFLEX_USE_SYSTEM_BUN: never download bun. RUNPAD_ENV=development: importing
# the app to compile it needs no secret key; none exists at build time. node_modules is dropped: the
# backend serves the built files only.
RUN NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt REFLEX_USE_SYSTEM_BUN=1 RUNPAD_ENV=development \
    REFLEX_FRONTEND_PORT=${WEB_PORT} REFLEX_BACKEND_PORT=${WEB_PORT} \
    /opt/venv/bin/reflex export --frontend-only --no-zip --env prod --loglevel info \
 && grep -q "localhost:${WEB_PORT}/" .web/env.json \
 && test -f .web/build/client/index.html \
 && rm -rf .web/node_modules

# --- web ------------------------------------------------------------------------------------------
FROM base AS web
ARG WEB_PORT=3000
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
# Code and the built front end owned by root and read-only to runpad.
COPY alembic.ini rxconfig.py ./
COPY alembic/ alembic/
COPY app/ app/
COPY components/ components/
COPY state/ state/
COPY workers/ workers/
COPY reflex.lock/ reflex.lock/
COPY --from=frontend /app/.web/ .web/
COPY infra/docker/serve_web.py infra/docker/healthcheck.py /opt/runpad/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    RUNPAD_ENV=production \
    REFLEX_FRONTEND_PORT=${WEB_PORT} \
    REFLEX_USE_SYSTEM_BUN=1
USER 10001:10001
EXPOSE ${WEB_PORT}
HEALTHCHECK --interval=15s --timeout=6s --start-period=60s --retries=3 \
    CMD ["python", "/opt/runpad/healthcheck.py", "web"]
CMD ["python", "/opt/runpad/serve_web.py"]
