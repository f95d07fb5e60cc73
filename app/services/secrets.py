"""Runpad's own secret store: values encrypted at rest with Fernet, resolved by name when a run starts."""

from __future__ import annotations

import re
import uuid

from cryptography.fernet import Fernet
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from app.db import session
from app.models import Secret, utcnow
from app.settings import settings

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class SecretError(ValueError):
    """A bad secret name or value, or secrets a run needs that exist nowhere."""


def validate_names(names: list[str]) -> list[str]:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SecretError("secrets must be a list of names")
    bad = [n for n in names if not NAME.match(n)]
    if bad:
        raise SecretError(f"invalid secret name {bad[0]!r}: use letters, digits and _, not starting with a digit")
    return sorted(set(names))


def _fernet() -> Fernet:
    return Fernet(settings.fernet_key)


def put(name: str, value: str) -> None:
    validate_names([name])
    if not isinstance(value, str) or not value:
        raise SecretError("a secret value must be a non-empty string")
    ciphertext = _fernet().encrypt(value.encode())
    now = utcnow()
    stmt = insert(Secret).values(id=uuid.uuid4(), name=name, provider="store", ciphertext=ciphertext,
                                 created_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"ciphertext": ciphertext, "updated_at": now})
    with session() as s:
        s.execute(stmt)
        s.commit()


def remove(name: str) -> bool:
    with session() as s:
        deleted = s.execute(delete(Secret).where(Secret.name == name)).rowcount
        s.commit()
    return bool(deleted)


def names() -> list[str]:
    with session() as s:
        return list(s.scalars(select(Secret.name).order_by(Secret.name)))


def resolve(wanted: list[str]) -> dict[str, str]:
    """The values of the named secrets; raises SecretError naming every one that is missing."""
    if not wanted:
        return {}
    with session() as s:
        rows = s.execute(select(Secret.name, Secret.ciphertext).where(Secret.name.in_(wanted))).all()
    found = {name: _fernet().decrypt(ct).decode() for name, ct in rows}
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise SecretError(f"secret{'s' if len(missing) > 1 else ''} not found: {', '.join(missing)}")
    return found
