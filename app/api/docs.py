"""The HTTP API's own OpenAPI document and Swagger UI, for logged-in browser sessions only, with
Swagger UI's files served from the pinned fastapi-offline package (no CDN: it works offline).

The v1 document (/api/v1/openapi.json) is part of the public contract and stays where it is."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from app.services import sessions

SESSION_COOKIE = "runpad_session"
DOCS_URL = "/api/docs"
OPENAPI_URL = "/api/openapi.json"
V1_OPENAPI_URL = "/api/v1/openapi.json"  # public: part of the contract
ASSETS_URL = "/api/docs/assets"
_STATIC = Path(fastapi_offline.__file__).parent / "static"
ASSETS = {  # the only files served: a name from the URL never reaches the file system
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}

router = APIRouter(include_in_schema=False)


def _refusal(request: Request) -> Response | None:
    """None for a live browser session; else a way to the login page (pages) or 401 (the rest)."""
    if sessions.user_for(request.cookies.get(SESSION_COOKIE, "")) is not None:
        return None
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(f"/login?next={DOCS_URL}", status_code=303)
    return JSONResponse({"error": "unauthorized", "message": "Log in to read the API documentation."}, status_code=401)


@router.get(DOCS_URL)
def swagger_ui(request: Request) -> Response:
    if refused := _refusal(request):
        return refused
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="Runpad API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        swagger_ui_parameters={
            "validatorUrl": None,  # else Swagger UI asks validator.swagger.io about the document
            # the public v1 API first (the one users call), then the app's own routes (probes, hooks)
            "urls": [{"url": V1_OPENAPI_URL, "name": "REST API v1"}, {"url": OPENAPI_URL, "name": "Runpad app"}],
            "layout": "StandaloneLayout",
        },
    )


@router.get("/api/v1/docs")
def v1_docs() -> Response:
    """The v1 app's own Swagger page loads from a CDN; this route comes first and points here."""
    return RedirectResponse(DOCS_URL, status_code=307)


@router.get(ASSETS_URL + "/{name}")
def asset(name: str, request: Request) -> Response:
    if refused := _refusal(request):
        return refused
    if name not in ASSETS:
        return JSONResponse({"error": "not_found", "message": "No such file."}, status_code=404)
    return FileResponse(_STATIC / name, media_type=ASSETS[name], headers={"Cache-Control": "private, max-age=3600"})


@router.get(OPENAPI_URL)
def openapi(request: Request) -> Response:
    """The app's own document (the app is created without one, so it is only here, behind the login)."""
    if refused := _refusal(request):
        return refused
    return JSONResponse(request.app.openapi())
