"""What `push` would do to make the workspace match a folder: one Step per script, computed from the
folder and GET /scripts alone, so `--dry-run` can show it without changing anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runpad_cli.folder import LocalScript

CREATE, NEW_VERSION, UPDATE, UNCHANGED, DELETE, UNTRACKED, INVALID = (
    "create",
    "new version",
    "update",
    "unchanged",
    "delete",
    "not in folder",
    "invalid",
)
CODE_FIELDS = ("code", "dependencies", "secrets")  # a change of any of these makes a new version
SCALARS = ("timeout_seconds", "memory_mb", "network", "enabled")


@dataclass
class Step:
    action: str
    name: str
    detail: str = ""
    local: LocalScript | None = None
    remote: dict[str, Any] | None = None
    body: dict[str, Any] = field(default_factory=dict)  # what to send: POST for create, PATCH for a change

    @property
    def changes_something(self) -> bool:
        return self.action in (CREATE, NEW_VERSION, UPDATE, DELETE)


def make(local: list[LocalScript], remote: list[dict[str, Any]], prune: bool) -> list[Step]:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for found in remote:
        by_name.setdefault(found["name"], []).append(found)
    steps = []
    for script in local:
        matches = by_name.get(script.name, [])
        if len(matches) > 1:
            steps.append(Step(INVALID, script.name, f"{len(matches)} scripts in the workspace have this name"))
        elif not matches:
            steps.append(Step(CREATE, script.name, script.runtime, script, None, creation(script)))
        else:
            steps.append(compare(script, matches[0]))
    names = {s.name for s in local}
    for found in remote:
        if found["name"] not in names:
            action = DELETE if prune else UNTRACKED
            steps.append(Step(action, found["name"], "" if prune else "kept (--prune deletes it)", None, found))
    return steps


def creation(script: LocalScript) -> dict[str, Any]:
    return {"name": script.name, "code": script.code, **script.settings}


def compare(script: LocalScript, remote: dict[str, Any]) -> Step:
    if script.runtime != remote["runtime"]:
        detail = f"its runtime is {remote['runtime']}, the folder says {script.runtime}: a runtime cannot change"
        return Step(INVALID, script.name, detail, script, remote)
    body = changes(script, remote)
    if not body:
        broken = f"; {problem}" if (problem := deploy_problem(remote)) else ""
        draft = "; a draft, not live" if remote.get("draft") else ""
        return Step(UNCHANGED, script.name, f"version {remote.get('version')}{draft}{broken}", script, remote)
    action = NEW_VERSION if body.keys() & set(CODE_FIELDS) else UPDATE
    return Step(action, script.name, ", ".join(body), script, remote, body)


def changes(script: LocalScript, remote: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body that brings `remote` to what the folder says: only the keys the folder has and
    that differ. A trigger or retries that differs is sent whole, as the folder has it."""
    wanted = script.settings
    body: dict[str, Any] = {}
    if script.code != remote.get("code"):
        body["code"] = script.code
    for key in ("dependencies", "secrets", *SCALARS):
        if key in wanted and wanted[key] != remote.get(key):
            body[key] = wanted[key]
    for key in ("trigger", "retries"):
        if key in wanted and _differs(wanted[key], remote.get(key) or {}):
            body[key] = wanted[key]
    return body


def deploy_problem(script: dict[str, Any]) -> str | None:
    """Why the script's current version is not running, as far as the API says (a failed build, or the
    deploy error of servers that report one)."""
    build = script.get("build") or {}
    if build.get("status") == "failed":
        return f"its build failed: {build.get('error') or 'no reason given'}"
    if script.get("deploy_error"):
        return f"not deployed: {script['deploy_error']}"
    return None


def _differs(wanted: dict[str, Any], current: dict[str, Any]) -> bool:
    return any(current.get(k) != v for k, v in wanted.items())
