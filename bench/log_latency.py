"""Live log latency: a line printed by a handler reaches every subscriber within 200 ms.

    python bench/log_latency.py [--runs 3] [--subscribers 5] [--sse 2] [--lines 60] [--cloudwatch-down]

A real Celery worker executes try-outs whose handler prints a line with its own wall-clock time
(time.time() in the container: the same host clock) every 50 ms; N Redis pub/sub subscribers on
logs.channel("run", id) and M followers of GET /api/v1/runs/{id}/logs?follow=1 (server-sent events
from the real ASGI app under granian), all connected before the run is enqueued, note when each
line arrives. The
baseline is a raw `docker run -i` of the same image, bootstrap and payload whose stdout the bench
reads line by line. Prints JSON: p50/p99/max latency, the fraction of deliveries within 200 ms and
lines missed, per runtime. The target is absolute (200 ms); the ratio to docker run is given for
scale only, since the baseline is a single pipe of about a millisecond. --cloudwatch-down configures
CloudWatch shipping at a closed port on 127.0.0.1, so the worker's shipper fails and retries throughout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import threading
import time
import uuid

import harness

from tests.support.actors import acting

TARGET_MS = 200.0
INTERVAL = 0.05
HANDLERS = {
    "python": (
        "import time\n"
        "def handler(event, ctx):\n"
        "    for i in range(event['body']):\n"
        "        print(f'T {time.time():.6f} {i}', flush=True)\n"
        f"        time.sleep({INTERVAL})\n"
        "    return {'ok': True}\n"
    ),
    "node": (
        "export default async function handler(event) {\n"
        "  for (let i = 0; i < event.body; i++) {\n"
        "    console.log(`T ${((performance.timeOrigin + performance.now()) / 1000).toFixed(6)} ${i}`);\n"
        f"    await new Promise((r) => setTimeout(r, {int(INTERVAL * 1000)}));\n"
        "  }\n"
        "  return { ok: true };\n"
        "}\n"
    ),
}


def printed_at(line: str) -> float | None:
    parts = line.split()
    return float(parts[1]) if len(parts) == 3 and parts[0] == "T" else None


class Subscriber(threading.Thread):
    """One live follower with its own Redis connection, recording arrival - print time per line."""

    def __init__(self, channel: str):
        super().__init__(daemon=True)
        import redis

        from app.core.settings import settings

        self.pubsub = redis.Redis.from_url(settings.redis_url).pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(channel)
        self.pubsub.get_message(timeout=5)  # the subscribe confirmation: from here on nothing is missed
        self.latencies: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            msg = self.pubsub.get_message(timeout=0.2)
            if msg:
                received = time.time()
                sent = printed_at(json.loads(msg["data"])["line"])
                if sent is not None:
                    self.latencies.append(received - sent)
        self.pubsub.close()


class SseSubscriber(threading.Thread):
    """A follower of GET /api/v1/runs/{id}/logs?follow=1 (server-sent events) on the real web app."""

    def __init__(self, base_url: str, token: str, run_id):
        super().__init__(daemon=True)
        import httpx

        self.client = httpx.Client(base_url=base_url, headers={"authorization": f"Bearer {token}"}, timeout=None)
        self.stream = self.client.stream("GET", f"/api/v1/runs/{run_id}/logs", params={"follow": 1})
        self.response = self.stream.__enter__()
        assert self.response.status_code == 200, self.response.status_code
        self.latencies: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        for raw in self.response.iter_lines():  # ends with the run (event: end)
            if raw.startswith("data: "):
                received = time.time()
                sent = printed_at(json.loads(raw[6:]).get("line", ""))
                if sent is not None:
                    self.latencies.append(received - sent)
        self.stream.__exit__(None, None, None)
        self.client.close()


WEB: dict = {}  # base_url and token of the web app the SSE followers use, when started


def runpad_run(version, lines: int, subscribers: int, sse_subscribers: int = 0) -> list[list[float]]:
    from app.core.db import session
    from app.services import logs, runs
    from workers import dispatch

    with session() as s:
        run = runs.create(
            s,
            version,
            "tryout",
            lines,
            network=False,
            workspace_id=acting(WEB.get("user_id")).workspace_id,
            owner_id=WEB.get("user_id"),
        )
        s.commit()
    subs = [Subscriber(logs.channel("run", run.id)) for _ in range(subscribers)]
    subs += [SseSubscriber(WEB["base_url"], WEB["token"], run.id) for _ in range(sse_subscribers)]
    for sub in subs:
        sub.start()
    dispatch.enqueue_run(run.id, "tryout")
    done = runs.wait(run.id, timeout=120)
    assert done.status == "succeeded", (done.status, done.error)
    time.sleep(0.5)  # the last lines are already published; let the threads read them
    for sub in subs:
        sub.done.set()
        sub.join(5)
    return [sub.latencies for sub in subs]


def docker_run(image: str, runtime: str, lines: int) -> list[float]:
    from app.core import runtimes

    payload = json.dumps(
        {"code": HANDLERS[runtime], "event": {"body": lines}, "ctx": {}, "secrets": {}, "nonce": uuid.uuid4().hex}
    ).encode()
    proc = subprocess.Popen(
        [
            "docker",
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            "--user",
            "10001:10001",
            image,
            *runtimes.row(runtime).command,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    proc.stdin.write(payload)
    proc.stdin.close()
    latencies = []
    for raw in proc.stdout:  # line by line, as it comes
        received = time.time()
        sent = printed_at(raw.decode(errors="replace"))
        if sent is not None:
            latencies.append(received - sent)
    assert proc.wait() == 0
    return latencies


def stats(samples: list[float], expected: int) -> dict:
    ms = sorted(s * 1000 for s in samples)
    return {
        "deliveries": len(ms),
        "missed": expected - len(ms),
        "p50_ms": round(harness.percentile(ms, 50), 2),
        "p99_ms": round(harness.percentile(ms, 99), 2),
        "max_ms": round(ms[-1], 2),
        "within_200ms": round(sum(v <= TARGET_MS for v in ms) / max(1, expected), 4),
    }


def measure(runtime: str, runs: int, subscribers: int, lines: int, sse: int = 0) -> dict:
    from app.core.db import session
    from app.services import versions
    from workers.runtime.images import dependency_image_ref

    base = versions.base_for(runtime)  # the worker published it when it started
    with session() as s:
        version = versions.new_version(s, base, HANDLERS[runtime], [], [])
        s.commit()
    image = dependency_image_ref(version.deps_hash)
    runpad_run(version, 5, 1)  # warm up: builds the image, fills the pool
    docker_run(image, runtime, 5)
    ours, base = [], []
    for _ in range(runs):  # interleaved, so machine noise hits both alike
        ours += [v for per_sub in runpad_run(version, lines, subscribers, sse) for v in per_sub]
        base += docker_run(image, runtime, lines)
    a, b = stats(ours, runs * lines * (subscribers + sse)), stats(base, runs * lines)
    return {
        "runpad": a,
        "docker_run": b,
        "p50_ratio": round(a["p50_ms"] / max(b["p50_ms"], 0.01), 2),
        "meets_target": a["missed"] == 0 and a["max_ms"] <= TARGET_MS,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--subscribers", type=int, default=5)
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--sse", type=int, default=2, help="followers of the SSE endpoint, besides Redis ones")
    parser.add_argument("--cloudwatch-down", action="store_true", help="ship to a closed port meanwhile")
    args = parser.parse_args()
    harness.fresh_database()
    web = start_sse_web() if args.sse else None
    if args.cloudwatch_down:
        from app.integrations import cloudwatch

        cloudwatch.configure(
            "us-east-1", "/runpad/bench", "bench", "bench", endpoint_url=f"http://127.0.0.1:{closed_port()}"
        )
    from tests.support.worker_process import WorkerProcess
    from workers.runtime.network import ensure_run_network

    ensure_run_network()
    worker = WorkerProcess(f"bench-logs-{uuid.uuid4().hex[:6]}").start()
    try:
        report = {rt: measure(rt, args.runs, args.subscribers, args.lines, args.sse) for rt in ("python", "node")}
    finally:
        worker.stop()
        if web is not None:
            web.stop()
    print(
        json.dumps(
            {
                "target": f"every line to every subscriber within {TARGET_MS:.0f} ms",
                "subscribers": args.subscribers,
                "sse_subscribers": args.sse,
                "lines_per_run": args.lines,
                "cloudwatch": "down" if args.cloudwatch_down else "not configured",
                **report,
            },
            indent=2,
        )
    )


def start_sse_web():
    """The real ASGI app on 127.0.0.1 (as bench/hook_latency.py serves it) and a user with a token."""
    from app.services import tokens, users
    from tests.support.api_process import ApiProcess

    user = users.create(f"bench-{uuid.uuid4().hex[:6]}@runpad.local", "bench-password-1")
    WEB.update(user_id=user.id, token=tokens.issue(user.id)[1])
    web = ApiProcess("bench-logs-web").start()
    WEB["base_url"] = web.url
    return web


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket closes


if __name__ == "__main__":
    main()
