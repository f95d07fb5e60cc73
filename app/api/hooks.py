"""`ANY /hooks/{token}[/{path}]`: thin, it reads the request (at most 6 MiB) and calls app.services.hooks."""

from __future__ import annotations

import time

import redis
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.exc import OperationalError, TimeoutError as SQLAlchemyTimeoutError
from starlette.concurrency import run_in_threadpool

from app.core import errors
from app.core.db import BUSY_RETRY_AFTER_SECONDS, is_busy
from app.services import hooks, metrics

router = APIRouter()
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def _read_body(request: Request) -> bytes | None:
    """The body, or None as soon as it grows past the limit (nothing more is read)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > hooks.MAX_BODY_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > hooks.MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _headers(request: Request) -> dict[str, str]:
    """Lower-cased names; a header sent more than once is joined with ", " as HTTP allows."""
    merged: dict[str, str] = {}
    for name, value in request.headers.items():
        merged[name] = f"{merged[name]}, {value}" if name in merged else value
    return merged


def _wants_async(request: Request) -> bool:
    prefer = request.headers.get("prefer", "").lower()
    return request.query_params.get("async") in ("1", "true") or "respond-async" in prefer


@router.api_route("/hooks/{token}", methods=METHODS, include_in_schema=False)
@router.api_route("/hooks/{token}/{path:path}", methods=METHODS, include_in_schema=False)
async def hook(request: Request, token: str, path: str = "") -> Response:
    started = time.perf_counter()
    try:
        response = await _answer(request, token, path)
    except errors.RunpadError as exc:  # by its kind, as the REST API answers it
        response = _response(hooks.json_reply(exc.status, {"error": str(exc)}))
        if exc.retry_after:
            response.headers["retry-after"] = str(exc.retry_after)
    except (OperationalError, SQLAlchemyTimeoutError) as exc:  # nothing could be recorded, so no run id
        response = _database_trouble(exc)
    await run_in_threadpool(_record_latency, time.perf_counter() - started)
    return response


def _database_trouble(exc: Exception) -> Response:
    """503 either way, but saying which: every connection busy (retry soon) or PostgreSQL unreachable."""
    if is_busy(exc):
        response = _response(hooks.json_reply(503, {"error": "Runpad is busy; try again shortly"}))
        response.headers["retry-after"] = str(BUSY_RETRY_AFTER_SECONDS)
        return response
    response = _response(hooks.json_reply(503, {"error": "Runpad's database is not answering; try again shortly"}))
    response.headers["retry-after"] = "5"
    return response


def _record_latency(seconds: float) -> None:
    try:
        metrics.record_hook_latency(seconds)
    except redis.RedisError:
        pass  # a metric is never worth failing a hook call


async def _answer(request: Request, token: str, path: str) -> Response:
    body = await _read_body(request)
    if body is None:
        script = await run_in_threadpool(hooks.scripts.by_hook_token, token)
        if script is None:
            return _response(hooks.json_reply(404, {"error": "no such hook"}))
        return _response(hooks.json_reply(413, {"error": f"the body is larger than {hooks.MAX_BODY_BYTES} bytes"}))
    req = hooks.HookRequest(
        token=token,
        method=request.method,
        path="/" + path,
        headers=_headers(request),
        query={k: v for k, v in request.query_params.items() if k != "async"},
        body=body,
        wants_async=_wants_async(request),
    )
    return _response(await hooks.call(req))


def _response(reply: hooks.Reply) -> Response:
    headers = dict(reply.headers)
    if reply.run_id is not None:
        headers.setdefault("x-runpad-run-id", str(reply.run_id))
    media = headers.pop("content-type", None)
    return Response(content=reply.body, status_code=reply.status, headers=headers, media_type=media)
