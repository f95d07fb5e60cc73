#!/usr/bin/env bash
# Prepare a machine to build Runpad's Reflex front end without Reflex's own bun installer,
# which downloads bun from the internet and so fails behind an air gap or a registry-only proxy.
#
#   scripts/reflex-setup.sh                  install bun if needed and print the env to export
#   scripts/reflex-setup.sh CMD [ARG...]     the same, then run CMD with that env, e.g.
#       scripts/reflex-setup.sh .venv/bin/reflex run --env prod
#   source scripts/reflex-setup.sh           the same, exporting the env into this shell
#
# Idempotent: bun is installed from the npm registry only when it is missing or too old.
# Env it sets (each kept if already set):
#   REFLEX_USE_SYSTEM_BUN=1   use the bun on PATH, never download one
#   NPM_CONFIG_REGISTRY       npm's configured registry; without it Reflex probes two public
#                             registries for latency on first run, one of which is unreachable here
#   PYTHON                    the interpreter whose Reflex pins the bun version (.venv/bin/python)

_reflex_setup() {
    local root python want have
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    python="${PYTHON:-$root/.venv/bin/python}"
    [ -x "$python" ] || python="$(command -v python3)"

    # The bun version Reflex itself pins (it refuses older ones); fall back to 0.10.1's pin.
    want="$("$python" -c 'from reflex_base.constants.installer import Bun; print(Bun.MIN_VERSION)' 2>/dev/null \
        || echo 1.4.4)"
    have="$(bun --version 2>/dev/null || true)"

    if [ -z "$have" ] || [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" != "$want" ]; then
        command -v npm >/dev/null || { echo "reflex-setup: npm is required to install bun" >&2; return 1; }
        echo "reflex-setup: installing bun@$want from the npm registry (found: ${have:-none})" >&2
        npm install --global --no-fund --no-audit "bun@$want" >&2 || return 1
        hash -r
        have="$(bun --version)" || { echo "reflex-setup: bun did not install" >&2; return 1; }
    fi

    export REFLEX_USE_SYSTEM_BUN="${REFLEX_USE_SYSTEM_BUN:-1}"
    if [ -z "${NPM_CONFIG_REGISTRY:-}" ]; then
        NPM_CONFIG_REGISTRY="$(npm config get registry 2>/dev/null || true)"
        export NPM_CONFIG_REGISTRY="${NPM_CONFIG_REGISTRY%/}"
    fi
    echo "reflex-setup: bun $have at $(command -v bun); REFLEX_USE_SYSTEM_BUN=$REFLEX_USE_SYSTEM_BUN" \
        "NPM_CONFIG_REGISTRY=$NPM_CONFIG_REGISTRY" >&2
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: export into the caller's shell and leave its options alone.
    _reflex_setup
    unset -f _reflex_setup
    return
fi

set -euo pipefail
_reflex_setup
if [ "$#" -gt 0 ]; then
    exec "$@"
fi
printf 'export REFLEX_USE_SYSTEM_BUN=%s NPM_CONFIG_REGISTRY=%s\n' "$REFLEX_USE_SYSTEM_BUN" "$NPM_CONFIG_REGISTRY"
