"""What the versions page shows and does: a script's versions as rows, two versions side by side
with their dependency changes, and a restore that queues the build it may need."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.models import ScriptVersion
from app.services import scripts
from app.services.access import Access
from app.views import run_views


@dataclass
class VersionRow:
    number: int
    created: str
    created_exact: str
    dependencies: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    current: bool = False
    live: bool = False  # the version hooks and schedules run
    draft: bool = False


@dataclass
class History:
    """A script's versions, newest first, with each version's code by number (kept off the page)."""

    name: str
    runtime: str
    current: int
    rows: list[VersionRow]
    code: dict[int, str]
    live: int = 0  # 0 while no version is live


def history(access: Access, script_id: uuid.UUID) -> History:
    script = scripts.get(access, script_id)
    found: list[ScriptVersion] = scripts.list_versions(access, script_id)
    rows = [
        VersionRow(
            v.number,
            run_views.relative_time(v.created_at),
            run_views.exact_time(v.created_at),
            list(v.dependencies),
            list(v.secrets),
            v.number == script.current_version,
            v.number == script.deployed_version,
            v.draft,
        )
        for v in found
    ]
    code = {v.number: v.code for v in found}
    return History(script.name, script.runtime, script.current_version, rows, code, script.deployed_version or 0)


def changes_between(runtime: str, rows: list[VersionRow], old: int, new: int) -> list[dict[str, str]]:
    """The dependency changes from version old to version new (none when either is unknown)."""
    by_number = {r.number: r for r in rows}
    if old not in by_number or new not in by_number:
        return []
    return run_views.dependency_changes(runtime, by_number[old].dependencies, by_number[new].dependencies)


def restore(access: Access, script_id: uuid.UUID, number: int) -> scripts.Saved:
    """A new current version with version `number`'s code, dependencies and secrets (see scripts.restore)."""
    return scripts.restore(access, script_id, number)


def deploy(access: Access, script_id: uuid.UUID, number: int) -> None:
    """Puts version `number` live (a rollback): deploys.NotReady or DoesNotParse say why it cannot be."""
    scripts.deploy(access, script_id, number)
