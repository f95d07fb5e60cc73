"""Saved scripts: create, list, read, change, delete; versions and rollback; hook URL rotation; the hook
calls a script turned away.
Each call acts in the caller's workspace (X-Runpad-Workspace): another workspace's script answers 404."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.api.v1.deps import CurrentAccess
from app.api.v1.errors import ApiError, documented
from app.api.v1.schemas import RejectionOut, ScriptCreate, ScriptOut, ScriptSaved, ScriptUpdate, VersionOut
from app.services import failures, scripts
from app.views import listings

router = APIRouter(prefix="/scripts", tags=["scripts"])


def _saved(saved: scripts.Saved) -> ScriptSaved:
    return ScriptSaved.of(saved.script, saved.version, saved.build, hook_secret=saved.hook_secret)


@router.post("", status_code=201, response_model=ScriptSaved, responses=documented(401, 403, 404, 422))
def create_script(body: ScriptCreate, access: CurrentAccess, response: Response) -> ScriptSaved:
    """Saves a new script as version 1 and queues its dependency build; it goes live once the build is
    ready (unless `draft`). Code that does not parse is refused with 422 naming the line and column.
    With bearer or HMAC hook auth, the answer holds `hook_secret`, shown this once."""
    saved = scripts.create(
        access,
        body.name,
        body.runtime,
        body.code,
        body.dependencies,
        body.secrets,
        trigger=body.trigger.model_dump(exclude_unset=True),
        timeout_seconds=body.timeout_seconds,
        memory_mb=body.memory_mb,
        network=body.network,
        enabled=body.enabled,
        retries=body.retries.model_dump(),
        draft=body.draft,
    )
    response.headers["Location"] = f"/api/v1/scripts/{saved.script.id}"
    return _saved(saved)


@router.get("", response_model=list[ScriptOut], responses=documented(401, 404, 422))
def list_scripts(access: CurrentAccess) -> list[ScriptOut]:
    """Your scripts, newest first."""
    return [ScriptOut.of(*row) for row in listings.scripts_of(access)]


@router.get("/{script_id}", response_model=ScriptOut, responses=documented(401, 404, 422))
def get_script(script_id: uuid.UUID, access: CurrentAccess) -> ScriptOut:
    return ScriptOut.of(*listings.script_view(access, script_id))


@router.patch("/{script_id}", response_model=ScriptSaved, responses=documented(401, 403, 404, 422))
def update_script(script_id: uuid.UUID, body: ScriptUpdate, access: CurrentAccess) -> ScriptSaved:
    """Changes the fields given (a field left out keeps its value, null is refused). A change of code,
    dependencies or secrets makes a new version, live once its build is ready (unless `draft`); until
    then the deployed version keeps answering. `trigger` may be partial (e.g. only `http_auth`)."""
    return _saved(scripts.update(access, script_id, body.changes()))


@router.delete("/{script_id}", status_code=204, responses=documented(401, 403, 404, 422))
def delete_script(script_id: uuid.UUID, access: CurrentAccess) -> Response:
    """Deletes the script with its versions and runs; its hook URL answers 404 at once."""
    scripts.delete(access, script_id)
    return Response(status_code=204)


@router.get("/{script_id}/versions", response_model=list[VersionOut], responses=documented(401, 404, 422))
def list_versions(script_id: uuid.UUID, access: CurrentAccess) -> list[VersionOut]:
    """Every version, newest first."""
    return [VersionOut.model_validate(v, from_attributes=True) for v in scripts.list_versions(access, script_id)]


@router.post(
    "/{script_id}/versions/{number}/restore", response_model=ScriptSaved, responses=documented(401, 403, 404, 422)
)
def restore_version(script_id: uuid.UUID, number: int, access: CurrentAccess) -> ScriptSaved:
    """Rollback: a new version with the code, dependencies and secrets of version `number`."""
    return _saved(scripts.restore(access, script_id, number))


@router.post(
    "/{script_id}/versions/{number}/deploy", response_model=ScriptOut, responses=documented(401, 403, 404, 409, 422)
)
def deploy_version(script_id: uuid.UUID, number: int, access: CurrentAccess) -> ScriptOut:
    """Makes version `number` the one hooks and schedules run (a rollback, or a draft put live): 409
    while its dependency image is not ready, 422 when its code does not parse."""
    scripts.deploy(access, script_id, number)
    return ScriptOut.of(*listings.script_view(access, script_id))


@router.post(
    "/{script_id}/hook-token/rotate", response_model=ScriptSaved, responses=documented(401, 403, 404, 409, 422)
)
def rotate_hook_token(script_id: uuid.UUID, access: CurrentAccess) -> ScriptSaved:
    """A new hook URL; the old one answers 404 at once. With bearer or HMAC auth the secret is new
    too, and the answer holds it (`hook_secret`), shown this once."""
    try:
        _, secret = scripts.rotate_hook_token(access, script_id)
    except scripts.ScriptError as exc:
        raise ApiError(409, str(exc)) from None
    return ScriptSaved.of(*listings.script_view(access, script_id), hook_secret=secret)


@router.get("/{script_id}/rejections", response_model=list[RejectionOut], responses=documented(401, 404, 422))
def list_rejections(script_id: uuid.UUID, access: CurrentAccess) -> list[RejectionOut]:
    """Hook calls turned away for Runpad's reasons (`409`, `503`), newest first: the last 100, kept a week."""
    calls = failures.recent_turned_away(access, script_id)
    return [RejectionOut(at=call.at, status=call.status, error=call.error) for call in calls]
