"""A synchronous hook call waits without a thread or a database connection, and a pool with no
connection free answers "busy", not "the database is not answering". Real app, PostgreSQL, Redis."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.core.db import engine, reset_engine
from app.core.settings import settings
from app.services import runs
from tests.hooks.conftest import hook_script, run_count, run_ids, wait_until

pytestmark = pytest.mark.usefixtures("docker_ready")
SLOW = "import time\n\ndef handler(event, ctx):\n    time.sleep(50)\n"
QUICK = "def handler(event, ctx):\n    return 'quick'\n"


def test_ten_waiting_calls_hold_no_thread_nor_connection(served, hooks_worker, api_client, pool_of):
    """With 2 pooled connections and 4 server threads, 10 calls wait for their runs while the API
    still answers; had each waiter held a thread or a connection, the API call could not."""
    slow, quick = hook_script(SLOW, timeout_seconds=60), hook_script(QUICK)
    pool_of(2)
    with ThreadPoolExecutor(10) as pool, httpx.Client(timeout=120) as http:
        waiting = [pool.submit(http.post, f"{served.hooks_url}/hooks/{slow.script.hook_token}") for _ in range(10)]
        wait_until(lambda: run_count(slow.script.id) == 10, what="ten runs")
        listed = api_client.get("/scripts")
        # another hook is accepted too (asynchronously: the worker's four slots are all taken by slow runs)
        other = http.post(f"{served.hooks_url}/hooks/{quick.script.hook_token}?async=1")
        early = [(c.result().status_code, c.result().text) for c in waiting if c.done()]
        assert not early  # all ten still waiting meanwhile
        assert listed.status_code == 200, listed.text
        assert other.status_code == 202, other.text
        for run_id in run_ids(slow.script.id):
            runs.cancel(run_id)
        answers = [call.result() for call in waiting]
    assert [r.status_code for r in answers] == [500] * 10  # cancelled: each waiter got its own answer
    assert {r.json()["run_id"] for r in answers} == {str(i) for i in run_ids(slow.script.id)}


def test_no_free_connection_is_busy_not_a_database_outage(served, api_client, pool_of):
    saved = hook_script(QUICK)
    pool_of(1, timeout=1.0)
    held = engine().connect()  # the only connection: everyone else waits a second, then gives up
    try:
        hook = httpx.post(f"{served.hooks_url}/hooks/{saved.script.hook_token}", timeout=30)
        listed = api_client.get("/scripts")
    finally:
        held.close()
    assert hook.status_code == 503 and "busy" in hook.json()["error"] and int(hook.headers["retry-after"]) >= 1
    assert listed.status_code == 503 and listed.json()["error"] == "busy"
    assert int(listed.headers["retry-after"]) >= 1
    assert run_count(saved.script.id) == 0


def test_an_unreachable_database_still_says_so(served, monkeypatch):
    saved = hook_script(QUICK)
    monkeypatch.setattr(settings, "database_url", "postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    reset_engine()
    try:
        hook = httpx.post(f"{served.hooks_url}/hooks/{saved.script.hook_token}", timeout=30)
        listed = httpx.get(f"{served.url}/api/v1/scripts", headers={"authorization": "Bearer x"}, timeout=30)
    finally:
        monkeypatch.undo()
        reset_engine()
    assert hook.status_code == 503 and "not answering" in hook.json()["error"]
    assert listed.status_code == 503 and listed.json()["error"] == "unavailable"
