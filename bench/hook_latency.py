"""Hook latency end to end: HTTP request in → response out, against raw `docker run --rm` of the
same image, measured in the same process.

    python bench/hook_latency.py [--calls 60]

The web side is the real hooks app (app.api.hooks_app:app, the hooks origin) served by granian on
127.0.0.1; a real Celery worker executes the runs. Prints JSON (target: p50 ratio ≤ 0.3).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid

import harness
import httpx
from run_latency import TRIVIAL, docker_run

from tests.support.actors import acting
from tests.support.api_process import HOOKS_APP, ApiProcess


def hook_script(runtime: str):
    from tests.support.scripts import built_script

    return built_script(
        acting(),
        f"bench-{runtime}-{uuid.uuid4().hex[:6]}",
        runtime,
        TRIVIAL[runtime],
        [],
        trigger={"type": "http"},
        network=False,
    )


def measure(client: httpx.Client, base: str, runtime: str, n: int) -> dict:
    from workers.runtime.images import dependency_image_ref

    saved = hook_script(runtime)
    url = f"{base}/hooks/{saved.script.hook_token}"
    image = dependency_image_ref(saved.version.deps_hash)

    sent: dict[str, tuple[float, float]] = {}  # run id -> wall clock at send and at answer, for the trace

    def call(i: int) -> float:
        wall, start = time.time(), time.perf_counter()
        r = client.post(url, json=i)
        elapsed = time.perf_counter() - start
        assert r.status_code == 200 and r.json() == {"ok": i}, (r.status_code, r.text)
        sent[r.headers["x-runpad-run-id"]] = (wall, wall + elapsed)
        return elapsed

    for i in range(5):
        call(i)
        docker_run(image, runtime, i)
    sent.clear()
    ours, base_runs = [], []
    for i in range(n):
        ours.append(call(i))
        base_runs.append(docker_run(image, runtime, i))
    a, b = harness.summary(ours), harness.summary(base_runs)
    return {
        "hook": a,
        "docker_run": b,
        "p50_ratio": round(a["p50_ms"] / b["p50_ms"], 3),
        "p99_ratio": round(a["p99_ms"] / b["p99_ms"], 3),
        "trace_p50_ms": trace(sent),
    }


def trace(sent: dict[str, tuple[float, float]]) -> dict:
    """Where a call's milliseconds go, from the run row's timestamps (one clock: this machine's):
    in → queued_at is the hooks app (parse, token, limits, run insert); → started_at is the queue
    (publish, delivery, claim); → finished_at is the worker (image, container, handler, result);
    → answer is the notice of the end and the response."""
    from sqlalchemy import select

    from app.core.db import session
    from app.models import Run

    with session() as s:
        rows = s.execute(
            select(Run.id, Run.queued_at, Run.started_at, Run.finished_at).where(
                Run.id.in_([uuid.UUID(k) for k in sent])
            )
        ).all()
    stages: dict[str, list[float]] = {"web_in": [], "queue": [], "worker": [], "web_out": []}
    for run_id, queued, started, finished in rows:
        t0, t1 = sent[str(run_id)]
        marks = [t0, queued.timestamp(), started.timestamp(), finished.timestamp(), t1]
        for name, (x, y) in zip(stages, zip(marks, marks[1:], strict=False), strict=True):
            stages[name].append(y - x)
    return {name: round(statistics.median(v) * 1000, 1) for name, v in stages.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=60)
    args = parser.parse_args()
    harness.fresh_database()
    from tests.support.worker_process import WorkerProcess
    from workers.runtime.network import ensure_run_network

    ensure_run_network()
    web = ApiProcess("bench-hooks-web", app=HOOKS_APP).start()
    worker = WorkerProcess(f"bench-hooks-{uuid.uuid4().hex[:6]}").start()
    try:
        with httpx.Client(timeout=120) as client:
            report = {rt: measure(client, web.url, rt, args.calls) for rt in ("node", "python")}
    finally:
        worker.stop()
        web.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
