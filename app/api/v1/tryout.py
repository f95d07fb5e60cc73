"""Try-outs: run code that is not saved, with its dependencies and secrets, and see the result."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from app.api.v1.deps import CurrentAccess
from app.api.v1.runs import START_RESPONSES, Wait, answer_with_run
from app.api.v1.schemas import RunOut, TryoutCreate
from app.services import launch

router = APIRouter(tags=["runs"])


@router.post("/tryout", status_code=201, response_model=RunOut, responses=START_RESPONSES)
async def start_tryout(body: TryoutCreate, access: CurrentAccess, response: Response, wait: Wait = False) -> RunOut:
    """Runs unsaved code once (its run has no script_id); `event` becomes the event's body. New
    dependencies are built first, which the wait allows for only partly (60 s on top of the timeout)."""
    run = await run_in_threadpool(
        launch.tryout,
        access,
        body.runtime,
        body.code,
        body.dependencies,
        body.secrets,
        body.event,
        timeout_seconds=body.timeout_seconds,
        memory_mb=body.memory_mb,
        network=body.network,
        script_id=body.script_id,
    )
    return await answer_with_run(run, wait, response)
