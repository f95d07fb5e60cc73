"""Validates, normalises and hashes a script's dependency specs (npm or PyPI).

Specs are hostile input: they end up in package.json / a requirements file inside a build
container, never in a shell. Anything that is not a registry package with a version range is refused.
"""

from __future__ import annotations

import hashlib
import json
import re

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from app.core import errors, runtimes
from app.core.runtimes import Ecosystem

MAX_DEPENDENCIES = 50

# npm package names: lower case, optional scope, no leading dot or underscore, at most 214 characters.
_NPM_NAME = re.compile(r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")
# A semver range: versions, x-ranges, operators, hyphen ranges and || (no URLs, tags with slashes, aliases).
_NPM_RANGE = re.compile(r"^[0-9A-Za-z.+^~<>=*| -]{1,100}$")
_NPM_DIST_TAG = re.compile(r"^[a-z][a-z0-9._-]{0,49}$")


class DependencyError(errors.InvalidInput):
    """A dependency spec that Runpad refuses, with a message naming it."""


def _split_npm(spec: str) -> tuple[str, str]:
    at = spec.find("@", 1)  # a leading @ belongs to the scope
    return (spec, "latest") if at == -1 else (spec[:at], spec[at + 1 :])


def normalise_npm(spec: str) -> str:
    raw = spec.strip()
    name, version = _split_npm(raw)
    if not name or len(name) > 214 or not _NPM_NAME.match(name):
        raise DependencyError(f"invalid npm package name in {spec!r}")
    version = version.strip()
    if not (_NPM_RANGE.match(version) or _NPM_DIST_TAG.match(version)):
        raise DependencyError(f"invalid npm version range in {spec!r}: use a semver range such as ^1.2 or a tag")
    if version.startswith(("npm:", "file:", "git", "http", "link:", "workspace:")):
        raise DependencyError(f"npm spec {spec!r} must name a registry version, not {version.split(':')[0]}")
    return f"{name}@{' '.join(version.split())}"


def normalise_pypi(spec: str) -> str:
    raw = spec.strip()
    if raw.startswith("-") or "\n" in raw or "#" in raw:
        raise DependencyError(f"invalid PyPI requirement {spec!r}: options, comments and line breaks are not allowed")
    try:
        req = Requirement(raw)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise DependencyError(f"invalid PyPI requirement {spec!r}: {reason}") from None
    if req.url:
        raise DependencyError(f"PyPI requirement {spec!r} must name a package from the index, not a URL")
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    specifier = ",".join(sorted(str(s) for s in req.specifier))
    marker = f"; {req.marker}" if req.marker else ""
    return f"{canonicalize_name(req.name)}{extras}{specifier}{marker}"


def _npm_name(normalised: str) -> str:
    return _split_npm(normalised)[0]


def _pypi_name(normalised: str) -> str:
    return canonicalize_name(Requirement(normalised).name)


# What differs by ecosystem (the runtime table says which ecosystem a runtime installs from).
NORMALISE = {Ecosystem.npm: normalise_npm, Ecosystem.pypi: normalise_pypi}
NAME_OF = {Ecosystem.npm: _npm_name, Ecosystem.pypi: _pypi_name}


def package_name(runtime: str, normalised: str) -> str:
    return NAME_OF[runtimes.ecosystem_of(runtime)](normalised)


def normalise(runtime: str, specs: list[str]) -> list[str]:
    """The sorted, normalised form of specs; raises DependencyError naming the first bad one."""
    try:
        ecosystem = runtimes.ecosystem_of(runtime)
    except runtimes.UnknownRuntime as exc:
        raise DependencyError(str(exc)) from None
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        raise DependencyError("dependencies must be a list of strings")
    if len(specs) > MAX_DEPENDENCIES:
        raise DependencyError(f"at most {MAX_DEPENDENCIES} dependencies per script ({len(specs)} given)")
    result = [NORMALISE[ecosystem](s) for s in specs if s.strip()]
    names = [package_name(runtime, r) for r in result]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DependencyError(f"dependency listed more than once: {', '.join(dupes)}")
    return sorted(result)


def deps_hash(runtime: str, normalised: list[str], base_digest: str, runner_digest: str) -> str:
    """The identity of a dependency image: same runtime, base, bootstrap and specs, same image."""
    doc = {"runtime": runtime, "base": base_digest, "runner": runner_digest, "deps": sorted(normalised)}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def npm_package_json(normalised: list[str]) -> str:
    deps = dict(_split_npm(s) for s in normalised)
    return json.dumps({"name": "runpad-deps", "private": True, "type": "module", "dependencies": deps}, indent=2)


def pypi_requirements(normalised: list[str]) -> str:
    return "".join(f"{s}\n" for s in normalised)
