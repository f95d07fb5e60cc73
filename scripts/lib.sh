# shellcheck shell=bash disable=SC2034
# Helpers shared by scripts/*.sh: the repository's paths, messages, and reading and writing .env.
# Sourced (not run) by setup-host.sh, install.sh, stop.sh and test.sh.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
ENV_FILE="$ROOT/.env"
RUN_DIR=/run/runpad
LOG_DIR=/var/log/runpad
SCRIPT_NAME="$(basename "$0" .sh)"

say() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2; exit 1; }

require_root() {
    [ "$(id -u)" -eq 0 ] || die "run as root: it installs packages and starts PostgreSQL, Redis and dockerd"
}

# The value KEY has in .env (last assignment wins, as with python-dotenv), quotes removed; empty if unset.
env_file_get() {
    local key="$1" line value
    [ -f "$ENV_FILE" ] || return 0
    line="$(grep -E "^[[:space:]]*(export[[:space:]]+)?${key}[[:space:]]*=" "$ENV_FILE" | tail -n 1 || true)"
    [ -n "$line" ] || return 0
    value="${line#*=}"
    value="${value#"${value%%[![:space:]]*}"}"
    value="${value%"${value##*[![:space:]]}"}"
    case "$value" in
        \"*\") value="${value:1:${#value}-2}" ;;
        \'*\') value="${value:1:${#value}-2}" ;;
    esac
    printf '%s' "$value"
}

# Sets KEY=VALUE in .env: replaces the first assignment of KEY in place (dropping any later ones) or
# appends it; every other line is kept. The file holds the secret key, so it stays readable by root only.
env_file_set() {
    local key="$1" value="$2" tmp
    tmp="$(mktemp "$ENV_FILE.XXXXXX")"
    if [ -f "$ENV_FILE" ]; then
        KEY="$key" VALUE="$value" awk '
            BEGIN { pattern = "^[[:space:]]*(export[[:space:]]+)?" ENVIRON["KEY"] "[[:space:]]*=" }
            $0 ~ pattern { if (!done) print ENVIRON["KEY"] "=" ENVIRON["VALUE"]; done = 1; next }
            { print }
            END { if (!done) print ENVIRON["KEY"] "=" ENVIRON["VALUE"] }
        ' "$ENV_FILE" >"$tmp"
    else
        printf '%s=%s\n' "$key" "$value" >"$tmp"
    fi
    chmod 600 "$tmp"
    mv "$tmp" "$ENV_FILE"
}

# The value app/core/settings.py will see for KEY: the environment first, then .env, then DEFAULT.
setting() {
    local key="$1" default="$2" value
    value="${!key:-}"
    [ -n "$value" ] || value="$(env_file_get "$key")"
    printf '%s' "${value:-$default}"
}
