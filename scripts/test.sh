#!/usr/bin/env bash
# Runs Runpad's whole test suite on this Debian 12 machine (as root), installing and starting what
# it needs first: scripts/setup-host.sh --tests (packages, PostgreSQL, Redis, dockerd, .venv with
# requirements-dev.txt, base images), then bun for the Reflex front end (scripts/reflex-setup.sh),
# then pytest. No Runpad process is started: the tests start what they use.
#
#   scripts/test.sh [PYTEST ARGS...]     e.g. scripts/test.sh tests/unit -x
#
# Exits with pytest's status, except that "no tests collected" (5) is a failure too.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_root
cd "$ROOT"
bash "$ROOT/scripts/setup-host.sh" --tests
# Exports REFLEX_USE_SYSTEM_BUN=1 for tests that build or start the web app.
# shellcheck source=scripts/reflex-setup.sh
source "$ROOT/scripts/reflex-setup.sh"

status=0
"$VENV/bin/python" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    die "pytest collected no tests"
fi
exit "$status"
