"""Hooks under a burst: 300 synchronous calls at once to one hook whose handler sleeps 2 s, while
another client reads `GET /api/v1/scripts` (against its idle p99, measured in the same run) and calls
a second hook.

    python bench/hook_load.py [--calls 300] [--hooks-url URL]

Every call must get its handler's answer (200) or a 429 with Retry-After, never 503 or 504; the
API's p99 under the burst should stay within 3x its idle p99. The web side is the real ASGI app
(app.api.main:api) under granian on 127.0.0.1; a real Celery worker (8 threads) executes the runs.
Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections import Counter

import harness
import httpx

from tests.support.actors import acting
from tests.support.api_process import HOOKS_APP, ApiProcess

SLEEPY = "import time\n\ndef handler(event, ctx):\n    time.sleep(2)\n    return {'slept': 2}\n"
QUICK = "def handler(event, ctx):\n    return {'quick': True}\n"
IDLE_SAMPLES = 200


def hook_script(code: str):
    from tests.support.scripts import built_script

    return built_script(
        acting(), f"bench-load-{uuid.uuid4().hex[:6]}", "python", code, [], trigger={"type": "http"}, network=False
    )


def run_count(script_id) -> int:
    from sqlalchemy import func, select

    from app.core.db import session
    from app.models import Run

    with session() as s:
        return s.scalar(select(func.count()).select_from(Run).where(Run.script_id == script_id))


def api_token() -> str:
    from app.services import tokens, users

    user = users.create(f"bench-{uuid.uuid4().hex[:8]}@example.com", "bench password 1234")
    return tokens.issue(user.id)[1]


async def timed_get(api: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    r = await api.get("/scripts")
    assert r.status_code == 200, (r.status_code, r.text)
    return time.perf_counter() - started


async def burst(http: httpx.AsyncClient, url: str, n: int) -> list[httpx.Response | str]:
    async def one() -> httpx.Response | str:
        try:
            return await http.post(url, json={})
        except httpx.HTTPError as exc:  # counted, not raised: a refused connection is a finding too
            return type(exc).__name__

    return await asyncio.gather(*(one() for _ in range(n)))


async def meanwhile(api: httpx.AsyncClient, http: httpx.AsyncClient, other_url: str, done: asyncio.Event) -> dict:
    """API latencies and the second hook's answers, sampled until the burst has been answered."""
    latencies, others, since = [], Counter(), time.perf_counter()

    async def call_other() -> None:
        while not done.is_set():
            r = await http.post(other_url, json={})
            others[r.status_code] += 1

    other_task = asyncio.create_task(call_other())
    while not done.is_set():
        at = time.perf_counter() - since
        latencies.append((at, await timed_get(api)))
    await other_task
    return {"latencies": latencies, "other_hook": dict(others)}


async def measure(api_url: str, hooks_url: str, calls: int) -> dict:
    slow, quick = hook_script(SLEEPY), hook_script(QUICK)
    limits = httpx.Limits(max_connections=calls + 10, max_keepalive_connections=calls + 10)
    headers = {"authorization": f"Bearer {api_token()}"}
    async with (
        httpx.AsyncClient(base_url=f"{api_url}/api/v1", headers=headers, timeout=60) as api,
        httpx.AsyncClient(timeout=120, limits=limits) as http,
    ):
        for _ in range(20):  # warm-up: connections, the worker's warm pool
            await timed_get(api)
        assert (await http.post(f"{hooks_url}/hooks/{quick.script.hook_token}")).status_code == 200
        idle = [await timed_get(api) for _ in range(IDLE_SAMPLES)]
        done = asyncio.Event()
        side = asyncio.create_task(meanwhile(api, http, f"{hooks_url}/hooks/{quick.script.hook_token}", done))
        started = time.perf_counter()
        answers = await burst(http, f"{hooks_url}/hooks/{slow.script.hook_token}", calls)
        took = time.perf_counter() - started
        done.set()
        during = await side
    statuses = Counter(a if isinstance(a, str) else a.status_code for a in answers)
    ok = [a for a in answers if not isinstance(a, str) and a.status_code == 200]
    refused = [a for a in answers if not isinstance(a, str) and a.status_code == 429]
    idle_s, load_s = harness.summary(idle), harness.summary([s for _, s in during["latencies"]])
    after_first_second = harness.summary([s for at, s in during["latencies"] if at >= 1.0])
    return {
        "calls": calls,
        "statuses": dict(statuses),
        "burst_answered_s": round(took, 2),
        "results_correct": all(a.json() == {"slept": 2} for a in ok),
        "every_429_has_retry_after": all(a.headers.get("retry-after", "").isdigit() for a in refused),
        "only_200_or_429": set(statuses) <= {200, 429},
        "runs_created": run_count(slow.script.id),  # a 429 makes none: this should equal the 200s
        "other_hook": during["other_hook"],
        "api_idle": idle_s,
        "api_under_burst": load_s,
        "api_p99_ratio": round(load_s["p99_ms"] / idle_s["p99_ms"], 2),
        "api_after_the_first_second": after_first_second,  # while 300 calls arrive, and after
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument(
        "--hooks-url",
        default="",
        help="where /hooks is served; default: a hooks listener (app.api.hooks_app) started here",
    )
    args = parser.parse_args()
    harness.fresh_database()
    from tests.support.worker_process import WorkerProcess
    from workers.runtime.network import ensure_run_network

    ensure_run_network()
    web = ApiProcess("bench-hook-load-web").start()
    hooks = None if args.hooks_url else ApiProcess("bench-hook-load-hooks", app=HOOKS_APP).start()
    worker = WorkerProcess(f"bench-hook-load-{uuid.uuid4().hex[:6]}", concurrency=8).start()
    harness.whole_worker(worker.concurrency)
    try:
        report = asyncio.run(measure(web.url, args.hooks_url or hooks.url, args.calls))
    finally:
        worker.stop()
        web.stop()
        if hooks is not None:
            hooks.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
