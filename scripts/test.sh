#!/usr/bin/env bash
# Runs Runpad's whole test suite on this Debian 12 machine (as root), installing and starting what
# it needs first: scripts/setup-host.sh --tests (packages, PostgreSQL, Redis, dockerd, .venv with
# requirements-dev.txt, base images), then bun for the Reflex front end (scripts/reflex-setup.sh),
# then scripts/lint.sh (ruff, mypy), then pytest. No Runpad process is started: the tests start what
# they use. With --fast: lint and tests/unit only, which need no service and no setup (only .venv).
#
#   scripts/test.sh [PYTEST ARGS...]          e.g. scripts/test.sh tests/api -x
#   scripts/test.sh --fast [PYTEST ARGS...]   e.g. scripts/test.sh --fast -k schedules
#
# Exits with pytest's status, except that "no tests collected" (5) is a failure too, and so is a lint
# failure: the tests still run after one, so a single run reports both.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fast=0
if [ "${1:-}" = "--fast" ]; then
    fast=1
    shift
fi

cd "$ROOT"
if [ "$fast" = 1 ]; then
    [ -x "$VENV/bin/python" ] || die "no .venv yet: run scripts/test.sh (or scripts/setup-host.sh --tests) once"
    set -- tests/unit "$@"
else
    require_root
    bash "$ROOT/scripts/setup-host.sh" --tests
    # Exports REFLEX_USE_SYSTEM_BUN=1 for tests that build or start the web app.
    # shellcheck source=scripts/reflex-setup.sh
    source "$ROOT/scripts/reflex-setup.sh"
fi

lint=0
bash "$ROOT/scripts/lint.sh" || lint=$?

status=0
"$VENV/bin/python" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    die "pytest collected no tests"
fi
if [ "$status" -eq 0 ] && [ "$lint" -ne 0 ]; then
    die "the tests passed, but scripts/lint.sh failed (above)"
fi
exit "$status"
