"""The REST API of contract §4: its own FastAPI app, mounted at /api/v1 by app.api.main, so that its
error handlers (one JSON error shape) and its OpenAPI document (/api/v1/openapi.json) cover exactly
/api/v1 and leave /hooks and Reflex's routes alone."""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.routing import Mount

from app.api.v1 import audit, auth, builds, errors, runs, scripts, secrets, teams, tryout, workspace_settings

MAX_BODY_BYTES = 8 * 1024 * 1024  # a 6 MiB event (contract §5) and the JSON around it

DESCRIPTION = """\
Runpad's REST API. Send `Authorization: Bearer <token>` with every call except `POST /auth/token`,
which exchanges an email and password for a token.

Errors are `{"error": "<code>", "message": "<text for a person>"}` with a 4xx or 5xx status.
Request bodies are limited to 8 MiB, events to 6 MiB.

**Paging** (`GET /runs`, `GET /audit`): newest first; the `Link: <...>; rel="next"` header gives the next
page: for runs while there are older ones (by an opaque `cursor`), for audit events while a page is full.
Passing the `id` of the last item of a page as `before` works for both.

**Runs**: `POST /scripts/{id}/runs` and `POST /tryout` answer `202` with the queued run, or with
`?wait=1` the finished run (`201`); if the wait gives up first, `202` with the run as it is.
"""

v1 = FastAPI(
    title="Runpad API",
    version="1",
    description=DESCRIPTION,
    openapi_url="/openapi.json",
    docs_url="/docs",
    redoc_url=None,
)
ROUTERS = [module.router for module in (auth, scripts, runs, tryout, builds, secrets, teams, audit, workspace_settings)]
for router in ROUTERS:
    v1.include_router(router)
errors.install(v1, [route for router in ROUTERS for route in router.routes])
v1.add_middleware(errors.BodyLimit, max_bytes=MAX_BODY_BYTES)


def mount(app: FastAPI, path: str = "/api/v1") -> None:
    """Mounts v1 at `path`. Starlette's mount pattern does not match across a newline, so a path with
    %0A in it would skip v1 and its error shape: the pattern is made to match any character."""
    app.mount(path, v1)
    route = app.router.routes[-1]
    assert isinstance(route, Mount) and route.path == path
    route.path_regex = re.compile(route.path_regex.pattern, re.DOTALL)
