#!/usr/bin/env bash
# Lints Runpad's Python with the settings in pyproject.toml: ruff check and ruff format --check on the
# whole tree, mypy on app, workers, state and components (and tools/, its plugins) and the CLI
# (cli/runpad_cli). Runs all three, then fails if any did. Needs .venv with requirements-dev.txt
# (scripts/setup-host.sh --tests makes it); no root, no services.
#
#   scripts/lint.sh
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$ROOT"
[ -x "$VENV/bin/ruff" ] && [ -x "$VENV/bin/mypy" ] ||
    die "no ruff or mypy in .venv: run scripts/setup-host.sh --tests (scripts/test.sh does) first"

failed=()
"$VENV/bin/ruff" check . || failed+=("ruff check")
"$VENV/bin/ruff" format --check . || failed+=("ruff format --check (ruff format fixes it)")
"$VENV/bin/mypy" app workers state components tools cli/runpad_cli || failed+=(mypy)
[ "${#failed[@]}" -eq 0 ] || die "failed: ${failed[*]}"
say "ruff and mypy are content"
