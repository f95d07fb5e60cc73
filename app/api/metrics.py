"""GET /metrics in the Prometheus text format."""

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.concurrency import run_in_threadpool

from app.services.metrics import RunpadCollector

router = APIRouter()
_registry = CollectorRegistry(auto_describe=False)
_registry.register(RunpadCollector())


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    body = await run_in_threadpool(generate_latest, _registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
