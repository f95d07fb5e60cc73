"""The FastAPI app that serves Runpad's HTTP API; Reflex mounts its own backend inside it.

Include every router here, at import time: when Reflex builds the ASGI app it mounts itself at ""
as this app's last route, so a route added after that would be shadowed by the mount.
Mounted apps get no lifespan events: start-up work belongs in rx.App lifespan tasks.
"""

from fastapi import FastAPI

from app.api import docs, downloads, health, hooks, metrics, v1

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
api.include_router(hooks.router)
api.include_router(metrics.router)
api.include_router(downloads.router)
v1.mount(api)  # at /api/v1, with its own error handlers and OpenAPI document
