"""Run latency and throughput through the real path, against raw `docker run --rm` in the same process.

    python bench/run_latency.py [--runs 60] [--concurrent 16] [--network]

Sequential: a trivial handler per runtime, each run created, committed, enqueued, executed by a real
Celery worker (warm pool on) and waited for; the baseline is `docker run --rm -i` of the same image
running the same bootstrap with the same payload. Both sides run without a network (or, with
--network, both on the run network), so neither pays for a veth pair that the other does not.
Concurrent: N runs enqueued at once against N raw `docker run`s started at once. Prints JSON with
the ratios (targets: p50 ≤ 0.25, throughput ≥ 0.8).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import harness

from tests.support.actors import acting

NETWORK = {"on": False}
TRIVIAL = {
    "node": "export default (e) => ({ ok: e.body });",
    "python": "def handler(e, c):\n    return {'ok': e['body']}\n",
}


def make_version(runtime: str):
    from app.core.db import session
    from app.services import versions

    base = versions.base_for(runtime)  # the worker published it when it started
    with session() as s:
        version = versions.new_version(s, base, TRIVIAL[runtime], [], [])
        s.commit()
    return version


def real_run(version, body) -> float:
    from app.core.db import session
    from app.services import runs
    from workers import dispatch

    start = time.perf_counter()
    with session() as s:
        run = runs.create(s, version, "tryout", body, network=NETWORK["on"], workspace_id=acting().workspace_id)
        s.commit()
    dispatch.enqueue_run(run.id, "tryout")
    done = runs.wait(run.id, timeout=120)
    elapsed = time.perf_counter() - start
    assert done.status == "succeeded" and done.result == {"ok": body}, (done.status, done.error)
    return elapsed


def docker_run(image: str, runtime: str, body) -> float:
    from app.core import runtimes
    from app.core.settings import settings

    nonce = uuid.uuid4().hex
    payload = json.dumps({"code": TRIVIAL[runtime], "event": {"body": body}, "ctx": {}, "secrets": {}, "nonce": nonce})
    start = time.perf_counter()
    network = settings.run_network if NETWORK["on"] else "none"
    out = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "-i",
            "--network",
            network,
            "--user",
            "10001:10001",
            image,
            *runtimes.row(runtime).command,
        ],
        input=payload.encode(),
        capture_output=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    assert nonce.encode() in out.stdout
    return elapsed


def sequential(runtime: str, n: int) -> dict:
    from workers.runtime.images import dependency_image_ref

    version = make_version(runtime)
    image = dependency_image_ref(version.deps_hash)
    for i in range(5):  # warm up both paths (image build, pool fill, page cache)
        real_run(version, i)
        docker_run(image, runtime, i)
    ours, base = [], []
    for i in range(n):  # interleaved, so machine noise hits both alike
        ours.append(real_run(version, i))
        base.append(docker_run(image, runtime, i))
    a, b = harness.summary(ours), harness.summary(base)
    return {
        "runpad": a,
        "docker_run": b,
        "p50_ratio": round(a["p50_ms"] / b["p50_ms"], 3),
        "p99_ratio": round(a["p99_ms"] / b["p99_ms"], 3),
    }


def concurrent(runtime: str, n: int) -> dict:
    from workers.runtime.images import dependency_image_ref

    version = make_version(runtime)
    image = dependency_image_ref(version.deps_hash)
    with ThreadPoolExecutor(n) as ex:
        start = time.perf_counter()
        list(ex.map(lambda i: real_run(version, i), range(n)))
        ours = time.perf_counter() - start
        start = time.perf_counter()
        list(ex.map(lambda i: docker_run(image, runtime, i), range(n)))
        base = time.perf_counter() - start
    return {
        "runs": n,
        "runpad_runs_per_s": round(n / ours, 2),
        "docker_run_per_s": round(n / base, 2),
        "throughput_ratio": round(base / ours, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--concurrent", type=int, default=16)
    parser.add_argument("--network", action="store_true", help="runs and baseline on the run network")
    args = parser.parse_args()
    NETWORK["on"] = args.network
    harness.fresh_database()
    from tests.support.worker_process import WorkerProcess
    from workers.runtime.network import ensure_run_network

    ensure_run_network()
    worker = WorkerProcess(f"bench-{uuid.uuid4().hex[:6]}", concurrency=max(8, args.concurrent)).start()
    harness.whole_worker(worker.concurrency)
    try:
        report = {
            rt: {"sequential": sequential(rt, args.runs), "concurrent": concurrent(rt, args.concurrent)}
            for rt in ("node", "python")
        }
    finally:
        worker.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
