"""Keeping a page's unfinished run rows fresh while it is open: shared by a script's run history and
the workspace's Runs page. The page state holds `rows` (RunListRow) and a `_generation` that any load,
leave or new refresh bumps, so one loop at most runs per tab."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from app.views import run_views
from state.auth import access_of

REFRESH_SECONDS = 2.0
REFRESH_LIMIT_SECONDS = 30 * 60  # a forgotten tab stops asking after this long


async def keep_fresh(state: Any, generation: int) -> None:
    """The body of a background event: every few seconds, the unfinished rows as they are now, until
    none is left, the page moves on (another generation) or the time limit passes."""
    stop_at = time.monotonic() + REFRESH_LIMIT_SECONDS
    while time.monotonic() < stop_at:
        async with state:
            if state._generation != generation:
                return
            open_ids = [uuid.UUID(r.id) for r in state.rows if not r.final]
            where = await access_of(state)
        if not open_ids:
            return
        await asyncio.sleep(REFRESH_SECONDS)
        try:
            fresh = await asyncio.to_thread(run_views.runs_by_id, where, open_ids)
        except Exception:  # noqa: BLE001 - a blip: try again next time
            continue
        async with state:
            if state._generation != generation:
                return
            state.rows = [run_views.list_row(fresh[r.id], script=r.script) if r.id in fresh else r for r in state.rows]
