"""Operator commands, one argparse parser with a subcommand each: `python -m app.cli --help` lists
them, `python -m app.cli COMMAND --help` explains one. Values that are secrets (passwords, keys,
credentials) are read from stdin when given as -, keeping them out of the process list and history.
Exit codes: 0 done, 1 refused or failed, 2 bad usage, 3 a service is unavailable (try again later)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv[1:])
    except SystemExit as exc:  # argparse's --help (0) and usage errors (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from app.core import errors

    try:
        return args.run(args)
    except errors.RunpadError as exc:  # the family's messages are written for people
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 3 if isinstance(exc, errors.Unavailable) else 1  # 3: the same command may work later


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, run, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    command("ensure-admin", _ensure_admin, "create the first admin if there is no user yet")
    user = command("create-user", _create_user, "create a user (with a password, or an invitation link)")
    user.add_argument("--email", required=True)
    user.add_argument("--password", default=None, help="- reads it from stdin; omitted: print an invitation link")
    user.add_argument("--admin", action="store_true", help="an installation admin (manages users)")
    reset = command("reset-password", _reset_password, "set a user's password; their sessions and tokens end")
    reset.add_argument("--email", required=True)
    reset.add_argument("--password", required=True, help="- reads it from stdin")
    command("prepare-worker", _prepare_worker, "create the run and build networks with their firewall rules")
    command("publish-base-images", _publish_base_images, "publish this engine's base images to the catalog")
    rotate = command("rotate-key", _rotate_key, "re-encrypt every stored secret under a new RUNPAD_SECRET_KEY")
    rotate.add_argument("--new-key", required=True, help="the new RUNPAD_SECRET_KEY, or - to read it from stdin")
    infisical = command("infisical", _infisical, "connect the installation-wide Infisical project, then test it")
    for name in ("--site-url", "--client-id", "--project-id", "--environment"):
        infisical.add_argument(name, required=True)
    infisical.add_argument("--secret-path", default="/")
    infisical.add_argument("--client-secret", default=None, help="- reads it from stdin; omitted keeps the stored one")
    command("infisical-test", _infisical_test, "test the Infisical connection")
    cloudwatch = command("cloudwatch", _cloudwatch, "ship logs to AWS CloudWatch")
    cloudwatch.add_argument("--region", required=True)
    cloudwatch.add_argument("--log-group", required=True)
    cloudwatch.add_argument("--access-key-id", default=None, help="omitted: boto3's default credential chain")
    cloudwatch.add_argument("--secret-access-key", default=None, help="- reads it from stdin")
    command("cloudwatch-off", _cloudwatch_off, "stop shipping logs to CloudWatch")
    return parser


def _ensure_admin(args: argparse.Namespace) -> int:
    from app.services.users import ensure_admin

    email, password = ensure_admin()
    print(f"admin login: {email} / {password}" if password else f"admin login: {email} (password as set before)")
    return 0


def _prepare_worker(args: argparse.Namespace) -> int:
    from workers.runtime.network import FirewallError, ensure_networks

    try:
        bridges = ensure_networks()
    except FirewallError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"run and build networks firewalled (bridges {', '.join(bridges)})")
    return 0


def _publish_base_images(args: argparse.Namespace) -> int:
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


def _rotate_key(args: argparse.Namespace) -> int:
    from app.services import keys

    # --new-key is required: only an empty line on stdin gives nothing, which rotate refuses as too short
    new_key = _from_stdin(args.new_key) or ""
    done = keys.rotate(new_key)  # KeyRotationError: refused, told by main
    print(f"re-encrypted {done.secrets} secret(s) and {done.settings} setting credential(s) under the new key")
    print("now set RUNPAD_SECRET_KEY to the new key (in .env) and restart web, workers and scheduler")
    return 0


def _infisical(a: argparse.Namespace) -> int:
    from app.integrations import infisical

    infisical.configure(
        a.site_url, a.client_id, a.project_id, a.environment, a.secret_path, _from_stdin(a.client_secret)
    )
    return _infisical_test(a)


def _infisical_test(args: argparse.Namespace) -> int:
    from app.integrations import infisical

    ok, message = infisical.test_connection()
    print(message)
    return 0 if ok else 1


def _cloudwatch(a: argparse.Namespace) -> int:
    from app.integrations import cloudwatch

    print(cloudwatch.configure(a.region, a.log_group, a.access_key_id, _from_stdin(a.secret_access_key)))
    return 0


def _cloudwatch_off(args: argparse.Namespace) -> int:
    from app.integrations import cloudwatch

    cloudwatch.disable()
    print("CloudWatch shipping is off; lines stay in PostgreSQL")
    return 0


def _create_user(args: argparse.Namespace) -> int:
    from app.services import users

    if args.password is None:
        user, token = users.invite(args.email, args.admin)
        print(f"created {user.email}; send them this invitation link (one use, valid 7 days):")
        print(users.invite_url(token))
        return 0
    user = users.create(args.email, _from_stdin(args.password) or "", args.admin)
    print(f"created {user.email}{' (installation admin)' if user.is_admin else ''}")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    from app.services import users

    user = users.reset_password(args.email, _from_stdin(args.password) or "")
    print(f"password of {user.email} set; their sessions and API tokens have ended")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
