"""Where a run's secrets come from: its workspace's part of Runpad's own store (values encrypted at
rest with Fernet, never returned) and, when one is configured, Infisical: the workspace's own
connection, else the installation's (infisical.load). A name is one secret per
workspace: the same name in two workspaces is two secrets, and a run gets only its own workspace's.

Clash rule: the built-in store wins. resolve() takes every name it can from the store and asks
Infisical only for the rest, so Infisical is contacted only when a run needs it and an Infisical outage
cannot fail a run whose secrets are all in the store. A name in neither source fails the run before any
container starts. Values fetched from Infisical live only in the worker's memory for that run."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from app.core import crypto, errors
from app.core.db import session
from app.integrations import infisical
from app.models import Role, Secret, utcnow
from app.services import audit
from app.services.access import Access

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
PROVIDERS = ("store", "infisical")  # in order of precedence: where both have a name, the first wins


class SecretError(errors.InvalidInput):
    """A bad secret name or value, or secrets a run needs that exist nowhere."""


class ProviderError(errors.Unavailable):
    """A configured provider (Infisical) failed, so the secrets it should supply are unknown."""

    service = "a secret provider"


def validate_names(names: list[str]) -> list[str]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SecretError("secrets must be a list of names")
    bad = [n for n in names if not NAME.match(n)]
    if bad:
        raise SecretError(f"invalid secret name {bad[0]!r}: use letters, digits and _, not starting with a digit")
    return sorted(set(names))


def put(access: Access, name: str, value: str) -> None:
    access.require(Role.developer)
    validate_names([name])
    if not isinstance(value, str) or not value:
        raise SecretError("a secret value must be a non-empty string")
    ciphertext = crypto.encrypt(value)
    now = utcnow()
    stmt = insert(Secret).values(
        id=uuid.uuid4(),
        workspace_id=access.workspace_id,
        name=name,
        provider="store",
        ciphertext=ciphertext,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        constraint="uq_secrets_workspace_name", set_={"ciphertext": ciphertext, "updated_at": now}
    )
    with session() as s:
        s.execute(stmt)
        audit.record(s, access.actor, "secret.put", name, access.workspace_id)  # never the value
        s.commit()


def remove(access: Access, name: str) -> bool:
    access.require(Role.developer)
    with session() as s:
        deleted = s.execute(  # type: ignore[attr-defined]
            delete(Secret).where(Secret.workspace_id == access.workspace_id, Secret.name == name)
        ).rowcount
        if deleted:
            audit.record(s, access.actor, "secret.delete", name, access.workspace_id)
        s.commit()
    return bool(deleted)


def names(workspace_id: uuid.UUID) -> list[str]:
    with session() as s:
        return list(s.scalars(select(Secret.name).where(Secret.workspace_id == workspace_id).order_by(Secret.name)))


def list_all(access: Access) -> list[tuple[str, str]]:
    """Every (name, provider) pair by name; a name both sources have appears twice, the store's row first
    because runs get that one. Infisical names that cannot be environment variables are left out."""
    rows = [(name, "store") for name in names(access.workspace_id)]
    try:
        cfg = infisical.load(access.workspace_id)
        remote = infisical.list_names(cfg) if cfg else []
    except infisical.InfisicalError as exc:
        raise ProviderError(f"could not list the secrets in Infisical: {exc}") from None
    rows += [(name, "infisical") for name in remote if NAME.match(name)]
    return sorted(rows, key=lambda row: (row[0], PROVIDERS.index(row[1])))


def resolve(workspace_id: uuid.UUID, wanted: list[str]) -> dict[str, str]:
    """The values of the named secrets of a workspace, by the clash rule above; raises SecretError
    naming every missing one, or ProviderError naming Infisical and why it failed."""
    if not wanted:
        return {}
    with session() as s:
        rows = s.execute(
            select(Secret.name, Secret.ciphertext).where(Secret.workspace_id == workspace_id, Secret.name.in_(wanted))
        ).all()
    found = {name: _decrypt(name, ciphertext) for name, ciphertext in rows}
    needed = sorted(set(wanted) - set(found))
    cfg = None
    if needed:
        try:
            cfg = infisical.load(workspace_id)
            found.update(infisical.fetch(needed, cfg) if cfg else {})
        except infisical.InfisicalError as exc:
            raise ProviderError(
                f"could not fetch {_plural(needed)} {', '.join(needed)} from Infisical: {exc}"
            ) from None
    missing = sorted(set(wanted) - set(found))
    if missing:
        where = f"the built-in store or Infisical ({cfg.where})" if cfg else "the built-in store"
        raise SecretError(f"{_plural(missing)} not found in {where}: {', '.join(missing)}")
    return found


def _decrypt(name: str, ciphertext: bytes) -> str:
    try:
        return crypto.decrypt(ciphertext)
    except crypto.InvalidToken:  # says nothing by itself; the usual cause is a key changed without rotate-key
        raise SecretError(
            f"secret {name} does not decrypt with the current RUNPAD_SECRET_KEY "
            "(was the key changed without python -m app.cli rotate-key?)"
        ) from None


def _plural(names: list[str]) -> str:
    return "secrets" if len(names) > 1 else "secret"
