"""Version suggestions for the dependency picker, from the npm registry and PyPI's JSON API, and the
spec a picked version becomes. Names are checked by the dependency rules before any request; answers
are cached in Redis so typing a name does not hammer a registry, and a dead registry is reported, not
fatal: the person types a version by hand."""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field
from typing import cast
from urllib.parse import quote

import redis
import requests
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from app.core import runtimes
from app.core.redis import redis_client
from app.core.runtimes import Ecosystem
from app.core.settings import settings
from app.integrations.bounded_http import BoundedAdapter, NetworkError, run_within
from app.services import dependencies
from app.services.dependencies import DependencyError

log = logging.getLogger(__name__)

NPM_DEFAULT = "https://registry.npmjs.org"
MAX_VERSIONS = 20
CONNECT_TIMEOUT, READ_TIMEOUT, DEADLINE = 2.0, 5.0, 8.0
MAX_BYTES = 64 * 1024 * 1024  # the abbreviated packument of the biggest npm packages is a few MB
CACHE_SECONDS, FAILURE_CACHE_SECONDS = 600, 30
UNREACHABLE = "couldn't reach the registry: type a version by hand"
# An exact npm version (semver), optionally with prerelease and build parts.
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
_PLAIN_NPM_VERSION = re.compile(r"^\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?$")
# mode -> the operator a picked plain version gets, per runtime (from the runtime table)
PIN_MODES = {name: {mode: op for mode, op, _ in r.pin_modes} for name, r in runtimes.RUNTIMES.items()}


@dataclass(frozen=True)
class Suggestions:
    """Versions newest first (stable ones, unless there are none) and the registry's latest; or an error."""

    name: str
    versions: list[str] = field(default_factory=list)
    latest: str = ""
    error: str = ""


def suggest(runtime: str, name: str) -> Suggestions:
    try:
        name = checked_name(runtime, name)
    except DependencyError as exc:
        return Suggestions(name=(name or "").strip(), error=str(exc))
    url = _url(runtime, name)
    cached = _cache_get(url)
    if cached is not None:
        return cached
    try:
        found = _fetch(runtime, name, url)
    except _Unreachable as exc:
        log.info("version suggestions for %s: %s", url, exc)
        found = Suggestions(name=name, error=UNREACHABLE)
    _cache_put(url, found, FAILURE_CACHE_SECONDS if found.error == UNREACHABLE else CACHE_SECONDS)
    return found


def checked_name(runtime: str, name: str) -> str:
    """The package's registry name, or DependencyError: the same rules as a dependency spec's name."""
    raw = (name or "").strip()
    try:
        ecosystem = runtimes.ecosystem_of(runtime)
    except runtimes.UnknownRuntime as exc:
        raise DependencyError(str(exc)) from None
    if ecosystem == Ecosystem.npm:
        if "@" in raw[1:]:
            raise DependencyError(f"type only the package name, not {raw!r}: the version goes in its own field")
        return dependencies.package_name(runtime, dependencies.normalise_npm(raw))
    normalised = dependencies.normalise_pypi(raw)
    bare = canonicalize_name(raw) if re.fullmatch(r"[A-Za-z0-9._-]+", raw) else ""
    if normalised != bare:
        raise DependencyError(f"type only the package name, not {raw!r}: the version goes in its own field")
    return bare


# ---- fetching ---------------------------------------------------------------------------------


class _Unreachable(Exception):
    """The registry did not answer usably (network, timeout, 5xx, not JSON)."""


def _url(runtime: str, name: str) -> str:
    if runtimes.ecosystem_of(runtime) == Ecosystem.npm:
        base = (settings.npm_registry or NPM_DEFAULT).rstrip("/")
        return f"{base}/{quote(name, safe='@')}"  # a scope's slash as %2F, as npm clients send it
    return f"{settings.pypi_json_url.rstrip('/')}/{quote(name, safe='')}/json"


def _fetch(runtime: str, name: str, url: str) -> Suggestions:
    ecosystem = runtimes.ecosystem_of(runtime)
    response = _get(url, ACCEPT[ecosystem])
    if response.status_code == 404:
        return Suggestions(name=name, error=f"{ecosystem} has no package named {name!r}: check the spelling")
    if response.status_code != 200:
        raise _Unreachable(f"HTTP {response.status_code}")
    try:
        doc = json.loads(response.content)
        return FROM_METADATA[ecosystem](name, doc)
    except (ValueError, TypeError, AttributeError) as exc:
        raise _Unreachable(f"unusable answer: {exc!r}") from None


# npm's abbreviated metadata: only what installs need, much smaller than the full packument
ACCEPT = {
    Ecosystem.npm: "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8",
    Ecosystem.pypi: "application/json",
}


def _get(url: str, accept: str) -> requests.Response:
    def operation() -> requests.Response:
        with requests.Session() as http:
            adapter = BoundedAdapter(url, time.monotonic() + DEADLINE, CONNECT_TIMEOUT, READ_TIMEOUT)
            http.mount("http://", adapter)
            http.mount("https://", adapter)
            return http.get(url, headers={"Accept": accept}, allow_redirects=False)

    try:
        response = run_within(DEADLINE + 0.5, operation, url)
    except NetworkError as exc:
        raise _Unreachable(str(exc)) from None
    if len(response.content) > MAX_BYTES:
        raise _Unreachable(f"answer larger than {MAX_BYTES} bytes")
    return response


def _from_npm(name: str, doc: dict) -> Suggestions:
    versions = doc.get("versions") or {}
    usable = {v for v, meta in versions.items() if _SEMVER.match(v) and not (meta or {}).get("deprecated")}
    usable = usable or {v for v in versions if _SEMVER.match(v)}
    latest = str((doc.get("dist-tags") or {}).get("latest") or "")
    return _pick(
        name,
        sorted(usable, key=_semver_key, reverse=True),
        lambda v: bool(_semver_parts(v)[3]),
        latest if latest in versions else "",
    )


def _from_pypi(name: str, doc: dict) -> Suggestions:
    parsed: dict[str, Version] = {}
    for version, files in (doc.get("releases") or {}).items():
        # a release all of whose files are yanked (or that has none) cannot be installed by a plain pin
        if not files or all(f.get("yanked") for f in files):
            continue
        try:
            parsed[version] = Version(version)
        except InvalidVersion:
            continue
    ordered = sorted(parsed, key=parsed.__getitem__, reverse=True)
    latest = str((doc.get("info") or {}).get("version") or "")
    return _pick(name, ordered, lambda v: parsed[v].is_prerelease, latest if latest in parsed else "")


FROM_METADATA = {Ecosystem.npm: _from_npm, Ecosystem.pypi: _from_pypi}


def _pick(name: str, ordered: list[str], is_prerelease, latest: str) -> Suggestions:
    stable = [v for v in ordered if not is_prerelease(v)]
    chosen = (stable or ordered)[:MAX_VERSIONS]
    if latest and latest not in chosen and (not is_prerelease(latest) or not stable):
        chosen = sorted([*chosen, latest], key=ordered.index)
    return Suggestions(name=name, versions=chosen, latest=latest or (chosen[0] if chosen else ""))


def _semver_parts(version: str) -> tuple[str, str, str, str | None]:
    """Major, minor, patch and prerelease of a version already known to be semver."""
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"not a semver version: {version!r}")
    return match.group(1), match.group(2), match.group(3), match.group(4)


def _semver_key(version: str) -> tuple:
    major, minor, patch, pre = _semver_parts(version)
    if pre is None:
        return (int(major), int(minor), int(patch), (1,))
    # semver precedence: numeric identifiers below alphanumeric ones, a release above its prereleases
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (int(major), int(minor), int(patch), (0, ids))


# ---- cache ------------------------------------------------------------------------------------


def _cache_key(url: str) -> str:
    return f"runpad:pkgver:{url}"


def _cache_get(url: str) -> Suggestions | None:
    try:
        raw = cast("bytes | None", redis_client().get(_cache_key(url)))  # redis-py types it as Awaitable too
    except redis.RedisError as exc:  # no cache is slower, not broken
        log.warning("version suggestion cache unavailable: %s", exc)
        return None
    return Suggestions(**json.loads(raw)) if raw else None


def _cache_put(url: str, found: Suggestions, seconds: int) -> None:
    try:
        redis_client().set(_cache_key(url), json.dumps(asdict(found)), ex=seconds)
    except redis.RedisError as exc:
        log.warning("version suggestion cache unavailable: %s", exc)


# ---- specs ------------------------------------------------------------------------------------


def spec_for(runtime: str, name: str, version: str, mode: str) -> str:
    """The normalised dependency spec for a name and a picked or typed version. A plain version gets
    the pin mode's operator (npm: exact, ^ or ~; PyPI: ==, ~= or >=); a typed range is taken as it is."""
    name, version = (name or "").strip(), " ".join((version or "").split())
    if not name:
        raise DependencyError("type a package name")
    operator = PIN_MODES.get(runtime, {}).get(mode, "")
    if runtimes.ecosystem_of(runtime) == Ecosystem.npm:
        if _PLAIN_NPM_VERSION.match(version):
            version = operator + version
        raw = f"{name}@{version}" if version else name
    else:
        if version and version[0].isdigit():
            version = (operator or "==") + version
        raw = name + version
    return dependencies.normalise(runtime, [raw])[0]


def describe(runtime: str, spec: str) -> dict[str, str]:
    """How the picker lists a normalised spec: its name, the version part and whether it is an exact pin."""
    try:
        name = dependencies.package_name(runtime, spec)
    except Exception:  # noqa: BLE001 - a spec saved by an older rule still gets listed, as it is
        return {"spec": spec, "name": spec, "label": spec, "version": "", "kind": "range"}
    if runtimes.ecosystem_of(runtime) == Ecosystem.npm:
        version = spec[spec.find("@", 1) + 1 :] if spec.find("@", 1) != -1 else "latest"
        label, pinned = name, bool(_SEMVER.match(version.lstrip("=")))
    else:
        cut = next((i for i, c in enumerate(spec) if c in "=<>!~;"), len(spec))  # the version starts here
        label, version = spec[:cut], spec[cut:]
        pinned = bool(re.fullmatch(r"===?[^,;*]+", version.split(";")[0].strip()))
    return {
        "spec": spec,
        "name": name,
        "label": label,
        "version": version or "any version",
        "kind": "pinned" if pinned else "range",
    }
