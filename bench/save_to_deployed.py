"""Save to deployed for code whose packages are detected, not declared (issue 14).

    python bench/save_to_deployed.py

Known set: a script importing packages whose pinned set already has an image is saved again with
other code; the new version should go live in the save itself, with no build (target: under 1 s).
New set: code importing a set no image has yet (a `requires:` comment pins another version each
round) is saved and followed until it is live, through a real Celery worker's build; beside it, in
the same run, a plain install of the same packages on this machine (`npm install --prefix` and
`pip install --target` into an empty folder, no cache), which is the floor a build cannot go under.
Prints JSON."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import harness

from tests.support.actors import acting

NODE_SETS = [("dayjs", v) for v in ("1.11.11", "1.11.12", "1.11.13")]
PYTHON_SETS = [("six", v) for v in ("1.15.0", "1.16.0", "1.17.0")]


def node_code(name: str, version: str, tag: str) -> str:
    return f'import lib from "{name}"; // requires: {name}@{version}\nexport default () => ({{ tag: "{tag}" }});\n'


def python_code(name: str, version: str, tag: str) -> str:
    return f"import {name}  # requires: {name}=={version}\n\n\ndef handler(e, c):\n    return {{'tag': '{tag}'}}\n"


CODE = {"node": node_code, "python": python_code}


def until_live(script_id: uuid.UUID, number: int, timeout: float = 900) -> None:
    from app.services import scripts

    deadline = time.monotonic() + timeout
    while scripts.get(acting(), script_id).deployed_version != number:
        if time.monotonic() > deadline:
            raise RuntimeError(f"version {number} of {script_id} did not go live")
        time.sleep(0.02)


def plain_install(runtime: str, name: str, version: str) -> float:
    folder = tempfile.mkdtemp(prefix="bench-install-")
    if runtime == "node":
        command = ["npm", "install", "--prefix", folder, "--no-audit", "--no-fund", "--cache", f"{folder}/.npm"]
        command.append(f"{name}@{version}")
    else:
        command = [sys.executable, "-m", "pip", "install", "-q", "--no-cache-dir", "--target", folder]
        command.append(f"{name}=={version}")
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    took = time.perf_counter() - started
    shutil.rmtree(folder, ignore_errors=True)
    return took


def measure(runtime: str, sets: list[tuple[str, str]]) -> dict:
    from app.services import scripts

    code = CODE[runtime]
    first_name, first_version = sets[0]
    saved = scripts.create(acting(), f"bench-{runtime}-{uuid.uuid4().hex[:6]}", runtime, code(*sets[0], "0"))
    until_live(saved.script.id, 1)
    known, new, plain = [], [], []
    for i in range(len(sets)):  # the set of version 1, other code: live in the save
        started = time.perf_counter()
        again = scripts.update(acting(), saved.script.id, {"code": code(first_name, first_version, f"k{i}")})
        until_live(saved.script.id, again.version.number)
        known.append(time.perf_counter() - started)
        assert not again.build_queued, "a known set was built again"
    for name, version in sets[1:]:
        started = time.perf_counter()
        fresh = scripts.create(acting(), f"bench-{runtime}-{uuid.uuid4().hex[:6]}", runtime, code(name, version, "n"))
        until_live(fresh.script.id, 1)
        new.append(time.perf_counter() - started)
        plain.append(plain_install(runtime, name, version))
    return {
        "known_set_save_to_live_ms": [round(t * 1000, 1) for t in known],
        "new_set_save_to_live_s": [round(t, 1) for t in new],
        "plain_install_s": [round(t, 1) for t in plain],
    }


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    harness.fresh_database()
    from app.services import queue
    from workers.dispatch import CeleryQueue

    queue.install(CeleryQueue())  # saves send their builds to the worker, as the web process does
    from tests.support.worker_process import WorkerProcess
    from workers.runtime.network import ensure_run_network

    ensure_run_network()
    worker = WorkerProcess(f"bench-deploy-{uuid.uuid4().hex[:6]}").start()
    harness.whole_worker(4)
    try:
        report = {"node": measure("node", NODE_SETS), "python": measure("python", PYTHON_SETS)}
    finally:
        worker.stop()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
