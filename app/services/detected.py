"""Detected dependencies: what the code imports and does not declare, pinned to an exact version.

Pins are what makes detection deterministic. A name the previous version already had pinned keeps
that pin (so saving unchanged imports gives the same dependency hash and reuses the image, even after
the package has a new release); only a name new to the script is looked up, at the registry's latest
version. Lookups happen before the saving transaction opens, and an import whose package the
registry does not have fails here, before any build or container."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from app.core import errors, runtimes
from app.core.db import session
from app.core.runtimes import Ecosystem
from app.integrations import package_versions
from app.models import Script, ScriptVersion
from app.services import dependencies, imports
from app.services.dependencies import DependencyError

LOOKUP_THREADS = 8


class UnknownImport(errors.InvalidInput):
    """The code imports a package its registry does not have (or names one that cannot exist)."""


class RegistryUnreachable(errors.Unavailable):
    """A package the code imports could not be pinned: its registry did not answer."""

    service = "the package registry"


def resolve(runtime: str, code: str, declared: list[str], pins: list[str] | None = None) -> list[str]:
    """The normalised, pinned specs of what `code` imports beyond `declared`: reuse `pins` (specs of an
    earlier version) by name, look the rest up. [] when `declared` is invalid: validation says why."""
    try:
        declared_names = {dependencies.package_name(runtime, d) for d in dependencies.normalise(runtime, declared)}
    except (DependencyError, runtimes.UnknownRuntime):
        return []
    found = imports.found_in(runtime, code)
    chosen: dict[str, str] = {}  # name -> spec, or "" while it needs the registry's latest version
    for written in found.required:
        spec = _required(runtime, written)
        chosen.setdefault(dependencies.package_name(runtime, spec), "" if _bare(runtime, spec) else spec)
    needed_by: dict[str, str] = {}
    for item in found.imports:
        name = _registry_name(runtime, item)
        if name not in declared_names and name not in chosen:
            chosen[name], needed_by[name] = "", item.written
    for name in declared_names:  # a declared dependency always wins
        chosen.pop(name, None)
    _check_count(len(declared_names) + len(chosen))
    earlier = _by_name(runtime, pins or [])
    for name, spec in chosen.items():
        if not spec and name in earlier:
            chosen[name] = earlier[name]
    missing = sorted(name for name, spec in chosen.items() if not spec)
    chosen.update(_latest(runtime, missing, needed_by))
    return sorted(dependencies.normalise(runtime, list(chosen.values())))


def pins_of_script(script_id: uuid.UUID | None, workspace_id: uuid.UUID) -> list[str]:
    """The detected pins of a script's current version (none for another workspace's script)."""
    if script_id is None:
        return []
    with session() as s:
        found = s.scalars(
            select(ScriptVersion.detected_dependencies)
            .join(Script, Script.id == ScriptVersion.script_id)
            .where(
                Script.id == script_id,
                Script.workspace_id == workspace_id,
                ScriptVersion.number == Script.current_version,
            )
        ).one_or_none()
    return list(found or [])


def _registry_name(runtime: str, item: imports.Imported) -> str:
    """The package's name as dependency specs spell it, or UnknownImport for a name no registry allows."""
    try:
        spec = dependencies.normalise(runtime, [item.package])[0]
    except DependencyError:
        ecosystem = runtimes.ecosystem_of(runtime)
        raise UnknownImport(
            f"the code imports {item.written!r}, which is not a valid {ecosystem} package name: "
            "fix the import, or declare the package it needs"
        ) from None
    return dependencies.package_name(runtime, spec)


def _required(runtime: str, written: str) -> str:
    try:
        return dependencies.normalise(runtime, [written])[0]
    except DependencyError as exc:
        raise UnknownImport(f"a `requires:` comment names {written!r}, which Runpad refuses: {exc}") from None


def _bare(runtime: str, spec: str) -> bool:
    """A spec with no version (npm's `@latest`, a PyPI name alone): pinned like an import."""
    if runtimes.ecosystem_of(runtime) == Ecosystem.npm:
        return spec.endswith("@latest")
    return spec == dependencies.package_name(runtime, spec)


def _by_name(runtime: str, specs: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for spec in specs:
        try:
            found.setdefault(dependencies.package_name(runtime, spec), spec)
        except Exception:  # noqa: BLE001 - a pin saved by an older rule is not reused
            continue
    return found


def _check_count(count: int) -> None:
    if count > dependencies.MAX_DEPENDENCIES:
        raise UnknownImport(
            f"the code needs {count} packages (declared and imported), more than the "
            f"{dependencies.MAX_DEPENDENCIES} a script may have"
        )


def _latest(runtime: str, names: list[str], needed_by: dict[str, str]) -> dict[str, str]:
    """name -> an exact spec at the registry's latest version; UnknownImport naming every package the
    registry does not have, RegistryUnreachable when it does not answer."""
    if not names:
        return {}
    with ThreadPoolExecutor(min(LOOKUP_THREADS, len(names))) as pool:
        answers = dict(zip(names, pool.map(lambda n: package_versions.suggest(runtime, n), names), strict=True))
    unknown = [n for n, a in answers.items() if a.error != package_versions.UNREACHABLE and (a.error or not a.latest)]
    if unknown:
        ecosystem = runtimes.ecosystem_of(runtime)
        listed = ", ".join(_described(n, needed_by) for n in unknown)
        raise UnknownImport(
            f"the code imports {listed}, but {ecosystem} has no such package: check the spelling, or "
            "declare the package it needs"
        )
    unreachable = [n for n, a in answers.items() if a.error]
    if unreachable:
        raise RegistryUnreachable(
            f"couldn't reach the registry to pin {', '.join(unreachable)}, which the code imports: declare "
            "them with a version, or try again in a moment"
        )
    operator = "@" if runtimes.ecosystem_of(runtime) == Ecosystem.npm else "=="
    return {name: f"{name}{operator}{answers[name].latest}" for name in names}


def _described(name: str, needed_by: dict[str, str]) -> str:
    written = needed_by.get(name, name)
    return repr(name) if written == name else f"{written!r} (package {name!r})"
