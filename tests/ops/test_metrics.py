"""/metrics reports runs, builds, timings, the warm pool and hook latency in Prometheus format."""

import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from app.api.hooks_app import app as hooks_app
from app.api.main import api
from app.core.db import session
from app.core.redis import redis_client
from app.core.settings import settings
from app.models import Run
from app.services import engines, metrics
from tests.integration.helpers import tryout
from workers import maintenance

pytestmark = pytest.mark.usefixtures("docker_ready")


def scrape(client, **headers) -> dict:
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def test_metrics_follow_runs_hooks_and_the_pool():
    with TestClient(api) as client:
        before = scrape(client)
        ok = tryout("python", "def handler(e, c):\n    return 1\n")
        bad = tryout("node", "export default () => { throw new Error('x'); };")
        assert (ok.status, bad.status) == ("succeeded", "failed")
        with TestClient(hooks_app) as hooks_client:
            assert hooks_client.post("/hooks/" + "n" * 43).status_code == 404
        metrics.publish_pool_stats("metrics-test-worker", size=3, hits=7, misses=2)
        after = scrape(client)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("runpad_runs", status="succeeded", runtime="python") == 1
    assert delta("runpad_runs", status="failed", runtime="node") == 1
    assert delta("runpad_run_duration_seconds_count") == 2
    assert delta("runpad_run_queue_wait_seconds_count") == 2
    assert delta("runpad_hook_latency_seconds_count") == 1
    assert after[("runpad_hook_latency_seconds_bucket", (("le", "+Inf"),))] >= 1
    assert after[("runpad_warm_pool_size", (("worker", "metrics-test-worker"),))] == 3
    assert after[("runpad_warm_pool_hits_total", (("worker", "metrics-test-worker"),))] == 7
    assert after[("runpad_builds", (("status", "ready"),))] >= 1


def test_health_probes():
    assert maintenance.report_engine()  # what a worker does each heartbeat: the web has no engine to ask
    with TestClient(api) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"postgres": "ok", "redis": "ok", "docker": "ok"}


def test_readyz_says_docker_is_down_while_no_worker_reports_an_engine_that_answers():
    for worker in engines.answering(redis_client()):  # workers of earlier modules, stopped, reports not yet lapsed
        engines.report(redis_client(), worker, False, ttl_seconds=15)
    try:
        with TestClient(api) as client:
            ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"postgres": "ok", "redis": "ok", "docker": "down"}
    finally:
        maintenance.report_engine()


def test_a_scrape_reads_counters_not_the_history_of_runs():
    """A finished run that no worker counted (a row from before the counters, say) is not read:
    a scrape does not aggregate the runs table, however long it grows."""
    run = tryout("python", "def handler(e, c):\n    return 1\n")
    with TestClient(api) as client:
        before = scrape(client)
        with session() as s:
            row = s.get(Run, run.id)
            s.add(Run(**row.model_dump(exclude={"id"})))
            s.commit()
        after = scrape(client)
    for name in ("runpad_run_duration_seconds_count", "runpad_run_queue_wait_seconds_count"):
        assert after[(name, ())] == before[(name, ())] >= 1
    key = ("runpad_runs", (("runtime", "python"), ("status", "succeeded")))
    assert after[key] == before[key] >= 1


def test_metrics_require_the_bearer_token_when_one_is_set(monkeypatch):
    monkeypatch.setattr(settings, "metrics_token", "metrics-token-for-the-test")
    with TestClient(api) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics").headers["www-authenticate"].startswith("Bearer")
        for wrong in (
            "Bearer nope",
            "Basic metrics-token-for-the-test",
            "Bearer metrics-token-for-the-tes",
            "Bearer metrics-token-for-the-testx",
        ):
            assert client.get("/metrics", headers={"Authorization": wrong}).status_code == 401
        assert scrape(client, Authorization="Bearer metrics-token-for-the-test")


def test_readyz_names_the_dependency_that_is_down_and_logs_why(monkeypatch, caplog):
    monkeypatch.setattr(settings, "redis_url", "redis://:hunter2-not-shown@127.0.0.1:1/0")  # nothing listens on port 1
    with TestClient(api) as client, caplog.at_level(logging.WARNING, logger="app.api.health"):
        ready = client.get("/readyz")
    assert ready.status_code == 503
    # the workers report their engines through Redis: with Redis down, no engine can be vouched for
    assert ready.json() == {"status": "not ready", "checks": {"postgres": "ok", "redis": "down", "docker": "down"}}
    assert "refused" in caplog.text.lower() or "error" in caplog.text.lower()
    assert "Error" not in ready.text and "127.0.0.1" not in ready.text
