"""The operator commands that configure Infisical and CloudWatch until the Settings page exists."""

import io

from app import cli
from app.integrations import cloudwatch, infisical
from tests.secrets.support import CLIENT_ID, CLIENT_SECRET, ENV, PROJECT


def test_infisical_command_stores_the_secret_from_stdin_and_tests_the_connection(fake, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(CLIENT_SECRET + "\n"))
    code = cli.main(
        [
            "app.cli",
            "infisical",
            "--site-url",
            fake.url,
            "--client-id",
            CLIENT_ID,
            "--project-id",
            PROJECT,
            "--environment",
            ENV,
            "--client-secret",
            "-",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and CLIENT_SECRET not in out
    assert infisical.config()["client_secret_set"] is True
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong-secret\n"))
    assert (
        cli.main(
            [
                "app.cli",
                "infisical",
                "--site-url",
                fake.url,
                "--client-id",
                CLIENT_ID,
                "--project-id",
                PROJECT,
                "--environment",
                ENV,
                "--client-secret",
                "-",
            ]
        )
        == 1
    )
    assert "credentials" in capsys.readouterr().out.lower()


def test_bad_configuration_is_refused_with_the_reason(capsys):
    assert (
        cli.main(
            [
                "app.cli",
                "infisical",
                "--site-url",
                "ftp://x",
                "--client-id",
                "a",
                "--project-id",
                "p",
                "--environment",
                "e",
            ]
        )
        == 1
    )
    assert "site URL" in capsys.readouterr().err
    assert cli.main(["app.cli", "cloudwatch", "--region", "not a region", "--log-group", "/g"]) == 1
    assert "region" in capsys.readouterr().err


def test_cloudwatch_command_turns_shipping_on_and_off(capsys):
    assert cli.main(["app.cli", "cloudwatch", "--region", "eu-west-1", "--log-group", "/runpad/cli"]) == 0
    assert cloudwatch.target() is not None and cloudwatch.config()["log_group"] == "/runpad/cli"
    assert cli.main(["app.cli", "cloudwatch-off"]) == 0
    assert cloudwatch.target() is None
