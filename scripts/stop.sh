#!/usr/bin/env bash
# Stops the Runpad processes scripts/install.sh started (web, hooks, worker, scheduler), found by their
# pid files in /run/runpad. Each was started as the leader of its own session, so its whole process
# group (Reflex's server workers, Celery's threads) gets SIGTERM, then SIGKILL if it lingers.
# Leaves PostgreSQL, Redis and dockerd running. Safe to run when nothing is running.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root

# stop NAME MARKER GRACE: MARKER must appear in the process's command line, so a pid file that
# outlived a reboot never leads to signalling an unrelated process that reused the number.
stop() {
    local name="$1" marker="$2" grace="$3" pidfile pid
    for pidfile in "$RUN_DIR/$name.pid" "/var/run/runpad/$name.pid"; do
        [ -f "$pidfile" ] || continue
        pid="$(cat "$pidfile")"
        rm -f "$pidfile"
        [[ "$pid" =~ ^[0-9]+$ ]] || continue
        kill -0 "$pid" 2>/dev/null || continue
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || continue
        say "stopping $name (pid $pid)"
        kill -TERM -- "-$pid" 2>/dev/null || true
        while kill -0 -- "-$pid" 2>/dev/null && [ "$grace" -gt 0 ]; do
            sleep 1
            grace=$((grace - 1))
        done
        if kill -0 -- "-$pid" 2>/dev/null; then
            warn "$name did not stop in time; killing it"
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    done
}

stop scheduler workers.scheduler 20
stop web reflex 30
stop hooks app.api.hooks_app 30  # a synchronous hook call may be waiting for its run
# A worker finishing its current runs and emptying its warm pool needs longer.
stop worker celery 90
