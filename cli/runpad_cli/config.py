"""Where the CLI finds Runpad: RUNPAD_URL, RUNPAD_TOKEN and RUNPAD_WORKSPACE, each falling back to
what `runpad login` stored in the user's config directory (a file only its owner can read)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

FILE_NAME = "config.yaml"


@dataclass(frozen=True)
class Settings:
    url: str
    token: str
    workspace: str | None = None


def config_path() -> Path:
    """~/.config/runpad/config.yaml on Linux (XDG_CONFIG_HOME respected), the platform's place elsewhere."""
    return Path(click.get_app_dir("runpad")) / FILE_NAME


def stored() -> dict[str, str]:
    path = config_path()
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    return {k: str(v) for k, v in data.items() if v} if isinstance(data, dict) else {}


def store(url: str, token: str, workspace: str | None) -> Path:
    """Writes the login, readable by its owner only: the file is created 0600, never widened first."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {"url": url, "token": token, **({"workspace": workspace} if workspace else {})}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file may have had wider permissions
    with os.fdopen(fd, "w") as out:
        yaml.safe_dump(data, out, sort_keys=False)
    return path


def load() -> Settings:
    """The environment wins over the stored login, field by field."""
    saved = stored()
    url = os.environ.get("RUNPAD_URL") or saved.get("url")
    token = os.environ.get("RUNPAD_TOKEN") or saved.get("token")
    workspace = os.environ.get("RUNPAD_WORKSPACE") or saved.get("workspace")
    if not url or not token:
        raise click.ClickException("not logged in: run `runpad login`, or set RUNPAD_URL and RUNPAD_TOKEN")
    return Settings(url.rstrip("/"), token, workspace or None)
