"""Runs: start one by hand or again, list the workspace's runs, read one, read or follow its log, cancel it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.api.v1.deps import CurrentAccess
from app.api.v1.errors import documented
from app.api.v1.schemas import IsoTime, LogLineOut, RunCreate, RunOut, RunStatus, RunTrigger
from app.core import errors
from app.models import FINAL_RUN_STATUSES, Run
from app.services import follow, launch, logs, run_history, runs
from app.views import listings

router = APIRouter(tags=["runs"])
WAIT_MARGIN_SECONDS = 60  # queueing, container start and a dependency build on top of the run's timeout
Wait = Annotated[bool, Query(description="1: answer when the run has ended (or the wait gave up: then 202)")]
START_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: {"description": "the run has ended (with wait=1)"},
    202: {"model": RunOut, "description": "the run is queued or still running"},
    **documented(401, 404, 413, 422, 503),
}
RERUN_RESPONSES = {**START_RESPONSES, **documented(409)}


async def answer_with_run(run: Run, wait: bool, response: Response) -> RunOut:
    """A just-queued run, or with wait=1 the run once it has ended: 201 if it has, 202 if not yet."""
    if wait:
        ended = await follow.wait_for_end(run.id, run.timeout_seconds + WAIT_MARGIN_SECONDS)
        if ended is None:  # its script was deleted meanwhile
            raise errors.NotFound(f"the run {run.id} was deleted with its script")
        run = ended
    response.status_code = 201 if run.status in FINAL_RUN_STATUSES else 202
    response.headers["Location"] = f"/api/v1/runs/{run.id}"
    return RunOut.of(run)


@router.post("/scripts/{script_id}/runs", status_code=201, response_model=RunOut, responses=START_RESPONSES)
async def start_run(
    script_id: uuid.UUID, access: CurrentAccess, response: Response, body: RunCreate | None = None, wait: Wait = False
) -> RunOut:
    """A manual run of the script's current version; `event` becomes the event's body."""
    event = body.event if body else None
    run = await run_in_threadpool(launch.manual_run, access, script_id, event)
    return await answer_with_run(run, wait, response)


@router.get("/runs", response_model=list[RunOut], responses=documented(401, 404, 422))
def list_runs(
    request: Request,
    response: Response,
    access: CurrentAccess,
    script_id: uuid.UUID | None = None,
    status: RunStatus | None = None,
    trigger: RunTrigger | None = None,
    since: Annotated[
        IsoTime | None, Query(description="queued at or after this time (ISO 8601; UTC if no zone)")
    ] = None,
    until: Annotated[IsoTime | None, Query(description="queued before this time (ISO 8601; UTC if no zone)")] = None,
    cursor: Annotated[
        str | None, Query(max_length=500, description='opaque: from the `Link: <...>; rel="next"` header')
    ] = None,
    limit: Annotated[int, Query(ge=1, le=run_history.MAX_PAGE)] = 50,
    before: Annotated[
        uuid.UUID | None,
        Query(description="the id of the last run of the previous page (as `cursor`, for clients that keep ids)"),
    ] = None,
) -> list[RunOut]:
    """The workspace's runs (saved scripts' and try-outs), newest first, filtered. While there are
    older runs, the answer has a `Link: <...>; rel="next"` header: the same query with a `cursor`."""
    what = run_history.RunFilter.parse(script_id, status, trigger, since, until)
    after = cursor or (run_history.cursor_before(access, before) if before is not None else None)
    found = run_history.page(access, what, after, limit)
    if found.older:
        url = request.url.remove_query_params("before").include_query_params(cursor=found.older)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return [RunOut.of(run) for run in found.runs]


@router.get("/runs/{run_id}", response_model=RunOut, responses=documented(401, 404, 422))
def get_run(run_id: uuid.UUID, access: CurrentAccess) -> RunOut:
    return RunOut.of(listings.run_of(access, run_id))


SSE_EVENT = {  # the schema of one event of the stream
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"type": "string", "enum": ["end"], "description": "absent for a log line"},
        "id": {"type": "string", "description": "the line's sequence number"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["ts", "stream", "line"],
                        "properties": {
                            "ts": {"type": "string"},
                            "stream": {"type": "string"},
                            "line": {"type": "string"},
                        },
                    },
                    {"type": "object", "required": ["status"], "properties": {"status": {"type": "string"}}},
                ]
            },
        },
    },
}
LOG_RESPONSES = {
    200: {
        "description": "the lines as JSON; as text/plain with format=text or `Accept: text/plain`; "
        "as text/event-stream with follow=1 (the schema there is that of one event)",
        "content": {"text/plain": {"schema": {"type": "string"}}, "text/event-stream": {"schema": SSE_EVENT}},
    },
    **documented(401, 404, 422),
}


@router.get("/runs/{run_id}/logs", response_model=list[LogLineOut], responses=LOG_RESPONSES)
async def run_log(
    run_id: uuid.UUID,
    access: CurrentAccess,
    follow_: Annotated[
        bool,
        Query(
            alias="follow",
            description=(
                "1: stream Server-Sent Events until the run ends: each line as `id: <seq>` and "
                "`data: {ts, stream, line}`, then `event: end` with `data: {status}`. "
                "A reconnect with Last-Event-ID resumes after that line."
            ),
        ),
    ] = False,
    fmt: Annotated[Literal["json", "text"] | None, Query(alias="format")] = None,
    accept: Annotated[str, Header(include_in_schema=False)] = "",
    last_event_id: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    await run_in_threadpool(listings.run_of, access, run_id)
    if follow_:
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
        return StreamingResponse(
            sse(follow.follow_run_log(run_id, after)),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    lines = await run_in_threadpool(logs.read, "run", run_id)
    return log_response(lines, f"run-{run_id}.log", fmt, accept)


def log_response(lines: list, filename: str, fmt: str | None, accept: str) -> Response:
    """A log as JSON, or as a text download when asked for by format=text or by Accept."""
    wants_text = fmt == "text" or (fmt is None and "text/plain" in accept and "application/json" not in accept)
    if wants_text:
        return PlainTextResponse(
            logs.as_text(lines), headers={"content-disposition": f'attachment; filename="{filename}"'}
        )
    body = [LogLineOut(ts=ln.ts, stream=ln.stream, line=ln.line).model_dump(mode="json") for ln in lines]
    return Response(json.dumps(body), media_type="application/json")


async def sse(events: AsyncIterator[follow.Line | follow.End | follow.Keepalive]) -> AsyncIterator[str]:
    async for event in events:
        if isinstance(event, follow.Line):
            data = LogLineOut(ts=event.ts, stream=event.stream, line=event.line).model_dump_json()
            yield f"id: {event.seq}\ndata: {data}\n\n"
        elif isinstance(event, follow.End):
            yield f"event: end\ndata: {json.dumps({'status': event.status})}\n\n"
        else:
            yield ": keepalive\n\n"


@router.post("/runs/{run_id}/rerun", status_code=201, response_model=RunOut, responses=RERUN_RESPONSES)
async def rerun(run_id: uuid.UUID, access: CurrentAccess, response: Response, wait: Wait = False) -> RunOut:
    """Runs the run's script again with the same event (a new `run_id` in it): a manual run with
    `rerun_of` set. A try-out has no script to run again: 409."""
    run = await run_in_threadpool(launch.rerun, access, run_id)
    return await answer_with_run(run, wait, response)


@router.post("/runs/{run_id}/cancel", response_model=RunOut, responses=documented(401, 404, 409, 422))
def cancel_run(run_id: uuid.UUID, access: CurrentAccess) -> RunOut:
    """A queued run is cancelled at once; a running one is asked to stop (its status becomes
    `cancelled` within a moment: follow it, or read it again)."""
    run = listings.run_of(access, run_id)
    if run.status in FINAL_RUN_STATUSES:
        raise errors.Conflict(f"the run has already ended ({run.status})")
    return RunOut.of(runs.cancel(run_id) or run)
