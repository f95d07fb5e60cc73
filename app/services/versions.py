"""Script versions: validated, immutable snapshots of code, dependencies and secret names."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.core import errors, runtimes
from app.core.settings import settings
from app.models import ScriptVersion
from app.services import base_catalog, dependencies, secrets

MAX_CODE_BYTES = 1024 * 1024


class VersionError(errors.InvalidInput):
    """Bad code, dependencies or secret names; nothing was written."""


class BaseNotPublished(VersionError):
    """No worker has published the runtime's base image yet and settings pin none; nothing was written."""


def _check_runtime(runtime: str) -> None:
    try:
        runtimes.row(runtime)
    except runtimes.UnknownRuntime as exc:
        raise VersionError(str(exc)) from None


def base_for(runtime: str) -> base_catalog.Entry:
    """The base image a new version of runtime builds on, or VersionError saying what to do.
    Call it before opening the transaction that saves the version: it may read the catalog."""
    _check_runtime(runtime)
    entry = base_catalog.current(runtime)
    if entry is None:
        family = runtimes.family_of(runtime)  # the base image runtime runs on (typescript: node's)
        pin = f"RUNPAD_{family.upper()}_BASE_DIGEST and RUNPAD_{family.upper()}_RUNNER_DIGEST"
        raise BaseNotPublished(
            f"no worker has published the {family} base image yet: start a worker (it "
            f"publishes {settings.base_image(runtime)} when it starts), or pin {pin}"
        )
    return entry


def validate(runtime: str, code: str, deps: list[str], secret_names: list[str]) -> tuple[list[str], list[str]]:
    """Normalised dependencies and secret names, or VersionError with a message a person can act on."""
    _check_runtime(runtime)
    if not isinstance(code, str):
        raise VersionError("code must be a string")
    if len(code.encode()) > MAX_CODE_BYTES:
        raise VersionError(f"code is larger than {MAX_CODE_BYTES} bytes")
    try:
        return dependencies.normalise(runtime, deps or []), secrets.validate_names(secret_names or [])
    except (dependencies.DependencyError, secrets.SecretError) as exc:
        raise VersionError(str(exc)) from None


def new_version(
    s: Session,
    base: base_catalog.Entry,
    code: str,
    deps: list[str],
    secret_names: list[str],
    script_id: uuid.UUID | None = None,
    number: int = 1,
    detected: list[str] | None = None,
    *,
    draft: bool = False,
) -> ScriptVersion:
    """Adds (does not commit) a version of base's runtime; the dependency hash ties it to its image.
    Nothing here waits on anything but this session: `base` comes from base_for, and `detected` (the
    pinned imports, app.services.detected.resolve) are read beforehand."""
    normalised, names = validate(base.runtime, code, deps, secret_names)
    version = ScriptVersion(
        script_id=script_id,
        number=number,
        runtime=runtimes.Runtime(base.runtime),
        code=code,
        dependencies=normalised,
        detected_dependencies=list(detected or []),
        secrets=names,
        deps_hash=base.deps_hash(sorted([*normalised, *(detected or [])])),
        draft=draft,
    )
    s.add(version)
    s.flush()  # runs and builds refer to it in the same transaction
    return version
