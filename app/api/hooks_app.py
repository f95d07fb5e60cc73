"""The ASGI app of the hooks origin (contract §3): only `/hooks/*` and `/healthz`, apart from the IDE's
origin, with a sandboxing policy stamped on every response whatever produced it."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import health, hooks
from app.services import queue
from workers.dispatch import CeleryQueue

queue.install(CeleryQueue())  # this process's queue (the composition root: app/ talks to app.services.queue)

# Hook responses are other people's pages: a sandboxed, opaque origin (no cookies, no storage, no
# same-origin requests) and no MIME sniffing turning a text body into script.
STAMPED = [
    (b"content-security-policy", b"sandbox allow-scripts allow-forms allow-popups"),
    (b"x-content-type-options", b"nosniff"),
]
# Removed from every response before stamping, whoever set them (the handler's reply is filtered
# already in app.services.hooks; this also covers error pages and anything added later).
REMOVED = {
    b"set-cookie",
    b"set-cookie2",
    b"content-security-policy",
    b"content-security-policy-report-only",
    b"x-content-type-options",
}


class HookOriginHeaders:
    """Plain ASGI middleware, outermost, so even FastAPI's own 404/405 and unhandled-error 500 pass it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in REMOVED]
                message = {**message, "headers": kept + STAMPED}
            await send(message)

        await self.app(scope, receive, stamped)


def _hooks_api() -> FastAPI:
    api = FastAPI(title="Runpad hooks", docs_url=None, redoc_url=None, openapi_url=None)
    api.add_api_route("/healthz", health.healthz, methods=["GET"])
    api.include_router(hooks.router)
    return api


app = HookOriginHeaders(_hooks_api())
