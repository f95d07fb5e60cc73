"""The try-out console, run pages and versions page: the log download (/ui/runs/<id>/log.txt), the
batched live log the pages follow, and what the pages show (JSON check, durations, search, version
changes, restore), against the real PostgreSQL, Redis and, for a real try-out, a worker with Docker."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from contextlib import aclosing
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.api.main import api
from app.models import RunStatus
from app.services import launch, logs, queue, runs, scripts, sessions, users
from app.views import live_log, run_views, version_views
from state.messages import told
from state.tryout import STARTING
from tests.support.actors import acting

PASSWORD = "a long enough test password"


def new_user():
    user = users.create(f"ui-{uuid.uuid4().hex[:10]}@example.com", PASSWORD)
    _, token = sessions.login(user.email, PASSWORD)
    return user, token


def queued_tryout(owner_id, code="x = 1\n"):
    with queue.using(queue.Memory()):  # it stays queued: no worker is sent it
        return launch.tryout(acting(owner_id), "python", code, [], [], {})


def logged(run, lines):
    sink = logs.LogSink("run", run.id)
    for stream, text in lines:
        sink.write(stream, text)
    sink.flush()


# ---- the log download -------------------------------------------------------------------------


def as_session(token):
    return {"cookie": f"runpad_session={token}"}


@pytest.fixture(scope="module")
def client():
    with TestClient(api) as http:
        yield http


def test_the_log_download_needs_a_live_session(client):
    owner, token = new_user()
    run = queued_tryout(owner.id)
    assert client.get(f"/ui/runs/{run.id}/log.txt").status_code == 401
    assert client.get(f"/ui/runs/{run.id}/log.txt", headers=as_session("not-a-session")).status_code == 401
    sessions.logout(token)
    assert client.get(f"/ui/runs/{run.id}/log.txt", headers=as_session(token)).status_code == 401


def test_another_users_run_or_a_bad_id_is_not_found(client):
    owner, _ = new_user()
    _, stranger_token = new_user()
    run = queued_tryout(owner.id)
    logged(run, [("stdout", "private")])
    answer = client.get(f"/ui/runs/{run.id}/log.txt", headers=as_session(stranger_token))
    assert answer.status_code == 404 and "private" not in answer.text
    for bad in (uuid.uuid4(), "not-a-uuid"):
        assert client.get(f"/ui/runs/{bad}/log.txt", headers=as_session(stranger_token)).status_code == 404


def test_the_owner_downloads_the_whole_log_as_an_attachment(client):
    owner, token = new_user()
    run = queued_tryout(owner.id)
    logged(run, [("stdout", "hello"), ("stderr", "oops: ünïcode")])
    answer = client.get(f"/ui/runs/{run.id}/log.txt", headers=as_session(token))
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == f'attachment; filename="run-{run.id}.log"'
    assert answer.text == logs.as_text(logs.read("run", run.id))
    lines = answer.text.splitlines()
    assert lines[0].endswith(" stdout hello") and lines[1].endswith(" stderr oops: ünïcode")


# ---- the live log -------------------------------------------------------------------------------


def follow_all(run_id, after_seq=0, timeout=20):
    async def consume():
        async with aclosing(live_log.batches(run_id, after_seq, idle=0.3)) as stream:
            return [batch async for batch in stream]

    return asyncio.run(asyncio.wait_for(consume(), timeout))


def test_lines_printed_while_following_arrive_in_batches_then_the_end():
    run = queued_tryout(None)
    sink = logs.LogSink("run", run.id)
    sink.write("stdout", "before")
    sink.flush()

    def print_lines():
        time.sleep(0.5)
        for n in range(60):  # a burst: far fewer batches than lines
            sink.write("stderr" if n % 2 else "stdout", f"line {n}")
        time.sleep(0.8)  # a pause: the follower yields empty batches meanwhile
        sink.write("stdout", "last")
        sink.flush()
        runs.finish(run.id, RunStatus.succeeded, result={"ok": True})

    thread = threading.Thread(target=print_lines)
    thread.start()
    got = follow_all(run.id)
    thread.join()
    rows = [row for batch in got for row in batch.rows]
    assert [r.parts[0].text for r in rows] == ["before", *[f"line {n}" for n in range(60)], "last"]
    assert [r.seq for r in rows] == list(range(1, 63))
    assert rows[2].stream == "stderr" and rows[1].stream == "stdout"
    assert got[-1].status == "succeeded" and all(b.status is None for b in got[:-1])
    assert len([b for b in got if b.rows]) < 20
    assert any(not b.rows for b in got[:-1])  # idle batches let the page check whether it still follows


def test_following_resumes_after_the_last_line_shown():
    run = queued_tryout(None)
    logged(run, [("stdout", "a"), ("stdout", "b"), ("stdout", "c")])
    runs.finish_if_queued(run.id, RunStatus.cancelled, "cancelled before it started")
    got = follow_all(run.id, after_seq=2)
    assert [r.parts[0].text for b in got for r in b.rows] == ["c"] and got[-1].status == "cancelled"


# ---- what the pages show ---------------------------------------------------------------------------


def test_the_event_json_check_says_where_the_mistake_is():
    assert run_views.event_json_error('{"name": "Ada"}') == ""
    assert run_views.event_json_error("[1, 2]") == ""
    assert run_views.event_json_error('{\n  "a": 1,\n  "b" 2\n}') == "Line 3, column 7: Expecting ':' delimiter."
    assert run_views.event_json_error("{'a': 1}").startswith("Line 1, column 2:")
    assert run_views.event_json_error("  ").startswith("Enter a JSON value")


def test_durations_and_times_read_naturally():
    assert [run_views.format_duration(ms) for ms in (None, 0, 850, 2430, 65_000, 600_000)] == [
        "—",
        "0 ms",
        "850 ms",
        "2.4 s",
        "1 min 05 s",
        "10 min 00 s",
    ]
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    ago = [run_views.relative_time(now - timedelta(seconds=s), now) for s in (3, 45, 300, 7200, 172800)]
    assert ago == ["just now", "45 s ago", "5 min ago", "2 h ago", "2 d ago"]
    assert run_views.relative_time(now - timedelta(days=90), now) == "2025-10-04"
    assert run_views.exact_time(now) == "2026-01-02 12:00:00 UTC"


def test_a_log_search_keeps_matching_lines_and_marks_every_match():
    ts = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    rows = [
        run_views.log_row(1, ts, "stdout", "Connecting to db"),
        run_views.log_row(2, ts.isoformat(), "stderr", "DB error: db down"),
        run_views.log_row(3, ts, "stdout", "done"),
    ]
    assert rows[0].time == "03:04:05.678" and rows[1].stamp == ts.isoformat()
    assert run_views.search(rows, "  ") == rows
    found = run_views.search(rows, "DB")
    assert [r.seq for r in found] == [1, 2]
    assert [(p.text, p.hit) for p in found[1].parts] == [
        ("DB", True),
        (" error: ", False),
        ("db", True),
        (" down", False),
    ]
    assert [(p.text, p.hit) for p in found[0].parts] == [("Connecting to ", False), ("db", True)]
    assert run_views.search(rows, "nothing like it") == []
    assert rows[1].parts[0].text == "DB error: db down"  # the unfiltered rows are left as they were


def test_a_try_out_that_cannot_start_says_why():
    with pytest.raises(launch.LaunchError) as caught:
        launch.tryout(acting(), "python", "x = 1\n", ["not a valid requirement!!"], [], {})
    assert told(caught.value, STARTING).startswith("The try-out did not start: invalid PyPI requirement")
    assert told(queue.QueueUnavailable("down"), STARTING) == (
        "The try-out did not start: the run queue is not answering. Try again in a moment."
    )


def test_a_run_summary_shows_the_result_and_waits_on_a_new_dependency_set():
    run = queued_tryout(None)
    runs.claim(run.id, "ui-test", share_slots=False)
    runs.finish(run.id, RunStatus.failed, result={"b": [1, 2]}, error="Boom")
    summary = run_views.summary_of(runs.get(run.id))
    assert summary.status == "failed" and summary.final and summary.error == "Boom"
    assert summary.result == '{\n  "b": [\n    1,\n    2\n  ]\n}' and summary.version == ""
    fresh = f"ui-test-never-built-{uuid.uuid4().hex[:8]}"
    with queue.using(queue.Memory()):
        pending = launch.tryout(acting(), "python", "x = 1\n", [f"{fresh}==1.0"], [], {})
    assert run_views.build_pending(pending.id) and run_views.summary_of(pending).installing


def test_a_history_row_and_refreshing_only_the_owners_runs():
    owner, _ = new_user()
    stranger, _ = new_user()
    run = queued_tryout(owner.id)
    row = run_views.list_row(run)
    assert (row.id, row.status, row.trigger, row.duration, row.final) == (str(run.id), "queued", "tryout", "—", False)
    assert set(run_views.runs_by_id(acting(owner), [run.id])) == {str(run.id)}
    assert run_views.runs_by_id(acting(stranger), [run.id]) == {}


# ---- versions ---------------------------------------------------------------------------------------------


def test_versions_compare_dependency_changes_and_restore_queues_the_build(memory_queue):
    owner, _ = new_user()
    saved = scripts.create(acting(owner), "versions-ui", "python", "print(1)\n", ["requests==2.31.0", "six"])
    sid = saved.script.id
    scripts.update(acting(owner), sid, {"code": "print(2)\n", "dependencies": ["requests==2.32.0", "attrs"]})
    found = version_views.history(acting(owner), sid)
    assert found.current == 2
    assert [(r.number, r.current) for r in found.rows] == [(2, True), (1, False)]
    assert found.code == {1: "print(1)\n", 2: "print(2)\n"}
    assert version_views.changes_between("python", found.rows, 1, 2) == [
        {"kind": "added", "name": "attrs", "old": "", "new": "attrs"},
        {"kind": "changed", "name": "requests", "old": "requests==2.31.0", "new": "requests==2.32.0"},
        {"kind": "removed", "name": "six", "old": "six", "new": ""},
    ]
    assert version_views.changes_between("python", found.rows, 1, 9) == []
    stranger, _ = new_user()
    with pytest.raises(scripts.NotFound):
        version_views.history(acting(stranger), sid)
    restored = version_views.restore(acting(owner), sid, 1)
    assert restored.version.number == 3 and restored.version.code == "print(1)\n"
    assert memory_queue.build_ids()[-1:] == ([restored.build.id] if restored.build_queued else [])
    with pytest.raises(scripts.NotFound):
        version_views.restore(acting(stranger), sid, 1)


def test_a_line_that_arrives_late_is_shown_in_its_place():
    ts = datetime(2026, 1, 2, tzinfo=UTC)
    rows = [run_views.log_row(n, ts, "stdout", str(n)) for n in (1, 3)]
    late = run_views.merged(rows, [run_views.log_row(2, ts, "system", "2"), run_views.log_row(4, ts, "stdout", "4")])
    assert [r.seq for r in late] == [1, 2, 3, 4]
    assert [r.seq for r in run_views.merged(rows, [run_views.log_row(5, ts, "stdout", "5")])] == [1, 3, 5]
    # the first batch of a try-out: a live line, then the stored line it overtook
    first = run_views.merged([], [run_views.log_row(2, ts, "stdout", "2"), run_views.log_row(1, ts, "system", "1")])
    assert [r.seq for r in first] == [1, 2]


# ---- a real try-out, as the console runs it ------------------------------------------------------------


@pytest.fixture(scope="module")
def worker():
    from tests.engines import start_worker

    w = start_worker(f"ui-test-worker-{uuid.uuid4().hex[:6]}", concurrency=2)
    yield w
    w.stop()


@pytest.mark.engine
def test_a_try_out_streams_its_output_then_shows_its_result(worker):
    owner, _ = new_user()
    code = (
        "import sys, time\n\ndef handler(event, ctx):\n"
        "    print('first', flush=True)\n    time.sleep(1.5)\n"
        "    print('oops', file=sys.stderr, flush=True)\n    return {'got': event['body']}\n"
    )
    run = launch.tryout(acting(owner), "python", code, [], [], {"name": "Ada"}, timeout_seconds=30)
    started = time.monotonic()
    arrivals = []

    async def consume():
        async with aclosing(live_log.batches(run.id)) as stream:
            async for batch in stream:
                arrivals.extend((time.monotonic() - started, row) for row in batch.rows)
                if batch.status:
                    return batch.status

    assert asyncio.run(asyncio.wait_for(consume(), 120)) == "succeeded"
    printed = [(row.stream, row.parts[0].text) for _, row in arrivals if row.stream != "system"]
    assert printed == [("stdout", "first"), ("stderr", "oops")]
    first_at, oops_at = (at for at, row in arrivals if row.stream != "system")
    assert oops_at - first_at > 1.0  # "first" was shown while the handler still slept
    summary = run_views.summary_of(runs.get(run.id))
    assert summary.final and summary.result == '{\n  "got": {\n    "name": "Ada"\n  }\n}'
