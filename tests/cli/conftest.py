"""The runpad CLI under test: its commands run in this process (Click's runner) against the real API
served on loopback (the fixtures of tests/api), with an empty config directory of their own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from runpad_cli.main import cli

from tests.api.conftest import alice, base_url, bob, worker  # noqa: F401  (fixtures, shared)


@dataclass
class Runpad:
    env: dict[str, str | None]

    def __call__(self, *args: object, stdin: str | None = None) -> Result:
        """`runpad ARGS...`; the result has exit_code and output (stdout and stderr as a terminal shows them)."""
        return CliRunner().invoke(cli, [str(a) for a in args], env=self.env, input=stdin, catch_exceptions=False)


def settings_for(url: str, token: str, config_home: Path) -> dict[str, str | None]:
    return {
        "RUNPAD_URL": url,
        "RUNPAD_TOKEN": token,
        "RUNPAD_WORKSPACE": None,
        "XDG_CONFIG_HOME": str(config_home),
    }


@pytest.fixture
def runpad(base_url, alice, tmp_path) -> Runpad:  # noqa: F811
    """The CLI acting as alice (RUNPAD_URL and RUNPAD_TOKEN), in her personal workspace."""
    return Runpad(settings_for(base_url, alice.token, tmp_path / "config"))
