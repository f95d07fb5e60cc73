"""Starting points for a new script: small scripts that run as they are, each a folder of app/examples
holding its code and a manifest.json (what the New script dialog shows, and what the editor fills in:
name, runtime, packages, secrets, trigger, and an event to try it with)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core import runtimes

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class Example:
    name: str  # its folder: what /scripts/new?example= names
    title: str
    description: str
    script_name: str
    runtime: str
    code: str
    dependencies: tuple[str, ...]
    secrets: tuple[str, ...]  # names the script reads; the workspace has to have them
    trigger: dict[str, Any]  # as scripts.create takes it
    event: Any  # a body to try it out with


def _read(folder: Path) -> tuple[int, Example]:
    manifest = json.loads((folder / "manifest.json").read_text())
    example = Example(
        name=folder.name,
        title=manifest["title"],
        description=manifest["description"],
        script_name=manifest["script_name"],
        runtime=runtimes.row(manifest["runtime"]).name.value,
        code=(folder / manifest["code"]).read_text(),
        dependencies=tuple(manifest["dependencies"]),
        secrets=tuple(manifest["secrets"]),
        trigger=dict(manifest["trigger"]),
        event=manifest["event"],
    )
    return manifest["order"], example


@functools.cache
def catalog() -> tuple[Example, ...]:
    """Every example, in the order the dialog offers them (read once: they ship with the code)."""
    found = [_read(folder) for folder in EXAMPLES_DIR.iterdir() if (folder / "manifest.json").is_file()]
    return tuple(example for _, example in sorted(found, key=lambda pair: pair[0]))


def find(name: str) -> Example | None:
    """The example of that name; None for any other name (a new script then starts blank)."""
    return next((example for example in catalog() if example.name == name), None)
