"""Following a log and waiting for a run (app.services.follow) against the real Redis and PostgreSQL,
with a LogSink writing as a worker does, including the race the follower guards against."""

import asyncio
import threading
import time

from app.models import RunStatus
from app.services import follow, launch, logs, queue, runs
from tests.support.actors import acting


def queued_run():
    with queue.using(queue.Memory()):  # it stays queued: the test plays the worker
        return launch.tryout(acting(), "python", "x = 1\n", [], [], None)


def collect(run_id, timeout=20):
    async def consume():
        return [event async for event in follow.follow_run_log(run_id)]

    return asyncio.run(asyncio.wait_for(consume(), timeout))


def test_a_line_published_before_the_follower_subscribed_and_stored_after_it_read_still_arrives_once():
    run = queued_run()
    sink = logs.LogSink("run", run.id)
    sink.write("stdout", "one")
    sink.flush()
    sink.write("stdout", "two")  # published to nobody; stored only with the next batch

    def worker():
        time.sleep(0.6)  # the follower has subscribed and read "one" by now
        sink.write("stdout", "three")  # published live, then stored together with "two"
        time.sleep(0.3)
        sink.flush()
        runs.finish(run.id, RunStatus.succeeded)

    thread = threading.Thread(target=worker)
    thread.start()
    events = collect(run.id)
    thread.join()
    lines = [(e.seq, e.line) for e in events if isinstance(e, follow.Line)]
    # "one" was stored, "three" came live, "two" filled the gap once it was stored: each exactly once
    assert lines == [(1, "one"), (3, "three"), (2, "two")]
    assert isinstance(events[-1], follow.End) and events[-1].status == "succeeded"


def test_following_resumes_after_a_given_line_and_ends_at_once_for_an_ended_run():
    run = queued_run()
    sink = logs.LogSink("run", run.id)
    for word in ("a", "b", "c"):
        sink.write("stderr", word)
    sink.flush()
    runs.finish(run.id, RunStatus.failed, error="x")
    events = asyncio.run(asyncio.wait_for(_after(run.id, 1), 10))
    assert [(e.seq, e.stream, e.line) for e in events[:-1]] == [(2, "stderr", "b"), (3, "stderr", "c")]
    assert events[-1].status == "failed"


async def _after(run_id, seq):
    return [event async for event in follow.follow_run_log(run_id, after_seq=seq)]


def test_waiting_gives_up_with_the_run_as_it_is_or_returns_when_it_ends():
    run = queued_run()
    started = time.monotonic()
    assert asyncio.run(follow.wait_for_end(run.id, 1.0)).status == "queued"
    assert 0.9 < time.monotonic() - started < 3
    threading.Timer(0.5, runs.cancel, [run.id]).start()
    started = time.monotonic()
    assert asyncio.run(follow.wait_for_end(run.id, 30)).status == "cancelled"
    assert time.monotonic() - started < 3
