"""Per-hook limits (contract §3): synchronous calls waiting at once and calls a second, per script,
counted in Redis; past them 429 with Retry-After and no run. Real app, worker, PostgreSQL, Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import anyio
import anyio.to_thread
import httpx
import pytest

from app.core.settings import settings
from app.services import hook_limits, hooks, queue
from tests.hooks.conftest import hook_script, run_count, wait_until

pytestmark = pytest.mark.usefixtures("docker_ready")
SLEEPY = (
    "import time\n\ndef handler(event, ctx):\n    time.sleep(event['body'] or 0)\n    return {'slept': event['body']}\n"
)


def _retry_after(r: httpx.Response) -> int:
    return int(r.headers["retry-after"])


def test_past_the_waiting_limit_a_call_gets_429_and_no_run(served, hooks_worker, monkeypatch):
    monkeypatch.setattr(settings, "hook_max_waiting", 2)
    saved = hook_script(SLEEPY)
    url = f"{served.hooks_url}/hooks/{saved.script.hook_token}"
    with ThreadPoolExecutor(2) as pool, httpx.Client(timeout=120) as http:
        waiting = [pool.submit(http.post, url, json=6) for _ in range(2)]
        wait_until(lambda: run_count(saved.script.id) == 2, what="two runs")
        third = http.post(url, json=0)
        assert third.status_code == 429 and _retry_after(third) >= 1, third.text
        assert "already waiting" in third.json()["error"]
        assert run_count(saved.script.id) == 2  # refused before any run was made
        assert not any(call.done() for call in waiting)  # the refusal was not a late answer
        assert http.post(f"{url}?async=1", json=0).status_code == 202  # an asynchronous call does not wait
        assert [call.result().json() for call in waiting] == [{"slept": 6}, {"slept": 6}]
        again = http.post(url, json=0)  # their slots were given back when they were answered
        assert again.status_code == 200 and again.json() == {"slept": 0}


def test_past_the_rate_a_call_gets_429_and_no_run(served, monkeypatch):
    monkeypatch.setattr(settings, "hook_rate_per_second", 3)
    saved = hook_script(SLEEPY)  # asynchronous calls only: no worker needed
    url = f"{served.hooks_url}/hooks/{saved.script.hook_token}?async=1"
    with ThreadPoolExecutor(10) as pool, httpx.Client(timeout=60) as http:
        answers = list(pool.map(lambda _: http.post(url, json=0), range(10)))
    accepted = [r for r in answers if r.status_code == 202]
    refused = [r for r in answers if r.status_code == 429]
    assert len(accepted) + len(refused) == 10 and accepted and refused, [r.status_code for r in answers]
    assert all(_retry_after(r) >= 1 and "calls a second" in r.json()["error"] for r in refused)
    assert run_count(saved.script.id) == len(accepted)


def test_the_rate_window_slides_and_counts_only_accepted_calls(monkeypatch):
    monkeypatch.setattr(settings, "hook_rate_per_second", 3)
    script_id = uuid.uuid4()
    assert [hook_limits.take_call(script_id) for _ in range(3)] == [None, None, None]
    refusal = hook_limits.take_call(script_id)
    assert refusal is not None and refusal.retry_after == 1
    assert hook_limits.take_call(uuid.uuid4()) is None  # per script
    time.sleep(1.1)  # the window is Redis's clock; a second later the first three have left it
    assert hook_limits.take_call(script_id) is None


def test_a_lease_whose_call_never_released_it_lapses(monkeypatch):
    monkeypatch.setattr(settings, "hook_max_waiting", 1)
    monkeypatch.setattr(hook_limits, "LEASE_SLACK_SECONDS", 0)
    script_id = uuid.uuid4()
    assert isinstance(hook_limits.take_waiting_slot(script_id, 0.3), hook_limits.Lease)  # never released
    assert isinstance(hook_limits.take_waiting_slot(script_id, 0.3), hook_limits.Refusal)
    time.sleep(0.5)
    lease = hook_limits.take_waiting_slot(script_id, 30)
    assert isinstance(lease, hook_limits.Lease)
    lease.release()
    assert isinstance(hook_limits.take_waiting_slot(script_id, 30), hook_limits.Lease)


def test_a_run_that_outlives_the_wait_answers_504_and_gives_its_slot_back(monkeypatch):
    monkeypatch.setattr(settings, "hook_max_waiting", 1)
    monkeypatch.setattr(hooks, "WAIT_MARGIN_SECONDS", 0)
    saved = hook_script(SLEEPY, timeout_seconds=1)
    req = hooks.HookRequest(token=saved.script.hook_token, method="POST", path="/", headers={}, query={}, body=b"")
    for _ in range(2):  # the second call is not refused: the first gave its waiting slot back
        with queue.using(queue.Memory()):  # the run stays queued past the wait
            reply = asyncio.run(hooks.call(req))
        assert reply.status == 504, reply.body
        assert reply.run_id and hooks.json.loads(reply.body) == {"error": "timeout", "run_id": str(reply.run_id)}


def test_a_caller_that_hangs_up_while_waiting_gives_its_slot_back(monkeypatch):
    monkeypatch.setattr(settings, "hook_max_waiting", 1)
    saved = hook_script(SLEEPY)
    req = hooks.HookRequest(token=saved.script.hook_token, method="POST", path="/", headers={}, query={}, body=b"")

    async def hang_up() -> None:  # as a server does when the client goes away: the call's scope is cancelled
        async with anyio.create_task_group() as calls:
            calls.start_soon(hooks.call, req)
            await anyio.to_thread.run_sync(wait_until, lambda: run_count(saved.script.id) == 1, 30, "the run")
            calls.cancel_scope.cancel()

    with queue.using(queue.Memory()):  # the run stays queued: the call is still waiting when it hangs up
        anyio.run(hang_up)
    lease = hook_limits.take_waiting_slot(saved.script.id, 30)
    assert isinstance(lease, hook_limits.Lease)
    lease.release()
