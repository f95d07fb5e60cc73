"""Operator commands: python -m app.cli ensure-admin | prepare-worker | rotate-key --new-key NEW (- reads stdin)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "ensure-admin":
        from app.services.users import ensure_admin

        email, password = ensure_admin()
        print(f"admin login: {email} / {password}" if password else f"admin login: {email} (password as set before)")
        return 0
    if command == "prepare-worker":
        from workers.runtime.network import ensure_run_network

        ensure_run_network()
        print("run network and firewall ready")
        return 0
    if command == "rotate-key":
        return _rotate_key(argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


def _rotate_key(args: list[str]) -> int:
    from app.services import keys

    parser = argparse.ArgumentParser(prog="python -m app.cli rotate-key")
    parser.add_argument("--new-key", required=True, help="the new RUNPAD_SECRET_KEY, or - to read it from stdin")
    new_key = parser.parse_args(args).new_key
    if new_key == "-":  # keeps the key out of the process list and shell history
        new_key = sys.stdin.readline().strip()
    try:
        done = keys.rotate(new_key)
    except keys.KeyRotationError as exc:
        print(f"rotate-key refused: {exc}", file=sys.stderr)
        return 1
    print(f"re-encrypted {done.secrets} secret(s) and {done.settings} setting credential(s) under the new key")
    print("now set RUNPAD_SECRET_KEY to the new key (in .env) and restart web, workers and scheduler")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
