"""Dependency images: a runner layer per runtime and base image, then one image per dependency hash.

The runner layer is a `docker build` of our own Dockerfile; the dependency install runs in a limited
container on the firewalled build network (build_step) and is committed. Package names reach it only
as package.json / requirements.in files, never a shell line. Builds have network but no secrets.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docker.errors

from app.core import runtimes
from app.core.runtimes import Ecosystem
from app.core.settings import settings
from app.services import dependencies
from app.services.base_catalog import Entry
from workers.runtime import build_step, install_errors
from workers.runtime.docker_client import client

BOOTSTRAP = Path(__file__).parent / "bootstrap"
DEPS_REPO = "runpad/deps"

_NODE_RUNNER = """FROM {base}
COPY ca.pem runner.mjs /opt/runpad/
ENV HOME=/tmp npm_config_cache=/tmp/.npm npm_config_update_notifier=false NODE_ENV=production {ca_env}
RUN mkdir -p /opt/runpad/deps && chown 10001:10001 /opt/runpad/deps
"""
_PYTHON_RUNNER = """FROM {base}
COPY ca.pem runner.py /opt/runpad/
ENV HOME=/tmp PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 UV_NO_CACHE=1 UV_NATIVE_TLS=1 PIP_NO_CACHE_DIR=1 {ca_env}
RUN python3 -m venv /opt/runpad/tools && /opt/runpad/tools/bin/pip install -q uv=={uv} \\
 && python3 -m venv --without-pip /opt/runpad/venv && mkdir -p /opt/runpad/deps \\
 && chown -R 10001:10001 /opt/runpad/venv /opt/runpad/deps
"""
# The install step, run by build_step in a container with a build's limits (fixed strings: package
# names reach it only through the files it reads).
_NODE_INSTALL = "{install} && rm -rf /tmp/.npm"
_PYTHON_INSTALL = (
    "/opt/runpad/tools/bin/uv pip install --python /opt/runpad/venv/bin/python -r {reqs}"
    " && /opt/runpad/tools/bin/uv pip freeze --python /opt/runpad/venv/bin/python"
    " > /opt/runpad/deps/requirements.lock"
)
RUNNER_DOCKERFILE = {Ecosystem.npm: _NODE_RUNNER, Ecosystem.pypi: _PYTHON_RUNNER}


class ImageError(RuntimeError):
    """An image could not be found, built, pushed or pulled; the message says which and why."""


@dataclass(frozen=True)
class BuiltImage:
    ref: str
    digest: str
    lockfile: str


def _ca_env(runtime: str) -> str:
    if not settings.ca_bundle_bytes:
        return ""
    names = ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", *runtimes.row(runtime).extra_ca_env]
    return " ".join(f"{n}=/opt/runpad/ca.pem" for n in names)


def _runner_context(runtime: str, base: str) -> dict[str, bytes]:
    row = runtimes.row(runtime)
    template, runner = RUNNER_DOCKERFILE[row.ecosystem], row.runner_file
    dockerfile = template.format(base=base, ca_env=_ca_env(runtime), uv=settings.uv_version)
    return {
        "Dockerfile": dockerfile.encode(),
        "ca.pem": settings.ca_bundle_bytes,
        runner: (BOOTSTRAP / runner).read_bytes(),
    }


def base_digest(image: str) -> str:
    """The engine's id of a base image, pulling it once if it is not here yet."""
    try:
        return local_id(image)
    except docker.errors.ImageNotFound:
        pass
    try:
        return client().images.pull(image).attrs["Id"]
    except docker.errors.APIError as exc:
        raise ImageError(
            f"base image {image} is not on this machine and cannot be pulled ({exc.explanation}); "
            "run infra/base-images/bootstrap.sh and point RUNPAD_NODE_IMAGE / RUNPAD_PYTHON_IMAGE at its images"
        ) from None


def runner_digest(runtime: str) -> str:
    """What the runner layer is made of: its Dockerfile, bootstrap and CA bundle."""
    context = _runner_context(runtime, settings.base_image(runtime))
    h = hashlib.sha256()
    for name in sorted(context):
        h.update(name.encode() + b"\0" + context[name] + b"\0")
    return h.hexdigest()


def local_base(runtime: str) -> Entry:
    """This engine's base image for runtime, as a worker publishes it to the base catalog. Asked of
    the engine each time, so a base retagged under a running worker is seen."""
    image = settings.base_image(runtime)
    return Entry(runtime, image, base_digest(image), runner_digest(runtime))


def base_for_build(runtime: str, normalised: list[str], deps_hash: str, saved_digest: str | None) -> Entry:
    """This engine's base, when building on it gives deps_hash, the hash the version was saved with
    (on the base image saved_digest, the build row's; None when no row says). Otherwise ImageError
    saying what differs: an image built on another base would carry a hash that lies about what the
    code runs on, so there is no fallback."""
    base = local_base(runtime)
    if base.deps_hash(normalised) == deps_hash:
        return base
    cannot = f"this worker ({settings.worker_name}) cannot build dependency set {deps_hash[:12]}"
    if saved_digest == base.digest:
        raise ImageError(
            f"{cannot}: its {runtime} runner layer differs from the one the set was saved with (another Runpad "
            "version, CA bundle or RUNPAD_UV_VERSION than the worker that published the base). Run the same "
            "version and settings on every worker, restart them, then save the script again"
        )
    saved_on = f"the {runtime} base image {saved_digest}" if saved_digest else f"another {runtime} base image"
    raise ImageError(
        f"{cannot}: it was saved against {saved_on}, and this worker's {base.image} is {base.digest}. Give "
        "every worker the same base image (pull it from one registry), restart the workers so they publish "
        "it, then save the script again"
    )


def dependency_image_ref(deps_hash: str) -> str:
    repo = f"{settings.registry}/{DEPS_REPO}" if settings.registry else DEPS_REPO
    return f"{repo}:{deps_hash}"


def local_id(ref: str) -> str:
    """The id of an image here: what Image.id reads, which the SDK types as optional (Docker always sends it)."""
    return client().images.get(ref).attrs["Id"]


def image_present(ref: str) -> bool:
    try:
        client().images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


def _tar(files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def _docker_build(files: dict[str, bytes], tag: str, log: Callable[[str], None]) -> str:
    """Builds a context with the legacy builder, sending each output line to log; returns the image id."""
    stream = client().api.build(
        fileobj=_tar(files),
        custom_context=True,
        tag=tag,
        rm=True,
        forcerm=True,
        decode=True,
        timeout=settings.build_timeout_seconds,
        labels={"runpad.managed": "1"},
        # the runner layer is our own fixed Dockerfile, but it fetches from the network too: same walls
        network_mode=settings.build_network,
        container_limits={"memory": settings.build_memory_mb * 2**20, "memswap": settings.build_memory_mb * 2**20},
    )
    pending = ""
    image_id = ""
    for chunk in stream:
        if "error" in chunk:
            for line in (pending + chunk["error"]).splitlines():
                log(line)
            raise ImageError(chunk["error"].strip())
        if "aux" in chunk and "ID" in chunk["aux"]:
            image_id = chunk["aux"]["ID"]
        pending += chunk.get("stream", "")
        *lines, pending = pending.split("\n")
        for line in lines:
            if line.strip():
                log(line.rstrip("\r"))
    if pending.strip():
        log(pending)
    return image_id or local_id(tag)


def ensure_runner_image(base: Entry, log: Callable[[str], None]) -> str:
    digest = hashlib.sha256((base.digest + base.runner_digest).encode()).hexdigest()
    family = runtimes.family_of(base.runtime)  # typescript runs on node's runner layer
    tag = f"runpad/runner-{family}:{digest[:24]}"
    if not image_present(tag):
        log(f"building the {family} runner layer on {base.image}")
        _docker_build(_runner_context(base.runtime, base.image), tag, log)
    return tag


def read_file(image: str, path: str) -> str:
    """A lockfile from an image (one pulled from the registry, too), read with the lockfile cap."""
    container = client().api.create_container(image, command=["true"], network_disabled=True)
    try:
        return build_step.read_bounded(container["Id"], path, settings.build_lockfile_max_bytes)
    finally:
        client().api.remove_container(container["Id"], force=True)


def _npm_install(normalised: list[str], lockfile: str | None) -> tuple[dict[str, bytes], str]:
    """The files and the command that install an npm dependency set (exactly, with a lockfile)."""
    files = {"package.json": dependencies.npm_package_json(normalised).encode()}
    install = "npm install --no-audit --no-fund --omit=dev --foreground-scripts"
    if lockfile:
        files["package-lock.json"] = lockfile.encode()
        install = "npm ci --no-audit --no-fund --omit=dev --foreground-scripts"
    if settings.npm_registry:
        files[".npmrc"] = f"registry={settings.npm_registry}\n".encode()
    if not normalised:  # npm writes no lockfile for an empty set
        install = "echo '{}' > package-lock.json"
    return files, _NODE_INSTALL.format(install=install)


def _pypi_install(normalised: list[str], lockfile: str | None) -> tuple[dict[str, bytes], str]:
    """The files and the command that install a PyPI dependency set (exactly, with a lockfile)."""
    files = {"requirements.in": dependencies.pypi_requirements(normalised).encode()}
    reqs = "requirements.in"
    if lockfile:
        files["requirements.pinned"] = lockfile.encode()
        reqs = "requirements.pinned"
    return files, _PYTHON_INSTALL.format(reqs=reqs)


INSTALL = {Ecosystem.npm: _npm_install, Ecosystem.pypi: _pypi_install}


def build_dependency_image(
    runtime: str,
    normalised: list[str],
    deps_hash: str,
    lockfile: str | None,
    log: Callable[[str], None],
    *,
    saved_digest: str,
) -> BuiltImage:
    """Builds (or, with a lockfile, rebuilds exactly) the image for one dependency set, on the base
    it was saved against (saved_digest, the build row's) or not at all (base_for_build)."""
    runner = ensure_runner_image(base_for_build(runtime, normalised, deps_hash, saved_digest), log)
    ref = dependency_image_ref(deps_hash)
    row = runtimes.row(runtime)
    files, command = INSTALL[row.ecosystem](normalised, lockfile)
    log(
        f"installing {len(normalised)} {row.ecosystem} package(s)" + (" from the recorded lockfile" if lockfile else "")
    )
    # a commit keeps the build container's labels: blank the ones that name a worker or a build, so
    # containers made from the image are never taken for this build or for this worker's leftovers
    changes = [
        "USER 10001:10001",
        "WORKDIR /opt/runpad/deps",
        f"LABEL runpad.deps_hash={deps_hash}",
        "LABEL runpad.managed=1",
        'LABEL runpad.worker="" runpad.instance="" runpad.build=""',
    ]
    try:
        image_id, locked = build_step.install_and_commit(
            runner, files, ["sh", "-c", command], ref, row.lockfile_path, changes, log
        )
    except build_step.InstallFailed as exc:
        requested = {dependencies.package_name(runtime, spec): spec for spec in normalised}
        raise ImageError(install_errors.explain(row.ecosystem, str(exc), exc.output, requested)) from None
    except build_step.BuildStepError as exc:
        raise ImageError(str(exc)) from None
    return BuiltImage(ref=ref, digest=image_id, lockfile=locked)


def push(ref: str, log: Callable[[str], None]) -> str:
    """Pushes ref to the registry; returns the registry digest."""
    repo, tag = ref.rsplit(":", 1)
    digest = ""
    for chunk in client().api.push(repo, tag=tag, stream=True, decode=True):
        if "error" in chunk:
            raise ImageError(f"push of {ref} failed: {chunk['error']}")
        digest = chunk.get("aux", {}).get("Digest", digest)
    log(f"pushed {ref} ({digest})")
    return digest


def pull(ref: str) -> bool:
    """Pulls ref from the registry; False when the registry does not have it."""
    repo, tag = ref.rsplit(":", 1)
    try:
        client().api.pull(repo, tag=tag)
        return True
    except docker.errors.APIError:
        return False


def _npm_lockfile_entries(lockfile: str) -> list[str]:
    packages = json.loads(lockfile or "{}").get("packages", {})
    return sorted(f"{k.removeprefix('node_modules/')}@{v.get('version')}" for k, v in packages.items() if k)


def _pypi_lockfile_entries(lockfile: str) -> list[str]:
    return [line for line in lockfile.splitlines() if line and not line.startswith("#")]


LOCKFILE_ENTRIES = {Ecosystem.npm: _npm_lockfile_entries, Ecosystem.pypi: _pypi_lockfile_entries}


def describe_lockfile(runtime: str, lockfile: str) -> list[str]:
    """The exact installed versions, one 'name@version' or 'name==version' per entry."""
    return LOCKFILE_ENTRIES[runtimes.ecosystem_of(runtime)](lockfile)
