"""GET /metrics in the Prometheus text format, behind a bearer token when RUNPAD_METRICS_TOKEN is set."""

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.concurrency import run_in_threadpool

from app.core.settings import settings
from app.services.metrics import RunpadCollector

router = APIRouter()
_registry = CollectorRegistry(auto_describe=False)
_registry.register(RunpadCollector())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    if settings.metrics_token and not _authorized(request.headers.get("authorization", "")):
        return Response(
            "unauthorized\n",
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body = await run_in_threadpool(generate_latest, _registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _authorized(header: str) -> bool:
    scheme, _, token = header.partition(" ")
    # compare bytes: compare_digest refuses non-ASCII str, and a header is whatever a caller sends
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode())
