"""One error shape for every /api/v1 answer that is not a success: {"error": code, "message": text},
whether it comes from a route, a service, FastAPI's validation, routing (404/405) or a bug (500)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError, TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.v1.schemas import ErrorOut
from app.core import errors
from app.core.db import BUSY_RETRY_AFTER_SECONDS, is_busy

log = logging.getLogger(__name__)

CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal",
    503: "unavailable",
}
MESSAGES = {404: "no such resource", 405: "method not allowed here"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers
        self.code = code or CODES.get(status, "error")


def error_response(
    status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code or CODES.get(status, "error"), "message": message}, status, headers=headers)


DESCRIPTIONS = {
    401: "missing, unknown or revoked API token",
    403: "your role in the workspace does not allow this (or, for users, you are not an installation admin)",
    404: "no such resource in the workspace (or a workspace you are not a member of)",
    409: "conflicts with its state",
    413: "request body or event too large",
    422: "invalid request; the message says what to change",
    429: "too many requests (failed logins); Retry-After says when to try again",
    503: "a backing service (the database, the queue, a secret provider) is unavailable, or Runpad is busy "
    '(error "busy", with Retry-After)',
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses, all in the one error shape."""
    return {status: {"model": ErrorOut, "description": DESCRIPTIONS.get(status, "error")} for status in statuses}


def describe(errors: list[dict[str, Any]]) -> str:
    """Pydantic's errors as one line a person can act on: 'trigger.type: Input should be ...'."""
    parts = []
    for err in errors[:5]:
        loc = [str(p) for p in err.get("loc", ())]
        if len(loc) > 1 and loc[0] == "body":
            loc = loc[1:]
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    more = len(errors) - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


async def _family(request: Request, exc: errors.RunpadError) -> JSONResponse:
    """Every error of the family, by its kind: the status, the code and the person's message."""
    headers = {"retry-after": str(exc.retry_after)} if exc.retry_after else None
    return error_response(exc.status, str(exc), exc.code, headers)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.message, exc.code, exc.headers)


def _http_error(routes: list[BaseRoute]):
    async def handler(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) and exc.detail else MESSAGES.get(exc.status_code, "error")
        if exc.status_code == 400:  # FastAPI's "There was an error parsing the body": bad input, like the rest
            return error_response(422, "the request body could not be parsed: send UTF-8 JSON")
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"no such route: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            # Starlette names only the first matching route's methods; a path may have several routes
            allowed = sorted(
                {
                    m
                    for route in routes
                    if route.matches(request.scope)[0] != Match.NONE
                    for m in getattr(route, "methods", None) or ()
                }
            )
            message = f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}"
            return error_response(405, message, headers={"allow": ", ".join(allowed)})
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    return handler


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    return error_response(422, describe(list(exc.errors())))


async def _database_trouble(request: Request, exc: Exception) -> JSONResponse:
    """503 either way, but saying which: every connection busy (retry soon) or PostgreSQL unreachable."""
    if is_busy(exc):
        return error_response(
            503, "Runpad is busy; try again shortly", "busy", headers={"retry-after": str(BUSY_RETRY_AFTER_SECONDS)}
        )
    return error_response(503, "Runpad's database is not answering; try again shortly", headers={"retry-after": "5"})


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "an internal error occurred; it has been logged")


def install(app: FastAPI, routes: list[BaseRoute]) -> None:
    """Registers the handlers; `routes` are the app's routes (to name the allowed methods on a 405)."""
    # Starlette types a handler as taking any Exception, though it only ever passes the registered class
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error(routes))
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(errors.RunpadError, _family)  # type: ignore[arg-type]
    app.add_exception_handler(SQLAlchemyTimeoutError, _database_trouble)
    app.add_exception_handler(OperationalError, _database_trouble)
    app.add_exception_handler(Exception, _internal)


class BodyLimit:
    """Refuses a request body over max_bytes with 413, before any route reads it. The body is read
    here (FastAPI would read it whole anyway) and handed on unchanged."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await self._refuse(scope, receive, send)
            if not message.get("more_body"):
                break
        whole: Message | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> Message:
            nonlocal whole
            if whole is not None:
                message, whole = whole, None
                return message
            return await receive()  # e.g. http.disconnect, which a streaming response listens for

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, f"the request body is larger than {self.max_bytes} bytes", headers={"connection": "close"}
        )
        await response(scope, receive, send)
