"""A workspace's own Infisical connection (contract §6: the workspace's settings, managed by its admins).
Runs, the secret catalog and the picker of a workspace use its own connection when it has one, else the
installation's default (infisical.load); here the workspace's admins see which, connect their own, test
what runs use and disconnect. The client secret is never returned nor written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.integrations import infisical
from app.models import Role
from app.services.access import Access


@dataclass(frozen=True)
class Status:
    own: dict[str, Any]  # the workspace's own connection as infisical.config shows it: no client secret
    default_where: str  # the installation default's project, environment and path; "" when there is none

    @property
    def uses(self) -> str:
        """What the workspace's runs use: "own", "default" or "none" (the built-in store only)."""
        return "own" if self.own["configured"] else "default" if self.default_where else "none"


def status(access: Access) -> Status:
    access.require(Role.admin)
    default = infisical.config(None)
    where = (
        infisical.where_of(default["project_id"], default["environment"], default.get("secret_path") or "/")
        if default["configured"]
        else ""
    )
    return Status(infisical.config(access.workspace_id), where)


def connect(access: Access, form: dict[str, Any]) -> None:
    """Stores the workspace's own connection from the form's fields (see infisical.configure_from)."""
    infisical.configure_from(form, by=access.require(Role.admin))


def disconnect(access: Access) -> bool:
    """The workspace's runs go back to the installation default; False when it had no own connection."""
    return infisical.unconfigure(by=access.require(Role.admin))


def check(access: Access) -> tuple[bool, str]:
    """The connection test of what the workspace's runs use: its own connection, else the default."""
    access.require(Role.admin)
    return infisical.test_connection(access.workspace_id)
