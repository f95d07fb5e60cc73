"""Operator commands (the Settings page of the IDE will call the same services):

python -m app.cli ensure-admin | prepare-worker | publish-base-images
python -m app.cli rotate-key --new-key NEW            (- reads the key from stdin)
python -m app.cli infisical --site-url URL --client-id ID --project-id P --environment ENV
                            [--secret-path /] [--client-secret -]   (the secret is read from stdin)
python -m app.cli infisical-test
python -m app.cli cloudwatch --region R --log-group G [--access-key-id ID --secret-access-key -]
python -m app.cli cloudwatch-off
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str]) -> int:
    command, args = (argv[1] if len(argv) > 1 else ""), argv[2:]
    handler = COMMANDS.get(command)
    if handler is None:
        print(__doc__, file=sys.stderr)
        return 2
    from app.core import errors

    try:
        return handler(args)
    except errors.RunpadError as exc:  # the family's messages are written for people
        print(f"{command}: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, errors.Unavailable) else 1  # 3: the same command may work later


def _ensure_admin(args: list[str]) -> int:
    from app.services.users import ensure_admin

    email, password = ensure_admin()
    print(f"admin login: {email} / {password}" if password else f"admin login: {email} (password as set before)")
    return 0


def _prepare_worker(args: list[str]) -> int:
    from workers.runtime.network import FirewallError, ensure_networks

    try:
        bridges = ensure_networks()
    except FirewallError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"run and build networks firewalled (bridges {', '.join(bridges)})")
    return 0


def _publish_base_images(args: list[str]) -> int:
    """What a worker publishes when it starts, from this machine's engine; prints the settings that
    would pin the same bases (RUNPAD_*_BASE_DIGEST / _RUNNER_DIGEST) for setups that want them fixed."""
    from app.services.base_catalog import RUNTIMES
    from workers.maintenance import publish_base_images

    entries = publish_base_images()
    for entry in entries:
        print(f"published {entry.runtime}: {entry.image} {entry.digest}")
        print(f"  RUNPAD_{entry.runtime.upper()}_BASE_DIGEST={entry.digest}")
        print(f"  RUNPAD_{entry.runtime.upper()}_RUNNER_DIGEST={entry.runner_digest}")
    return 0 if len(entries) == len(RUNTIMES) else 1  # a missing one was logged


def _from_stdin(value: str | None) -> str | None:
    """'-' reads the value from stdin, keeping it out of the process list and shell history."""
    return sys.stdin.readline().strip() if value == "-" else value


def _rotate_key(args: list[str]) -> int:
    from app.services import keys

    parser = argparse.ArgumentParser(prog="python -m app.cli rotate-key")
    parser.add_argument("--new-key", required=True, help="the new RUNPAD_SECRET_KEY, or - to read it from stdin")
    # --new-key is required: only an empty line on stdin gives nothing, which rotate refuses as too short
    new_key = _from_stdin(parser.parse_args(args).new_key) or ""
    done = keys.rotate(new_key)  # KeyRotationError: refused, told by main
    print(f"re-encrypted {done.secrets} secret(s) and {done.settings} setting credential(s) under the new key")
    print("now set RUNPAD_SECRET_KEY to the new key (in .env) and restart web, workers and scheduler")
    return 0


def _infisical(args: list[str]) -> int:
    from app.integrations import infisical

    parser = argparse.ArgumentParser(prog="python -m app.cli infisical")
    for name in ("--site-url", "--client-id", "--project-id", "--environment"):
        parser.add_argument(name, required=True)
    parser.add_argument("--secret-path", default="/")
    parser.add_argument("--client-secret", default=None, help="- reads it from stdin; omitted keeps the stored one")
    a = parser.parse_args(args)
    infisical.configure(
        a.site_url, a.client_id, a.project_id, a.environment, a.secret_path, _from_stdin(a.client_secret)
    )
    return _infisical_test([])


def _infisical_test(args: list[str]) -> int:
    from app.integrations import infisical

    ok, message = infisical.test_connection()
    print(message)
    return 0 if ok else 1


def _cloudwatch(args: list[str]) -> int:
    from app.integrations import cloudwatch

    parser = argparse.ArgumentParser(prog="python -m app.cli cloudwatch")
    parser.add_argument("--region", required=True)
    parser.add_argument("--log-group", required=True)
    parser.add_argument("--access-key-id", default=None, help="omitted: boto3's default credential chain")
    parser.add_argument("--secret-access-key", default=None, help="- reads it from stdin")
    a = parser.parse_args(args)
    print(cloudwatch.configure(a.region, a.log_group, a.access_key_id, _from_stdin(a.secret_access_key)))
    return 0


def _cloudwatch_off(args: list[str]) -> int:
    from app.integrations import cloudwatch

    cloudwatch.disable()
    print("CloudWatch shipping is off; lines stay in PostgreSQL")
    return 0


COMMANDS = {
    "ensure-admin": _ensure_admin,
    "prepare-worker": _prepare_worker,
    "publish-base-images": _publish_base_images,
    "rotate-key": _rotate_key,
    "infisical": _infisical,
    "infisical-test": _infisical_test,
    "cloudwatch": _cloudwatch,
    "cloudwatch-off": _cloudwatch_off,
}


if __name__ == "__main__":
    sys.exit(main(sys.argv))
