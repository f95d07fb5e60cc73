"""Downloads for the browser, authenticated by the web session cookie rather than an API token:
a run's log as a text file."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Cookie
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from app.core import errors
from app.services import access, logs, runs, sessions
from app.views import listings

router = APIRouter(prefix="/ui", tags=["ui"], include_in_schema=False)


def _text(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


@router.get("/runs/{run_id}/log.txt")
async def run_log_text(run_id: str, runpad_session: str = Cookie(default="")) -> PlainTextResponse:
    user = await run_in_threadpool(sessions.user_for, runpad_session)
    if user is None:
        return _text(401, "Log in to Runpad to download this log.")
    try:
        found = await run_in_threadpool(runs.get, uuid.UUID(run_id))
        if found is None:
            raise errors.NotFound("no such run")
        where = await run_in_threadpool(access.of_workspace, access.actor_of(user), found.workspace_id)
        run = await run_in_threadpool(listings.run_of, where, found.id)
    except (ValueError, errors.NotFound):
        return _text(404, "No such run (or it is not yours).")
    lines = await run_in_threadpool(logs.read, "run", run.id)
    return PlainTextResponse(
        logs.as_text(lines),
        headers={"content-disposition": f'attachment; filename="run-{run.id}.log"', "cache-control": "no-store"},
    )
