#!/usr/bin/env bash
# Installs everything Runpad needs on this Debian 12 machine (as root) and starts it in the
# background: the hooks listener (hook URLs on their own origin), the web app (Reflex, production
# build), then, once both answer, a Celery worker and the scheduler. Prints both URLs and the admin login.
# Safe to re-run: the processes it started before are stopped first (scripts/stop.sh).
#
#   scripts/install.sh
#
# Logs: /var/log/runpad/{web,hooks,worker,scheduler}.log; pid files: /run/runpad/*.pid.
# The web port is 3000 unless REFLEX_FRONTEND_PORT says otherwise; hooks listen on 3001 unless
# RUNPAD_HOOKS_PORT does (RUNPAD_HOOKS_URL is the address callers use, e.g. behind a proxy).
# RUNPAD_WEB_WORKERS and RUNPAD_HOOKS_WORKERS (default: half the cores, at least 1) and
# RUNPAD_WORKER_CONCURRENCY (default: 4 a core) size the processes.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WEB_PORT="${REFLEX_FRONTEND_PORT:-3000}"
HOOKS_PORT="${RUNPAD_HOOKS_PORT:-3001}"
WEB_WAIT_SECONDS="${RUNPAD_WEB_WAIT_SECONDS:-900}"  # a first production build takes minutes
[[ "$WEB_PORT" =~ ^[0-9]+$ ]] || die "REFLEX_FRONTEND_PORT must be a port number"
[[ "$HOOKS_PORT" =~ ^[0-9]+$ ]] || die "RUNPAD_HOOKS_PORT must be a port number"
[ "$HOOKS_PORT" != "$WEB_PORT" ] || die "hooks need their own origin: RUNPAD_HOOKS_PORT must differ from the web port"
[[ "$WEB_WAIT_SECONDS" =~ ^[0-9]+$ ]] || die "RUNPAD_WEB_WAIT_SECONDS must be a number"
# Process counts sized to the cores (each web or hooks worker is a ~150 MB Python process; Reflex's
# own default is 2 x cores + 1); the worker's threads mostly wait on containers, so it has 4 a core.
CORES="$(nproc)"
HALF_THE_CORES=$(( CORES / 2 > 0 ? CORES / 2 : 1 ))
WEB_WORKERS="${RUNPAD_WEB_WORKERS:-$HALF_THE_CORES}"
HOOKS_WORKERS="${RUNPAD_HOOKS_WORKERS:-$HALF_THE_CORES}"
WORKER_CONCURRENCY="${RUNPAD_WORKER_CONCURRENCY:-$(( CORES * 4 ))}"
for count in WEB_WORKERS HOOKS_WORKERS WORKER_CONCURRENCY; do
    [[ "${!count}" =~ ^[1-9][0-9]*$ ]] || die "RUNPAD_$count must be a whole number from 1"
done

require_root
cd "$ROOT"

# Stop what a previous install started before migrating the schema under it.
bash "$ROOT/scripts/stop.sh"
# Our previous web app is stopped now, so an answer on the port would come from someone else.
if (exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT") 2>/dev/null; then
    die "port $WEB_PORT is in use by another program; free it or set REFLEX_FRONTEND_PORT"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$HOOKS_PORT") 2>/dev/null; then
    die "port $HOOKS_PORT is in use by another program; free it or set RUNPAD_HOOKS_PORT"
fi
bash "$ROOT/scripts/setup-host.sh"

env_file_set RUNPAD_ENV production
[ "${RUNPAD_ENV:-production}" = production ] || warn "RUNPAD_ENV=$RUNPAD_ENV in the environment overrides .env"

[ -f "$ROOT/scripts/reflex-setup.sh" ] || die "scripts/reflex-setup.sh is missing"
# Installs bun from the npm registry if needed and exports REFLEX_USE_SYSTEM_BUN=1 (and npm's
# registry) for the web process below.
# shellcheck source=scripts/reflex-setup.sh
source "$ROOT/scripts/reflex-setup.sh"

admin_login="$("$VENV/bin/python" -m app.cli ensure-admin)"
say "$admin_login"

mkdir -p "$RUN_DIR" "$LOG_DIR"
export PATH="$VENV/bin:$PATH" PYTHONUNBUFFERED=1

# start NAME COMMAND...: in its own session (so stop.sh can signal the whole group), detached from
# this terminal, appending to $LOG_DIR/NAME.log; remembers where in the log this start begins.
declare -A log_offset
start() {
    local name="$1" log="$LOG_DIR/$1.log"
    shift
    touch "$log"
    log_offset[$name]="$(stat -c %s "$log")"
    printf '\n=== %s: starting: %s\n' "$(date -Is)" "$*" >>"$log"
    setsid nohup "$@" >>"$log" 2>&1 </dev/null &
    printf '%s\n' "$!" >"$RUN_DIR/$name.pid"
    say "started $name (pid $!, log $log)"
}
alive() { kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }
since_start() { tail -c "+$((log_offset[$1] + 1))" "$LOG_DIR/$1.log"; }  # what NAME logged since start

# Hook URLs are other people's pages: their own listener, so never the IDE's origin (contract §3).
start hooks granian --interface asgi --workers "$HOOKS_WORKERS" --host 0.0.0.0 --port "$HOOKS_PORT" app.api.hooks_app:app
waited=0
until curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$HOOKS_PORT/healthz"; do
    if ! alive hooks; then
        since_start hooks | tail -n 40 >&2
        die "the hooks listener exited (log: $LOG_DIR/hooks.log)"
    fi
    [ "$waited" -lt 60 ] || die "the hooks listener did not answer within 60 s (log: $LOG_DIR/hooks.log)"
    sleep 1
    waited=$((waited + 1))
done

start web env GRANIAN_WORKERS="$WEB_WORKERS" reflex run --env prod --frontend-port "$WEB_PORT"
say "waiting for the web app on port $WEB_PORT (the first start builds the front end)"
waited=0
until curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$WEB_PORT/"; do
    if ! alive web; then
        since_start web | tail -n 40 >&2
        die "the web app exited (log: $LOG_DIR/web.log)"
    fi
    [ "$waited" -lt "$WEB_WAIT_SECONDS" ] || die "the web app did not answer within $WEB_WAIT_SECONDS s (log: $LOG_DIR/web.log)"
    sleep 2
    waited=$((waited + 2))
done

start worker celery -A workers.celery_app worker --pool threads --concurrency "$WORKER_CONCURRENCY" -Q tryout,runs,builds --loglevel INFO
start scheduler python -m workers.scheduler

# Celery logs "celery@HOST ready." once it consumes from the queues.
waited=0
until since_start worker | grep -F ' ready.' >/dev/null; do
    if ! alive worker; then
        since_start worker | tail -n 40 >&2
        die "the worker exited (log: $LOG_DIR/worker.log)"
    fi
    [ "$waited" -lt 60 ] || die "the worker did not report ready within 60 s (log: $LOG_DIR/worker.log)"
    sleep 1
    waited=$((waited + 1))
done

# /readyz checks PostgreSQL, Redis and that the worker's Docker Engine answers (the worker reports it;
# "ready." comes after it has published its base images); a failure is worth a warning.
readiness="$(curl -sS --max-time 10 -w '\n%{http_code}' "http://127.0.0.1:$WEB_PORT/readyz" 2>&1 || true)"
[ "${readiness##*$'\n'}" = 200 ] || warn "/readyz: ${readiness//$'\n'/ }"

public_url="$(setting RUNPAD_PUBLIC_URL http://localhost:3000)"
hooks_url="$("$VENV/bin/python" -c 'from app.core.settings import settings; print(settings.hooks_url)')"
echo
say "Runpad is running at http://localhost:$WEB_PORT/ (RUNPAD_PUBLIC_URL: $public_url)"
say "hook URLs answer at http://localhost:$HOOKS_PORT/hooks/... (RUNPAD_HOOKS_URL: $hooks_url)"
say "$admin_login"
say "logs in $LOG_DIR/; stop with: bash scripts/stop.sh"
