"""The folder format: one directory per script, `DIR/<name>/runpad.yaml` (its settings) beside
`DIR/<name>/handler.js|ts|py` (its code, byte for byte). What `pull` writes, `push` reads back as the
same script, so a pull followed by a push changes nothing.

A key left out of runpad.yaml is not managed: push leaves that setting as the workspace has it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CONFIG = "runpad.yaml"
HANDLERS = {"node": "handler.js", "typescript": "handler.ts", "python": "handler.py"}  # runtime -> file
RUNTIME_OF_SUFFIX = {".js": "node", ".mjs": "node", ".cjs": "node", ".ts": "typescript", ".py": "python"}
# The settings runpad.yaml may hold, in the order pull writes them; besides them only `name`.
SETTINGS = (
    "runtime",
    "dependencies",
    "secrets",
    "trigger",
    "timeout_seconds",
    "memory_mb",
    "network",
    "enabled",
    "retries",
)
TRIGGER_KEYS = {  # the keys that mean something for each trigger type, as pull writes them
    "manual": ("type",),
    "http": ("type", "http_auth"),
    "schedule": ("type", "cron", "interval_seconds", "timezone", "allow_overlap"),
}
ALL_TRIGGER_KEYS = {"type", "cron", "interval_seconds", "timezone", "http_auth", "allow_overlap"}
RETRY_KEYS = ("count", "backoff_seconds")
HEADER = (
    '# A Runpad script: the settings of the handler beside it (Runpad\'s README, "The folder format").\n'
    "# Keys left out are not changed by `runpad push`.\n"
)
PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@+-]*$")


class FolderError(Exception):
    """A script directory that cannot be read as a script; str() names the file and the problem."""


@dataclass
class LocalScript:
    name: str
    directory: Path
    runtime: str
    code: str
    settings: dict[str, Any] = field(default_factory=dict)  # the keys runpad.yaml has, runtime included


# ---- writing (pull) ---------------------------------------------------------------------------


def directory_name(name: str) -> str:
    """The script's name when it is a plain file name, else a slug of it (runpad.yaml then says `name`)."""
    if PLAIN_NAME.match(name) and not name.endswith((" ", ".")) and len(name.encode()) <= 200:
        return name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:100] or "script"


def settings_of(script: dict[str, Any]) -> dict[str, Any]:
    """runpad.yaml's content for a script as the API answers it (GET /scripts)."""
    trigger = script.get("trigger") or {"type": "manual"}
    keys = TRIGGER_KEYS.get(str(trigger.get("type")), tuple(trigger))
    written: dict[str, Any] = {
        "runtime": script["runtime"],
        "dependencies": list(script.get("dependencies") or []),
        "secrets": list(script.get("secrets") or []),  # names only: a value never leaves Runpad
        "trigger": {k: trigger[k] for k in keys if trigger.get(k) is not None},
    }
    for key in ("timeout_seconds", "memory_mb", "network", "enabled"):
        if key in script:
            written[key] = script[key]
    if isinstance(script.get("retries"), dict):
        written["retries"] = {k: script["retries"][k] for k in RETRY_KEYS if k in script["retries"]}
    return written


def write(directory: Path, script: dict[str, Any]) -> Path:
    """Writes one script into `directory` (made if missing); returns the handler's path."""
    runtime = script["runtime"]
    if runtime not in HANDLERS:
        raise FolderError(f"{script['name']}: this CLI does not know the runtime {runtime!r}; upgrade it")
    directory.mkdir(parents=True, exist_ok=True)
    content = settings_of(script)
    if directory.name != script["name"]:
        content = {"name": script["name"], **content}
    text = HEADER + yaml.safe_dump(content, sort_keys=False, allow_unicode=True, default_flow_style=False)
    (directory / CONFIG).write_text(text, encoding="utf-8")
    handler = directory / HANDLERS[runtime]
    for other in HANDLERS.values():  # a runtime that changed leaves no stale handler behind
        if other != handler.name and (directory / other).exists():
            (directory / other).unlink()
    with open(handler, "w", encoding="utf-8", newline="") as out:  # the code exactly, line endings too
        out.write(script["code"])
    return handler


# ---- reading (push, tryout) -------------------------------------------------------------------


def read_all(root: Path) -> tuple[list[LocalScript], list[str]]:
    """Every script directory under `root` (one with a runpad.yaml), and the problems found."""
    if not root.is_dir():
        raise FolderError(f"{root} is not a directory")
    found: list[LocalScript] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for directory in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (directory / CONFIG).is_file():
            continue
        try:
            script = read(directory)
        except FolderError as exc:
            problems.append(str(exc))
            continue
        if script.name in seen:
            problems.append(f"{directory}: the name {script.name!r} is also used by {seen[script.name]}")
            continue
        seen[script.name] = directory
        found.append(script)
    return found, problems


def read(directory: Path) -> LocalScript:
    config = directory / CONFIG
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise FolderError(f"{config}: not valid YAML: {exc}") from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise FolderError(f"{config}: expected a mapping of settings, found {type(data).__name__}")
    unknown = sorted(set(data) - {"name", *SETTINGS}, key=str)
    if unknown:
        known = ", ".join(("name", *SETTINGS))
        raise FolderError(f"{config}: unknown key(s) {', '.join(map(str, unknown))}; known: {known}")
    name = data.pop("name", directory.name)
    if not isinstance(name, str) or not name.strip():
        raise FolderError(f"{config}: name must be text")
    handler = handler_file(directory, data.get("runtime"))
    runtime = data.setdefault("runtime", RUNTIME_OF_SUFFIX[handler.suffix])
    problem = _check(data)
    if problem:
        raise FolderError(f"{config}: {problem}")
    with open(handler, encoding="utf-8", newline="") as src:
        code = src.read()
    return LocalScript(name, directory, runtime, code, data)


def handler_file(directory: Path, runtime: Any) -> Path:
    if runtime is not None:
        if runtime not in HANDLERS:
            raise FolderError(f"{directory / CONFIG}: runtime must be one of {', '.join(HANDLERS)}")
        path = directory / HANDLERS[runtime]
        if not path.is_file():
            raise FolderError(f"{directory}: runtime {runtime} needs its code in {path.name}")
        return path
    present = [directory / f for f in HANDLERS.values() if (directory / f).is_file()]
    if len(present) != 1:
        raise FolderError(f"{directory}: expected one of {', '.join(HANDLERS.values())} (or a runtime in {CONFIG})")
    return present[0]


def _check(data: dict[str, Any]) -> str | None:
    """The shape of each key; bounds and meaning are the API's to check (it answers 422)."""
    for key in ("dependencies", "secrets"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"{key} must be a list of text"
    for key in ("timeout_seconds", "memory_mb"):
        if key in data and (not isinstance(data[key], int) or isinstance(data[key], bool)):
            return f"{key} must be a whole number"
    for key in ("network", "enabled"):
        if key in data and not isinstance(data[key], bool):
            return f"{key} must be true or false"
    trigger = data.get("trigger", {})
    if not isinstance(trigger, dict) or set(trigger) - ALL_TRIGGER_KEYS:
        return f"trigger must be a mapping with some of {', '.join(sorted(ALL_TRIGGER_KEYS))}"
    if "type" in trigger and trigger["type"] not in TRIGGER_KEYS:
        return f"trigger.type must be one of {', '.join(TRIGGER_KEYS)}"
    retries = data.get("retries", {})
    if not isinstance(retries, dict) or set(retries) - set(RETRY_KEYS):
        return "retries must be a mapping with count and backoff_seconds"
    return None


def tryout_input(path: Path) -> dict[str, Any]:
    """What to try out for a handler file: its code, with the runtime, dependencies and secrets of its
    script directory's runpad.yaml when it has one, else the runtime its suffix names."""
    if not path.is_file():
        raise FolderError(f"{path}: no such file")
    with open(path, encoding="utf-8", newline="") as src:
        code = src.read()
    if (path.parent / CONFIG).is_file():
        script = read(path.parent)
        settings = script.settings
        return {
            "runtime": script.runtime,
            "code": code,
            "dependencies": settings.get("dependencies", []),
            "secrets": settings.get("secrets", []),
        }
    runtime = RUNTIME_OF_SUFFIX.get(path.suffix)
    if runtime is None:
        raise FolderError(f"{path}: cannot tell the runtime from {path.suffix or 'no suffix'}; use --runtime")
    return {"runtime": runtime, "code": code, "dependencies": [], "secrets": []}
