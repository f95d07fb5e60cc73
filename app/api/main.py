"""The FastAPI app that serves Runpad's HTTP API; Reflex mounts its own backend inside it.

Include every router here, at import time: when Reflex builds the ASGI app it mounts itself at ""
as this app's last route, so a route added after that would be shadowed by the mount.
Mounted apps get no lifespan events: start-up work belongs in rx.App lifespan tasks.
/hooks is not served here: hooks have their own origin, app.api.hooks_app (contract §3).
"""

from fastapi import FastAPI

from app.api import docs, downloads, health, metrics, v1, web_auth
from app.api.security_headers import SecurityHeaders, built_inline_script_hashes
from app.services import queue
from workers.dispatch import CeleryQueue

queue.install(CeleryQueue())  # this process's queue (the composition root: app/ talks to app.services.queue)

api = FastAPI(
    title="Runpad",
    # FastAPI's own pages would be public and load Swagger UI from a CDN: app.api.docs serves the
    # document and the page at /api/openapi.json and /api/docs instead, behind the login.
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)
api.include_router(docs.router)
api.include_router(health.router)
api.include_router(metrics.router)
api.include_router(downloads.router)
api.include_router(web_auth.router)
v1.mount(api)  # at /api/v1, with its own error handlers and OpenAPI document
# Outermost, so it also covers the Reflex front end and socket that Reflex mounts inside this app.
api.add_middleware(SecurityHeaders, inline_hashes=built_inline_script_hashes)
