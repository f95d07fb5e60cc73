"""Script versions: validated, immutable snapshots of code, dependencies and secret names."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.core import errors, runtimes
from app.models import ScriptVersion
from app.services import dependencies, secrets

MAX_CODE_BYTES = 1024 * 1024


class VersionError(errors.InvalidInput):
    """Bad code, dependencies or secret names; nothing was written."""


def validate(runtime: str, code: str, deps: list[str], secret_names: list[str]) -> tuple[list[str], list[str]]:
    """Normalised dependencies and secret names, or VersionError with a message a person can act on."""
    try:
        runtimes.row(runtime)
    except runtimes.UnknownRuntime as exc:
        raise VersionError(str(exc)) from None
    if not isinstance(code, str):
        raise VersionError("code must be a string")
    if len(code.encode()) > MAX_CODE_BYTES:
        raise VersionError(f"code is larger than {MAX_CODE_BYTES} bytes")
    try:
        return dependencies.normalise(runtime, deps or []), secrets.validate_names(secret_names or [])
    except (dependencies.DependencyError, secrets.SecretError) as exc:
        raise VersionError(str(exc)) from None


def new_version(s: Session, runtime: str, code: str, deps: list[str], secret_names: list[str],
                script_id: uuid.UUID | None = None, number: int = 1) -> ScriptVersion:
    """Adds (does not commit) a version; the dependency hash ties it to its image."""
    from workers.runtime.images import deps_hash_for  # Docker is needed only once the input is valid

    normalised, names = validate(runtime, code, deps, secret_names)
    version = ScriptVersion(script_id=script_id, number=number, runtime=runtime, code=code,
                            dependencies=normalised, secrets=names, deps_hash=deps_hash_for(runtime, normalised))
    s.add(version)
    s.flush()  # runs and builds refer to it in the same transaction
    return version
