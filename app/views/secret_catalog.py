"""What the Secrets page and the secret picker list: every secret name with where it comes from (the
built-in store, Infisical or both) and when the store's value last changed. Unlike secrets.list_all,
an Infisical outage does not hide the store's names: it is reported next to them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.core.db import session
from app.integrations import infisical
from app.models import Secret
from app.services import secrets
from app.services.access import Access


@dataclass(frozen=True)
class Entry:
    name: str
    sources: tuple[str, ...]  # in secrets.PROVIDERS order: the first one is what runs get
    updated_at: datetime | None  # the store's value; None for a name only Infisical has


@dataclass(frozen=True)
class Catalog:
    entries: list[Entry]
    infisical: str  # the workspace's connection (its own or the default): "off", "ok" or "down" (not answering)
    infisical_error: str = ""  # why Infisical could not list its names, when it is "down"

    def names(self) -> set[str]:
        return {e.name for e in self.entries}


def catalog(access: Access) -> Catalog:
    """The workspace's secrets (any role may see the names)."""
    with session() as s:
        stored = dict(
            s.execute(
                select(Secret.name, Secret.updated_at)
                .where(Secret.workspace_id == access.workspace_id)
                .order_by(Secret.name)
            ).all()
        )
    remote, status, error = _infisical_names(access.workspace_id)
    names = sorted(set(stored) | set(remote))
    entries = [
        Entry(n, tuple(p for p, has in (("store", n in stored), ("infisical", n in remote)) if has), stored.get(n))
        for n in names
    ]
    return Catalog(entries, status, error)


def _infisical_names(workspace_id: uuid.UUID) -> tuple[set[str], str, str]:
    try:
        cfg = infisical.load(workspace_id)
        if cfg is None:
            return set(), "off", ""
        # names that cannot be environment variables are never handed to a run, so never offered
        return {n for n in infisical.list_names(cfg) if secrets.NAME.match(n)}, "ok", ""
    except infisical.InfisicalError as exc:
        return set(), "down", str(exc)
