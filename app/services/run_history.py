"""A workspace's runs, filtered and paged: one query for the REST API (`GET /runs`), the Runs page and a
script's run history. Pages are cut by opaque cursors naming the (queued_at, id) of a page's edge run, so
pages never overlap or skip however many runs arrive meanwhile."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select, tuple_

from app.core import errors
from app.core.db import session
from app.models import Run, RunStatus, Trigger
from app.services import scripts
from app.services.access import Access

MAX_PAGE = 200
Direction = Literal["older", "newer"]


class FilterError(errors.InvalidInput):
    """A filter value that is not one of its kind (the message names the filter)."""


class CursorError(errors.InvalidInput):
    """A cursor this service did not give out, or an anchor run that is not the workspace's."""


@dataclass(frozen=True)
class RunFilter:
    """Which runs a listing shows; None is any. Times are aware (UTC)."""

    script_id: uuid.UUID | None = None
    status: RunStatus | None = None
    trigger: Trigger | None = None
    since: datetime | None = None  # queued at or after
    until: datetime | None = None  # queued before

    @classmethod
    def parse(
        cls, script_id: Any = None, status: Any = None, trigger: Any = None, since: Any = None, until: Any = None
    ) -> RunFilter:
        """From typed values or text (a query string, a page's selects: blank is any); a value that is not
        one of its kind raises FilterError naming it. A time without a zone is UTC."""
        found = cls(
            script_id=_parsed("script_id", script_id, lambda v: v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))),
            status=_parsed("status", status, RunStatus, ", ".join(RunStatus)),
            trigger=_parsed("trigger", trigger, Trigger, ", ".join(Trigger)),
            since=_parsed("since", since, _utc, "an ISO 8601 time such as 2026-12-01T08:00:00Z"),
            until=_parsed("until", until, _utc, "an ISO 8601 time such as 2026-12-01T08:00:00Z"),
        )
        if found.since and found.until and found.since >= found.until:
            raise FilterError("since must be before until")
        return found


def _parsed(name: str, value: Any, kind, expected: str = "an id"):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return kind(value.strip() if isinstance(value, str) else value)
    except (ValueError, TypeError, AttributeError, OverflowError):
        shown = str(value)[:60]
        raise FilterError(f"{name}={shown!r} is not valid: expected {expected}") from None


def _utc(value: datetime | str) -> datetime:
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class Page:
    runs: list[Run]  # newest first
    older: str | None  # the cursor of the next page back in time, None when there is none
    newer: str | None  # the cursor of the page before this one, None on the newest page


def cursor(direction: Direction, run: Run) -> str:
    """An opaque cursor: the runs older (or newer) than `run`."""
    raw = json.dumps({"d": direction, "t": run.queued_at.isoformat(), "id": str(run.id)})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decoded(text: str) -> tuple[Direction, tuple[datetime, uuid.UUID]]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        direction = raw["d"]
        if direction not in ("older", "newer"):
            raise ValueError(direction)
        return direction, (_utc(raw["t"]), uuid.UUID(raw["id"]))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, binascii.Error):
        raise CursorError("cursor is not one this listing gave out: start again without it") from None


def cursor_before(access: Access, run_id: uuid.UUID) -> str:
    """The cursor of the runs older than one of the workspace's runs (the `before=<id>` of old clients)."""
    with session() as s:
        anchor = s.get(Run, run_id)
    if anchor is None or anchor.workspace_id != access.workspace_id:
        raise CursorError(f"before={run_id} is not one of your runs: pass the id of the last run of a page")
    return cursor("older", anchor)


def page(access: Access, what: RunFilter, after: str | None = None, limit: int = 50) -> Page:
    """One page of the workspace's runs matching `what`, newest first; `after` is a cursor of an earlier
    page (none: the newest runs). A script of another workspace answers NotFound, as it would alone."""
    limit = max(1, min(limit, MAX_PAGE))
    if what.script_id is not None:
        scripts.get(access, what.script_id)
    direction: Direction = "older"
    anchor: tuple[datetime, uuid.UUID] | None = None
    if after:
        direction, anchor = _decoded(after)
    matching = _matching(access, what)
    with session() as s:
        q = matching if anchor is None else matching.where(_beyond(direction, *anchor))
        order = (Run.queued_at.desc(), Run.id.desc()) if direction == "older" else (Run.queued_at, Run.id)
        found = list(s.scalars(q.order_by(*order).limit(limit + 1)))
        more, found = len(found) > limit, found[:limit]
        if direction == "newer":
            found.reverse()
        if not found:
            return Page([], None, None)
        # the side the cursor came from has runs if it came from somewhere and they are still there
        edge = found[0] if direction == "older" else found[-1]
        back = anchor is not None and bool(
            s.scalar(select(matching.where(_beyond(_opposite(direction), edge.queued_at, edge.id)).exists()))
        )
    older, newer = (more, back) if direction == "older" else (back, more)
    return Page(found, cursor("older", found[-1]) if older else None, cursor("newer", found[0]) if newer else None)


def _beyond(direction: Direction, queued_at: datetime, run_id: uuid.UUID):
    edge, key = tuple_(Run.queued_at, Run.id), tuple_(queued_at, run_id)
    return edge < key if direction == "older" else edge > key


def _opposite(direction: Direction) -> Direction:
    return "newer" if direction == "older" else "older"


def _matching(access: Access, what: RunFilter):
    q = select(Run).where(Run.workspace_id == access.workspace_id)
    for column, value in ((Run.script_id, what.script_id), (Run.status, what.status), (Run.trigger, what.trigger)):
        if value is not None:
            q = q.where(column == value)
    if what.since is not None:
        q = q.where(Run.queued_at >= what.since)
    if what.until is not None:
        q = q.where(Run.queued_at < what.until)
    return q
