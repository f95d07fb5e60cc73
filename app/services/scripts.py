"""Saved scripts: creating one or changing its code makes a new immutable version and, when its
dependency set has no image yet, a build. Triggers, hook tokens and limits live here too."""

from __future__ import annotations

import secrets as pysecrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete as sql_delete, select

from app.core import crypto, errors
from app.core.db import session
from app.models import Build, LogLine, Role, Run, Runtime, Script, ScriptVersion, Trigger, utcnow
from app.services import (
    audit,
    base_catalog,
    builds,
    defaults,
    deploys,
    detected,
    limits,
    queue,
    quotas,
    versions,
    webhook_signatures,
)
from app.services.access import Access

TRIGGERS = (Trigger.manual, Trigger.http, Trigger.schedule)
RETRY_RANGE = (0, 5)
BACKOFF_RANGE = (1, 86_400)
HTTP_AUTH = ("none", "bearer", "hmac")
CODE_FIELDS = ("code", "dependencies", "secrets")


class ScriptError(errors.InvalidInput):
    """Bad script input; nothing was written."""


class NotFound(errors.NotFound):
    """No such script in the caller's workspace."""


@dataclass
class Saved:
    script: Script
    version: ScriptVersion
    build: Build
    build_queued: bool  # the build was new or had failed: it has been sent to the workers
    hook_secret: str | None = None  # set once, when a bearer/HMAC secret was just generated
    extra: dict[str, Any] = field(default_factory=dict)


def new_hook_token() -> str:
    return pysecrets.token_urlsafe(32)  # 43 URL-safe characters


def new_hook_secret(http_auth: str) -> str:
    """A bearer secret, or a Standard Webhooks `whsec_` secret for signed (hmac) hooks."""
    return webhook_signatures.new_secret() if http_auth == "hmac" else pysecrets.token_urlsafe(32)


def hook_secret_of(script: Script) -> str | None:
    return crypto.decrypt(script.hook_secret) if script.hook_secret else None


def _secret_fits(script: Script, http_auth: str) -> bool:
    """Bearer and hmac secrets have different forms, so switching between them makes a new one."""
    secret = hook_secret_of(script)
    return bool(secret and secret.startswith(webhook_signatures.PREFIX) == (http_auth == "hmac"))


def _check_limits(timeout_seconds: int, memory_mb: int) -> None:
    for label, value, bounds in (
        ("timeout_seconds", timeout_seconds, limits.TIMEOUT_RANGE),
        ("memory_mb", memory_mb, limits.MEMORY_RANGE),
    ):
        if message := limits.problem(label, value, bounds):
            raise ScriptError(message)


def _apply_retries(script: Script, retries: dict) -> None:
    """retries: {count: 0..5, backoff_seconds: 1..86400} (contract §4); missing keys keep their value."""
    if not isinstance(retries, dict) or set(retries) - {"count", "backoff_seconds"}:
        raise ScriptError("retries must be an object with count and backoff_seconds")
    count = retries.get("count", script.retry_count)
    backoff = retries.get("backoff_seconds", script.retry_backoff_seconds)
    for label, value, bounds in (
        ("retries.count", count, RETRY_RANGE),
        ("retries.backoff_seconds", backoff, BACKOFF_RANGE),
    ):
        if message := limits.problem(label, value, bounds):
            raise ScriptError(message)
    script.retry_count, script.retry_backoff_seconds = count, backoff


def _apply_trigger(script: Script, trigger: dict) -> str | None:
    """Sets the trigger fields; returns a newly generated hook secret, if any."""
    kind = trigger.get("type", script.trigger_type)
    if kind == script.trigger_type and not {"cron", "interval_seconds"} & trigger.keys():
        # a partial change (timezone, auth) keeps the current schedule
        trigger = {"cron": script.cron, "interval_seconds": script.interval_seconds, **trigger}
    if kind not in TRIGGERS:
        raise ScriptError(f"trigger.type must be one of {', '.join(TRIGGERS)}")
    auth = trigger.get("http_auth", script.http_auth) or "none"
    if auth not in HTTP_AUTH:
        raise ScriptError(f"trigger.http_auth must be one of {', '.join(HTTP_AUTH)}")
    script.trigger_type, script.http_auth = kind, auth
    script.cron, script.interval_seconds = trigger.get("cron"), trigger.get("interval_seconds")
    script.timezone = trigger.get("timezone") or script.timezone or "UTC"
    if "allow_overlap" in trigger:
        script.allow_overlap = bool(trigger["allow_overlap"])
    script.next_run_at = None
    if kind == "schedule":
        from app.services import schedules

        try:
            schedules.validate(script.cron, script.interval_seconds, script.timezone)
        except schedules.ScheduleError as exc:
            raise ScriptError(str(exc)) from None
        script.next_run_at = schedules.next_run(script.cron, script.interval_seconds, script.timezone, utcnow())
    if kind == "http" and not script.hook_token:
        script.hook_token = new_hook_token()
    if kind == "http" and auth != "none" and not _secret_fits(script, auth):
        secret = new_hook_secret(auth)
        script.hook_secret = crypto.encrypt(secret)
        return secret
    return None


def create(
    access: Access,
    name: str,
    runtime: str,
    code: str,
    dependencies: list[str] | None = None,
    secrets: list[str] | None = None,
    *,
    trigger: dict | None = None,
    timeout_seconds: int | None = None,
    memory_mb: int | None = None,
    network: bool = True,
    enabled: bool = True,
    retries: dict | None = None,
    draft: bool = False,
) -> Saved:
    """A new script and its version 1, live once its image is built; a draft never goes live by itself."""
    access.require(Role.developer)
    chosen = defaults.limits()
    timeout_seconds = chosen.timeout_seconds if timeout_seconds is None else timeout_seconds
    memory_mb = chosen.memory_mb if memory_mb is None else memory_mb
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ScriptError("name must be 1 to 200 characters")
    _check_limits(timeout_seconds, memory_mb)
    base = _base_for(runtime)
    if not draft:
        deploys.check_parses(runtime, code)
    imported = detected.resolve(runtime, code, dependencies or [])  # registry lookups: before the transaction
    with session() as s:
        script = Script(
            name=name.strip(),
            runtime=Runtime(runtime),
            timeout_seconds=timeout_seconds,
            memory_mb=memory_mb,
            network=bool(network),
            enabled=bool(enabled),
            workspace_id=access.workspace_id,
            owner_id=access.user_id,
        )
        secret = _apply_trigger(script, trigger or {"type": "manual"})
        _apply_retries(script, retries or {})
        quotas.check_new_script(s, access.workspace_id)
        quotas.check_schedule(s, script)
        s.add(script)
        s.flush()
        try:
            version = versions.new_version(
                s, base, code, dependencies or [], secrets or [], script.id, 1, imported, draft=draft
            )
        except versions.VersionError as exc:
            raise ScriptError(str(exc)) from None
        build, queued = builds.ensure_build(s, version, base)
        deploys.after_save(s, script, version, build)
        audit.record(s, access.actor, "script.create", str(script.id), access.workspace_id, {"name": script.name})
        s.commit()
    return _built(Saved(script, version, build, queued, secret))


def get(access: Access, script_id: uuid.UUID) -> Script:
    """The script, if it is of the caller's workspace (any role may read it)."""
    with session() as s:
        script = s.get(Script, script_id)
    if script is None or script.workspace_id != access.workspace_id:
        raise NotFound(f"no script {script_id}")
    return script


def update(access: Access, script_id: uuid.UUID, changes: dict[str, Any], pins: list[str] | None = None) -> Saved:
    """Changes any field; code, dependency or secret changes make a new version, which goes live once
    its image is built unless `draft` is true. Code that does not parse is kept only as a draft. Its
    detected imports keep the pins of `pins` (a restored version's) or else of the current version."""
    runtime = get(access, script_id).runtime  # a script's runtime never changes
    access.require(Role.developer)
    changes = dict(changes)
    draft = changes.pop("draft", False)
    if not isinstance(draft, bool):
        raise ScriptError("draft must be true or false")
    base = _base_for(runtime) if changes.keys() & set(CODE_FIELDS) else None
    if "code" in changes and not draft:  # before the registry lookups of detection
        deploys.check_parses(runtime, changes["code"])
    imported = _detect_for_update(access, script_id, runtime, changes, pins) if base else None
    with session() as s:
        script = s.execute(select(Script).where(Script.id == script_id).with_for_update()).scalar_one()
        secret = _update_fields(script, changes)
        if "trigger" in changes:
            quotas.check_schedule(s, script)
        current = current_version(s, script)
        version = current
        if any(k in changes and changes[k] != getattr(current, k) for k in CODE_FIELDS):
            assert base is not None  # read above whenever a code field is among the changes
            if not draft and "code" not in changes:  # a draft's code, saved again with other packages
                deploys.check_parses(runtime, current.code)
            try:
                version = versions.new_version(
                    s,
                    base,
                    changes.get("code", current.code),
                    changes.get("dependencies", current.dependencies),
                    changes.get("secrets", current.secrets),
                    script.id,
                    script.current_version + 1,
                    imported,
                    draft=draft,
                )
            except versions.VersionError as exc:
                raise ScriptError(str(exc)) from None
            script.current_version = version.number
        script.updated_at = utcnow()
        s.add(script)
        build, queued = builds.ensure_build(s, version, base if version is not current else None)
        if version is not current:
            deploys.after_save(s, script, version, build)
        audit.record(
            s,
            access.actor,
            "script.update",
            str(script.id),
            access.workspace_id,
            {"name": script.name, "fields": sorted(changes), "version": script.current_version},
        )
        s.commit()
    return _built(Saved(script, version, build, queued, secret))


def _built(saved: Saved) -> Saved:
    """Queues the saved version's build when it is new or failed before (the rows are committed)."""
    if saved.build_queued:
        queue.send_build(saved.build.id)
    return saved


def _detect_for_update(
    access: Access, script_id: uuid.UUID, runtime: str, changes: dict[str, Any], pins: list[str] | None
) -> list[str]:
    """The pinned imports of the code and dependencies an update saves, looked up before its transaction."""
    with session() as s:
        current = current_version(s, get(access, script_id))
    code, declared = changes.get("code", current.code), changes.get("dependencies", current.dependencies)
    return detected.resolve(runtime, code, declared, [*(pins or []), *current.detected_dependencies])


def _base_for(runtime: str) -> base_catalog.Entry:
    """The catalog's base for a new version, read before the saving transaction opens."""
    try:
        return versions.base_for(runtime)
    except versions.VersionError as exc:
        raise ScriptError(str(exc)) from None


def _update_fields(script: Script, changes: dict[str, Any]) -> str | None:
    unknown = set(changes) - {
        "name",
        "trigger",
        "timeout_seconds",
        "memory_mb",
        "network",
        "enabled",
        "retries",
        *CODE_FIELDS,
    }
    if unknown:
        raise ScriptError(f"unknown field(s): {', '.join(sorted(unknown))}")
    if "name" in changes:
        if not isinstance(changes["name"], str) or not changes["name"].strip() or len(changes["name"]) > 200:
            raise ScriptError("name must be 1 to 200 characters")
        script.name = changes["name"].strip()
    _check_limits(changes.get("timeout_seconds", script.timeout_seconds), changes.get("memory_mb", script.memory_mb))
    script.timeout_seconds = changes.get("timeout_seconds", script.timeout_seconds)
    script.memory_mb = changes.get("memory_mb", script.memory_mb)
    script.network = bool(changes.get("network", script.network))
    script.enabled = bool(changes.get("enabled", script.enabled))
    if "retries" in changes:
        _apply_retries(script, changes["retries"])
    secret = None
    if "trigger" in changes:
        if not isinstance(changes["trigger"], dict):
            raise ScriptError("trigger must be an object")
        secret = _apply_trigger(script, changes["trigger"])
    elif "enabled" in changes and script.trigger_type == "schedule" and script.enabled:
        secret = _apply_trigger(
            script, {"type": "schedule", "cron": script.cron, "interval_seconds": script.interval_seconds}
        )
    return secret


def delete(access: Access, script_id: uuid.UUID) -> None:
    get(access, script_id)
    access.require(Role.developer)
    with session() as s:
        audit.record(
            s,
            access.actor,
            "script.delete",
            str(script_id),
            access.workspace_id,
            {"name": s.scalar(select(Script.name).where(Script.id == script_id))},
        )
        # log_lines has no foreign key (it also holds build logs): remove the runs' lines by hand
        run_ids = select(Run.id).where(Run.script_id == script_id)
        s.execute(sql_delete(LogLine).where(LogLine.source == "run", LogLine.source_id.in_(run_ids)))
        s.execute(sql_delete(Script).where(Script.id == script_id))
        s.commit()


def rotate_hook_token(access: Access, script_id: uuid.UUID) -> tuple[Script, str | None]:
    """A new hook URL (the old one answers 404 at once) and, with bearer/HMAC auth, a new secret."""
    get(access, script_id)
    access.require(Role.developer)
    with session() as s:
        script = s.execute(select(Script).where(Script.id == script_id).with_for_update()).scalar_one()
        if script.trigger_type != "http":
            raise ScriptError("only a script with an http trigger has a hook URL")
        script.hook_token, secret = new_hook_token(), None
        if script.http_auth != "none":
            secret = new_hook_secret(script.http_auth)
            script.hook_secret = crypto.encrypt(secret)
        s.add(script)
        audit.record(s, access.actor, "script.rotate_hook", str(script.id), access.workspace_id, {"name": script.name})
        s.commit()
        return script, secret


def list_versions(access: Access, script_id: uuid.UUID) -> list[ScriptVersion]:
    get(access, script_id)
    with session() as s:
        return list(
            s.scalars(
                select(ScriptVersion).where(ScriptVersion.script_id == script_id).order_by(ScriptVersion.number.desc())
            )
        )


def restore(access: Access, script_id: uuid.UUID, number: int) -> Saved:
    """Rollback: a new version with the code, dependencies and secrets of version `number`."""
    old = next((v for v in list_versions(access, script_id) if v.number == number), None)
    if old is None:
        raise NotFound(f"script {script_id} has no version {number}")
    saved = update(
        access,
        script_id,
        {"code": old.code, "dependencies": old.dependencies, "secrets": old.secrets},
        pins=old.detected_dependencies,
    )
    audit.record(
        None,
        access.actor,
        "script.restore",
        str(script_id),
        access.workspace_id,
        {"from_version": number, "version": saved.version.number},
    )
    return saved


def deploy(access: Access, script_id: uuid.UUID, number: int) -> Script:
    """Rollback without a new version (or a draft put live): version `number` becomes the one hooks
    and schedules run, if it parses and its image is ready."""
    get(access, script_id)
    access.require(Role.developer)
    return deploys.make_live(access.actor, script_id, number)


def new_code(
    access: Access,
    script_id: uuid.UUID,
    code: str | None = None,
    dependencies: list[str] | None = None,
    secrets: list[str] | None = None,
) -> Saved:
    changes = {k: v for k, v in (("code", code), ("dependencies", dependencies), ("secrets", secrets)) if v is not None}
    return update(access, script_id, changes)


def current_version(s, script: Script) -> ScriptVersion:
    return s.scalars(
        select(ScriptVersion).where(
            ScriptVersion.script_id == script.id, ScriptVersion.number == script.current_version
        )
    ).one()


def by_hook_token(token: str) -> Script | None:
    with session() as s:
        return s.scalars(select(Script).where(Script.hook_token == token)).one_or_none()
