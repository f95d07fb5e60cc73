"""What the Audit page shows of an event, as plain text: the time in UTC, who (or Runpad), the action,
what it was done to, and its details in one short line."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from app.models import AuditEvent

MAX_DETAILS = 160  # a settings change's value can be a whole form: the row shows its start


@dataclass
class AuditRow:
    id: int
    at: str  # 2026-05-01 12:00:00, in UTC (the column says so)
    actor: str
    action: str
    target: str
    target_id: str  # a script's or token's id when `target` shows its name instead, else ""
    details: str


def audit_row(event: AuditEvent) -> AuditRow:
    details = dict(event.details or {})
    target, target_id = event.target or "", ""
    # a script or token is recorded by id and named in details: the name is what a person recognises
    if _is_uuid(target) and isinstance(details.get("name"), str):
        target, target_id = details.pop("name"), target
    return AuditRow(
        id=event.id or 0,
        at=event.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if event.at else "",
        actor=event.actor_email or "Runpad",  # no email: Runpad itself (a user's stays after they go)
        action=event.action,
        target=target,
        target_id=target_id,
        details=details_line(details),
    )


def details_line(details: dict[str, Any]) -> str:
    """`role: admin · fields: code, name`, cut at MAX_DETAILS characters."""
    line = " · ".join(f"{key}: {_value(value)}" for key, value in details.items())
    return line if len(line) <= MAX_DETAILS else line[: MAX_DETAILS - 1] + "…"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
