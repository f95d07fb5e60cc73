"""The error family's kinds, and the edges that map them (the pages' words, the operator CLI's exit code)."""

import pytest

from app import cli
from app.core import errors
from app.services import launch, login_guard, queue, runs, scripts, secrets
from state.messages import told


@pytest.mark.parametrize(
    "exc,status,code",
    [
        (scripts.ScriptError("name must be 1 to 200 characters"), 422, "invalid_request"),
        (runs.EventTooLarge("event is 7 MB"), 413, "payload_too_large"),
        (scripts.NotFound("no script"), 404, "not_found"),
        (queue.QueueUnavailable("down"), 503, "unavailable"),
        (secrets.ProviderError("Infisical refused"), 503, "unavailable"),
        (login_guard.Throttled(120), 429, "too_many_requests"),
        (login_guard.Busy(), 503, "busy"),
    ],
)
def test_each_error_has_its_kinds_status_and_code(exc, status, code):
    assert (exc.status, exc.code) == (status, code)


def test_a_page_tells_input_errors_as_written_and_outages_without_their_internals():
    assert told(launch.LaunchError("memory_mb must be a whole number"), "The try-out did not start") == (
        "The try-out did not start: memory_mb must be a whole number"
    )
    assert told(queue.QueueUnavailable("the run 42 could not be queued: Error 111 connecting"), "Saving failed") == (
        "Saving failed: the run queue is not answering. Try again in a moment."
    )
    assert "Try again" in told(RuntimeError("psycopg: connection refused"), "Saving failed")


@pytest.mark.parametrize(
    "raised,exit_code",
    [(errors.InvalidInput("bad --region"), 1), (errors.Unavailable("Infisical is not answering"), 3)],
)
def test_the_operator_cli_says_the_message_and_exits_by_kind(monkeypatch, capsys, raised, exit_code):
    def command(args):
        raise raised

    monkeypatch.setattr(cli, "_ensure_admin", command)  # build_parser binds the name when it runs
    assert cli.main(["cli", "ensure-admin"]) == exit_code
    assert capsys.readouterr().err == f"ensure-admin: {raised}\n"
