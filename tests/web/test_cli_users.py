"""`python -m app.cli` for people: create-user (with a password from stdin, or an invitation link),
reset-password, and the one parser's usage errors."""

from __future__ import annotations

import io
import uuid

from app import cli
from app.services import tokens, users


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["app.cli", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_create_user_reads_the_password_from_stdin_and_keeps_it_out_of_the_output(monkeypatch, capsys):
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    code, out, _ = run(
        monkeypatch, capsys, "create-user", "--email", email, "--password", "-", stdin="from stdin 123\n"
    )
    assert code == 0 and email in out and "from stdin 123" not in out
    assert users.authenticate(email, "from stdin 123") is not None
    code, _, err = run(monkeypatch, capsys, "create-user", "--email", email, "--password", "-", stdin="again 12345\n")
    assert code == 1 and "already a user" in err
    code, _, err = run(monkeypatch, capsys, "create-user", "--email", "not-an-email", "--password", "-", stdin="x" * 9)
    assert code == 1 and "email" in err


def test_create_user_without_a_password_prints_an_invitation_link_that_works_once(monkeypatch, capsys):
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    code, out, _ = run(monkeypatch, capsys, "create-user", "--email", email, "--admin")
    link = out.strip().splitlines()[-1]
    assert code == 0 and "/invite/" in link
    user = users.accept(link.rsplit("/", 1)[1], "chosen password")
    assert user.is_admin and users.authenticate(email, "chosen password") is not None


def test_reset_password_sets_it_and_ends_sessions_and_tokens(monkeypatch, capsys):
    email = f"reset-{uuid.uuid4().hex[:8]}@example.com"
    user = users.create(email, "old password 1")
    _, token = tokens.issue(user.id)
    code, out, _ = run(
        monkeypatch, capsys, "reset-password", "--email", email, "--password", "-", stdin="new password 1\n"
    )
    assert code == 0 and "new password 1" not in out
    assert (
        users.authenticate(email, "new password 1") is not None and users.authenticate(email, "old password 1") is None
    )
    assert tokens.authenticate(token) is None
    code, _, err = run(
        monkeypatch, capsys, "reset-password", "--email", "nobody@example.com", "--password", "-", stdin="whatever 12\n"
    )
    assert code == 1 and "no user" in err


def test_usage_errors_exit_2_and_help_0(monkeypatch, capsys):
    assert run(monkeypatch, capsys)[0] == 2
    assert run(monkeypatch, capsys, "no-such-command")[0] == 2
    assert run(monkeypatch, capsys, "create-user")[0] == 2  # --email is required
    code, out, _ = run(monkeypatch, capsys, "--help")
    assert code == 0 and "create-user" in out and "reset-password" in out
