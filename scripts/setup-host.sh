#!/usr/bin/env bash
# Prepares this Debian 12 machine (as root, with or without systemd) to run or test Runpad, and
# starts the services it needs that are not running. Idempotent: a second run only checks.
#
#   scripts/setup-host.sh           what Runpad needs (scripts/install.sh runs this)
#   scripts/setup-host.sh --tests   plus the test tools: requirements-dev.txt, chromium,
#                                   docker-registry (scripts/test.sh runs this)
#
# Steps: Debian packages that are missing; PostgreSQL (and the `runpad` database), Redis and
# dockerd started if they do not answer; .venv with the pinned requirements; base images for
# Node.js and Python (pulled, or built by infra/base-images/bootstrap.sh when no registry is
# reachable); a secret key in .env; database migrations; the run network and its firewall.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEFAULT_NODE_IMAGE=node:22-bookworm-slim
DEFAULT_PYTHON_IMAGE=python:3.12-slim-bookworm
LOCAL_NODE_IMAGE=runpad/node:22-bookworm-local
LOCAL_PYTHON_IMAGE=runpad/python:3.11-bookworm-local
DEFAULT_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/runpad
DOCKERD_LOG=/var/log/runpad-dockerd.log

tests=0
case "${1:-}" in
    "") ;;
    --tests) tests=1 ;;
    *) die "usage: $0 [--tests]" ;;
esac

require_root
cd "$ROOT"
started_at="$SECONDS"
export DEBIAN_FRONTEND=noninteractive

# --- Debian packages -------------------------------------------------------------------------

missing=()
# need PACKAGE CHECK...: queue PACKAGE for installation unless CHECK succeeds. Checks look for the
# program rather than the package, so a Node.js or Docker installed some other way is kept.
need() {
    local package="$1"
    shift
    "$@" >/dev/null 2>&1 || missing+=("$package")
}
has() { command -v "$1"; }

need ca-certificates test -s /etc/ssl/certs/ca-certificates.crt
need curl has curl
need postgresql compgen -G '/usr/lib/postgresql/*/bin/postgres'
need redis-server has redis-server
need docker.io has dockerd
need iptables has iptables
need debootstrap has debootstrap
need python3-venv python3 -c 'import ensurepip, venv'
need git has git
need nodejs has node
need npm has npm
if [ "$tests" = 1 ]; then
    need chromium has chromium
    need docker-registry has docker-registry
    need docker-compose has docker-compose  # tests/infra checks infra/compose.yaml with it
fi

if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    # Without recommends: they add desktop and systemd helpers this machine does not use.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- PostgreSQL --------------------------------------------------------------------------------

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }
# psql over TCP as the application connects; -w: fail instead of asking for a password.
psql_app() { PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -w -v ON_ERROR_STOP=1 -qtA "$@"; }

wait_for() {  # SECONDS COMMAND...: retry COMMAND once a second until it succeeds
    local tries="$1"
    shift
    until "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 1
    done
}

if ! pg_ready; then
    version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)"
    if [ -z "$version" ]; then
        version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
        say "creating PostgreSQL $version cluster main"
        pg_createcluster "$version" main >/dev/null
    fi
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true  # "already running" is fine
    wait_for 30 pg_ready || die "PostgreSQL does not accept connections on 127.0.0.1:5432 (see /var/log/postgresql/)"
fi

# Only the default database URL is set up here; a custom RUNPAD_DATABASE_URL is the operator's own.
if [ "$(setting RUNPAD_DATABASE_URL "$DEFAULT_DATABASE_URL")" = "$DEFAULT_DATABASE_URL" ]; then
    if ! error="$(psql_app -c 'SELECT 1' 2>&1 >/dev/null)"; then
        case "$error" in
            *password*) ;;
            *) die "cannot connect to PostgreSQL as postgres: $error" ;;
        esac
        # A fresh Debian cluster lets the postgres role in only through the Unix socket (peer auth);
        # over TCP it wants a password, and the role has none. Give it a random one and store it in
        # root's ~/.pgpass, which libpq reads, so psql, Alembic and psycopg connect with the default
        # URL unchanged. Chosen over "trust" in pg_hba.conf, which would let every local user in as
        # the database superuser.
        pgpass="${PGPASSFILE:-$HOME/.pgpass}"
        say "setting a password for the postgres role (kept in $pgpass)"
        password="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
        printf '%s\n' "ALTER ROLE postgres PASSWORD :'password';" \
            | (cd / && runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -v password="$password")
        touch "$pgpass"
        chmod 600 "$pgpass"
        { grep -vE '^(127\.0\.0\.1|localhost):5432:\*:postgres:' "$pgpass" || true
          printf '127.0.0.1:5432:*:postgres:%s\nlocalhost:5432:*:postgres:%s\n' "$password" "$password"
        } >"$pgpass.new"
        chmod 600 "$pgpass.new"
        mv "$pgpass.new" "$pgpass"
        psql_app -c 'SELECT 1' >/dev/null || die "still cannot connect to PostgreSQL over TCP"
    fi
    if [ "$(psql_app -c "SELECT 1 FROM pg_database WHERE datname = 'runpad'")" != 1 ]; then
        say "creating database runpad"
        psql_app -c 'CREATE DATABASE runpad'
    fi
fi

# --- Redis -------------------------------------------------------------------------------------

redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
if ! redis_ready; then
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    wait_for 15 redis_ready || die "Redis does not answer on 127.0.0.1:6379"
fi

# --- Docker Engine -----------------------------------------------------------------------------

docker_ready() { timeout 10 docker version --format '{{.Server.Version}}'; }
dockerd_alive() { [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)"; }
if ! docker_ready >/dev/null 2>&1; then
    if ! dockerd_alive 2>/dev/null; then
        say "starting dockerd (log: $DOCKERD_LOG)"
        # Its own session and no tie to our stdout, so it outlives this script and a CI log reader.
        setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    fi
    if ! wait_for 60 docker_ready; then
        tail -n 20 "$DOCKERD_LOG" >&2 || true
        die "the Docker Engine did not answer within 60 s (log: $DOCKERD_LOG)"
    fi
fi

# --- Python environment ------------------------------------------------------------------------

# A stamp per requirements file holds the hash of what was installed. requirements-dev.txt pulls in
# requirements.txt and the CLI (cli/pyproject.toml: its dependencies), so its hash covers all three
# and installing it refreshes both stamps.
requirements_hash() { cat "$@" | sha256sum | cut -d ' ' -f 1; }
stamp_matches() { [ "$(cat "$VENV/.stamp-$1" 2>/dev/null)" = "$2" ]; }

if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    say "creating .venv"
    python3 -m venv --clear "$VENV"
fi
runtime_hash="$(requirements_hash requirements.txt)"
dev_hash="$(requirements_hash requirements-dev.txt requirements.txt cli/pyproject.toml)"
if [ "$tests" = 1 ] && ! stamp_matches requirements-dev.txt "$dev_hash"; then
    say "installing requirements-dev.txt into .venv"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
    printf '%s\n' "$dev_hash" >"$VENV/.stamp-requirements-dev.txt"
    printf '%s\n' "$runtime_hash" >"$VENV/.stamp-requirements.txt"
elif ! stamp_matches requirements.txt "$runtime_hash"; then
    say "installing requirements.txt into .venv"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
    printf '%s\n' "$runtime_hash" >"$VENV/.stamp-requirements.txt"
fi

# --- Base images -------------------------------------------------------------------------------

# present IMAGE: in the local image store, or pulled now. The bootstrap's local names exist
# nowhere else, so they are never pulled.
present() {
    docker image inspect "$1" >/dev/null 2>&1 && return 0
    case "$1" in "$LOCAL_NODE_IMAGE" | "$LOCAL_PYTHON_IMAGE") return 1 ;; esac
    say "pulling $1"
    timeout 300 docker pull -q "$1" >/dev/null 2>&1
}
declare -A default_of=([RUNPAD_NODE_IMAGE]="$DEFAULT_NODE_IMAGE" [RUNPAD_PYTHON_IMAGE]="$DEFAULT_PYTHON_IMAGE")
declare -A local_of=([RUNPAD_NODE_IMAGE]="$LOCAL_NODE_IMAGE" [RUNPAD_PYTHON_IMAGE]="$LOCAL_PYTHON_IMAGE")
images=()
replaceable=()  # settings still at the official default or the local build: ours to switch
all_present=1
for key in RUNPAD_NODE_IMAGE RUNPAD_PYTHON_IMAGE; do
    image="$(setting "$key" "${default_of[$key]}")"
    images+=("$image")
    case "$image" in
        "${default_of[$key]}" | "${local_of[$key]}") replaceable+=("$key") ;;
    esac
    if ! present "$image"; then
        case " ${replaceable[*]} " in
            *" $key "*) all_present=0 ;;
            *) die "$key=$image is neither present nor pullable" ;;
        esac
    fi
done
if [ "$all_present" = 0 ]; then
    say "official base images unavailable; building local ones with infra/base-images/bootstrap.sh"
    NODE_IMAGE="$LOCAL_NODE_IMAGE" PYTHON_IMAGE="$LOCAL_PYTHON_IMAGE" bash infra/base-images/bootstrap.sh
    images=()
    for key in RUNPAD_NODE_IMAGE RUNPAD_PYTHON_IMAGE; do
        case " ${replaceable[*]} " in
            *" $key "*)
                env_file_set "$key" "${local_of[$key]}"
                say "$key=${local_of[$key]} written to .env"
                [ -z "${!key:-}" ] || warn "$key is set in the environment, which overrides .env"
                ;;
        esac
        images+=("$(setting "$key" "")")
    done
fi

# --- Secret key, schema, run network ------------------------------------------------------------

if [ -z "$(setting RUNPAD_SECRET_KEY "")" ]; then
    say "generating RUNPAD_SECRET_KEY into .env"
    env_file_set RUNPAD_SECRET_KEY "$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))')"
fi

"$VENV/bin/alembic" upgrade head 2>&1 | { grep -v '^INFO  \[alembic.runtime.migration\] \(Context impl\|Will assume\)' || true; }
"$VENV/bin/python" -m app.cli prepare-worker >/dev/null

say "host ready in $((SECONDS - started_at)) s: PostgreSQL, Redis, Docker Engine ($(docker_ready)), base images ${images[*]}"
