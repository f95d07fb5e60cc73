"""Memory of every Runpad process as scripts/install.sh starts them: idle, under hook load, and after it.

Each service (hooks, web, worker, scheduler) is the session its pid file in /run/runpad names, so its
forked workers and threads count with it. RSS counts a page shared between a parent and its forked
workers once per process, so PSS (each shared page divided among its sharers) is given beside it.
The warm pool's containers are reported apart, per container (docker stats).

    RUNPAD_URL=http://127.0.0.1:3000 RUNPAD_TOKEN=... .venv/bin/python bench/footprint.py [--calls 2000]

The load is a Node.js hook answering {echo: event.body}, made through the REST API, called by 16
clients at once; it is run with ?async=1 so the calls queue as fast as the listener takes them."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

RUN_DIR = Path("/run/runpad")
SERVICES = ("hooks", "web", "worker", "scheduler")
ECHO = "export default async (event) => ({ echo: event.body });\n"


@dataclass
class Usage:
    processes: int = 0
    rss_mb: float = 0.0
    pss_mb: float = 0.0


def _kb(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:  # the process ended meanwhile
        pass
    return 0


def _session_of(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[3])  # fields after the command: state ppid pgrp session


def usage() -> dict[str, Usage]:
    sessions = {}
    for name in SERVICES:
        pidfile = RUN_DIR / f"{name}.pid"
        if pidfile.exists():
            sessions[int(pidfile.read_text().strip())] = name
    found = {name: Usage() for name in sessions.values()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        name = sessions.get(_session_of(entry.name) or -1)
        if name is None:
            continue
        u = found[name]
        u.processes += 1
        u.rss_mb += _kb(entry / "status", "VmRSS") / 1024
        u.pss_mb += _kb(entry / "smaps_rollup", "Pss") / 1024
    return found


def total(found: dict[str, Usage]) -> Usage:
    return Usage(
        sum(u.processes for u in found.values()),
        sum(u.rss_mb for u in found.values()),
        sum(u.pss_mb for u in found.values()),
    )


def warm_pool() -> dict:
    """Memory per warm-pool container (what an idle prepared container costs)."""
    ids = subprocess.run(
        ["docker", "ps", "-q", "--filter", "label=runpad.pool"], capture_output=True, text=True
    ).stdout.split()
    if not ids:
        return {"containers": 0}
    out = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{json .}}", *ids], capture_output=True, text=True
    ).stdout
    mib = []
    for line in out.splitlines():
        used = json.loads(line)["MemUsage"].split("/")[0].strip()
        number, unit = float(used.rstrip("KMGiB")), used.lstrip("0123456789.")
        mib.append(number * {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}.get(unit, 1))
    return {"containers": len(mib), "mb_each": round(sum(mib) / len(mib), 1), "mb_all": round(sum(mib), 1)}


def hook(api: httpx.Client) -> str:
    r = api.post(
        "/scripts",
        json={"name": f"footprint-{os.getpid()}", "runtime": "node", "code": ECHO, "trigger": {"type": "http"}},
    )
    r.raise_for_status()
    script = r.json()
    deadline = time.monotonic() + 600
    while api.get(f"/scripts/{script['id']}").json()["deployed_version"] is None:
        if time.monotonic() > deadline:
            raise RuntimeError("the hook script did not go live within 10 minutes")
        time.sleep(1)
    return script["hook_url"]


def load(url: str, calls: int, clients: int, settle: float) -> tuple[Usage, float]:
    """Fires the calls, then waits `settle` seconds while the worker drains them, sampling memory
    throughout; returns the peak and how long the calls took to be accepted."""
    peak, done = Usage(), threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            now = total(usage())
            if now.rss_mb > peak.rss_mb:
                peak = now
            done.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda i: client.post(url, params={"async": "1"}, json={"n": i}).status_code, range(calls)))
    took = time.monotonic() - started
    time.sleep(settle)
    done.set()
    sampler.join()
    return peak, took


def rows(label: str, found: dict[str, Usage]) -> list[str]:
    lines = [f"| {label}: {name} | {u.processes} | {u.rss_mb:.0f} | {u.pss_mb:.0f} |" for name, u in found.items()]
    t = total(found)
    return [*lines, f"| **{label}: all** | {t.processes} | **{t.rss_mb:.0f}** | **{t.pss_mb:.0f}** |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--settle", type=float, default=60.0, help="seconds of draining after the calls")
    args = parser.parse_args()
    base, token = os.environ["RUNPAD_URL"].rstrip("/"), os.environ["RUNPAD_TOKEN"]
    idle = usage()
    pool = warm_pool()
    with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
        url = hook(api)
    peak, took = load(url, args.calls, args.clients, args.settle)
    after = usage()
    print("| state: service | processes | RSS MB | PSS MB |\n| --- | --- | --- | --- |")
    print("\n".join([*rows("idle", idle), *rows("after", after)]))
    p = peak
    print(f"| **peak under load** | {p.processes} | **{p.rss_mb:.0f}** | **{p.pss_mb:.0f}** |")
    print(f"\n{args.calls} async hook calls from {args.clients} clients accepted in {took:.1f} s")
    print(f"warm pool: {json.dumps(pool)}")


if __name__ == "__main__":
    main()
