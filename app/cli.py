"""Operator commands: python -m app.cli ensure-admin | prepare-worker."""

from __future__ import annotations

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
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
