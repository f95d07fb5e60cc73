"""A workspace's error handler (contract §4 "Failures reach someone"): a script of the workspace that
Runpad runs, with `event.trigger = "error"`, when another of its runs fails or a trigger cannot
start one. Its admins choose it; its own failures never call it again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete

from app.core.db import session
from app.models import ErrorHandler, Role, Script, Trigger
from app.services import audit, deploys, runs, scripts
from app.services.access import Access

Send = Callable[[uuid.UUID, str], None]


def current(access: Access) -> Script | None:
    """The workspace's error-handler script, if it names one (any member may read it)."""
    with session() as s:
        chosen = s.get(ErrorHandler, access.workspace_id)
        return s.get(Script, chosen.script_id) if chosen else None


def choose(access: Access, script_id: uuid.UUID | None) -> Script | None:
    """Names the workspace's error handler (None: none). Admins only; a script of another workspace
    is not found, as everywhere."""
    script = scripts.get(access, script_id) if script_id is not None else None
    access.require(Role.admin)
    with session() as s:
        s.execute(delete(ErrorHandler).where(ErrorHandler.workspace_id == access.workspace_id))
        if script is not None:
            s.add(ErrorHandler(workspace_id=access.workspace_id, script_id=script.id))
        target = script.name if script else None
        audit.record(s, access.actor, "settings.change", "error_handler", access.workspace_id, {"script": target})
        s.commit()
    return script


def payload(script: Script, run_id: uuid.UUID | None, status: str, error: str | None, trigger: str) -> dict[str, Any]:
    """The handler's event body, as contract §4 lists it."""
    return {
        "script_id": str(script.id),
        "script_name": script.name,
        "run_id": str(run_id) if run_id else None,
        "status": status,
        "error": error,
        "trigger": trigger,
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def report(failed: Script, body: dict[str, Any], send: Send) -> uuid.UUID | None:
    """Starts the failed script's workspace's handler with `body` (committed, then sent); None when
    the workspace has none, or when the failed script is the handler itself."""
    with session() as s:
        chosen = s.get(ErrorHandler, failed.workspace_id)
        if chosen is None or chosen.script_id == failed.id:
            return None
        handler = s.get_one(Script, chosen.script_id)
        version = deploys.live_version(s, handler) or scripts.current_version(s, handler)
        run = runs.create(s, version, Trigger.error, script=handler, event={"trigger": "error", "body": body})
        s.commit()
    send(run.id, Trigger.error)
    return run.id
