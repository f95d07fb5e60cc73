"""/metrics reports runs, builds, timings, the warm pool and hook latency in Prometheus format."""

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from app.api.hooks_app import app as hooks_app
from app.api.main import api
from app.services import metrics
from tests.integration.helpers import tryout

pytestmark = pytest.mark.usefixtures("docker_ready")


def scrape(client) -> dict:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


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
    with TestClient(api) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"postgres": "ok", "redis": "ok", "docker": "ok"}
