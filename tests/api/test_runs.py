"""Runs through the REST API and a real worker: manual runs and try-outs (waited for or not), history
and paging, logs as JSON, text and a live event stream, cancelling, builds; each user sees their own."""

import json
import time
import uuid

import httpx
import pytest

from tests.api.helpers import assert_error

# The worker sets up its networks and publishes its base images when it starts: this process needs no engine.
pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("worker")]

ECHO = "export default (event, ctx) => ({ got: event.body, trigger: event.trigger, version: ctx.version });"
# It waits a moment before its first line: a worker stores lines in batches, and a line printed in
# the instant before a follower subscribes reaches that follower only with the next batch.
SLOW_PRINTER = (
    "import time\ndef handler(event, ctx):\n    time.sleep(1)\n    print('first', flush=True)\n"
    "    time.sleep(2)\n    print('second')\n    return 'done'\n"
)


def saved_script(user, code=ECHO, runtime="node", **fields):
    r = user.http.post("/scripts", json={"name": "runs", "runtime": runtime, "code": code, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def tryout(user, code, runtime="python", wait=True, **fields):
    return user.http.post(
        "/tryout", params={"wait": 1} if wait else None, json={"runtime": runtime, "code": code, **fields}
    )


def wait_for(user, run_id, statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = user.http.get(f"/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} is still {run['status']}")


def test_a_manual_run_with_wait_answers_the_finished_run(alice):
    script = saved_script(alice)
    r = alice.http.post(f"/scripts/{script['id']}/runs", params={"wait": 1}, json={"event": {"n": [1, 2]}})
    assert r.status_code == 201, r.text
    run = r.json()
    assert set(run) == {
        "id",
        "script_id",
        "version",
        "trigger",
        "status",
        "event",
        "rerun_of",
        "result",
        "error",
        "exit_code",
        "scheduled_at",
        "queued_at",
        "started_at",
        "finished_at",
        "duration_ms",
        "log_truncated",
    }
    assert run["status"] == "succeeded" and run["result"] == {"got": {"n": [1, 2]}, "trigger": "manual", "version": 1}
    assert run["script_id"] == script["id"] and run["version"] == 1 and run["trigger"] == "manual"
    assert run["finished_at"] and run["duration_ms"] >= 0 and run["log_truncated"] is False
    assert r.headers["location"] == f"/api/v1/runs/{run['id']}"
    assert alice.http.get(f"/runs/{run['id']}").json() == run


def test_a_manual_run_without_wait_is_accepted_and_finishes(alice):
    script = saved_script(alice)
    r = alice.http.post(f"/scripts/{script['id']}/runs")  # no body: the event body is null
    assert r.status_code == 202 and r.json()["status"] in ("queued", "building", "running")
    assert wait_for(alice, r.json()["id"], {"succeeded"})["result"]["got"] is None


def test_an_event_over_6_mib_is_refused_with_413(alice):
    script = saved_script(alice)
    body = assert_error(
        alice.http.post(f"/scripts/{script['id']}/runs", json={"event": "x" * (6 * 1024 * 1024)}),
        413,
        "payload_too_large",
    )
    assert "limit" in body["message"]
    assert alice.http.get("/runs", params={"script_id": script["id"]}).json() == []


def test_a_tryout_runs_unsaved_code_and_its_log_is_readable_three_ways(alice):
    r = tryout(
        alice,
        "def handler(event, ctx):\n    print('hello from', ctx['trigger'])\n    return event['body'] * 2\n",
        event=21,
        timeout_seconds=20,
        memory_mb=128,
    )
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["status"] == "succeeded" and run["result"] == 42
    assert run["script_id"] is None and run["version"] is None and run["trigger"] == "tryout"
    lines = alice.http.get(f"/runs/{run['id']}/logs").json()
    assert {"stream": "stdout", "line": "hello from tryout"} in [{k: ln[k] for k in ("stream", "line")} for ln in lines]
    assert all(set(ln) == {"ts", "stream", "line"} for ln in lines)
    for kwargs in ({"params": {"format": "text"}}, {"headers": {"accept": "text/plain"}}):
        text = alice.http.get(f"/runs/{run['id']}/logs", **kwargs)
        assert text.headers["content-type"].startswith("text/plain")
        assert "attachment" in text.headers["content-disposition"]
        assert " stdout hello from tryout\n" in text.text


@pytest.mark.parametrize(
    "runtime,code,status,error",
    [
        ("node", "export default () => { throw new Error('boom'); };", "failed", "boom"),
        ("python", "import time\ndef handler(e, c):\n    time.sleep(30)\n", "timed_out", None),
    ],
)
def test_a_tryout_that_fails_or_times_out_says_so(alice, runtime, code, status, error):
    run = tryout(alice, code, runtime=runtime, timeout_seconds=1).json()
    assert run["status"] == status
    if error:
        assert error in run["error"]


def test_typescript_is_a_runtime_of_the_api(alice):
    code = (
        "enum Kind { Manual = 'manual' }\n"
        "export default (event: { body: { n: number } }, ctx: { version: number }): object =>"
        " ({ doubled: event.body.n * 2, kind: Kind.Manual, version: ctx.version });\n"
    )
    script = saved_script(alice, code=code, runtime="typescript")
    assert script["runtime"] == "typescript"
    assert alice.http.get(f"/scripts/{script['id']}").json()["runtime"] == "typescript"
    r = alice.http.post(f"/scripts/{script['id']}/runs", params={"wait": 1}, json={"event": {"n": 4}})
    assert r.json()["status"] == "succeeded" and r.json()["result"] == {"doubled": 8, "kind": "manual", "version": 1}
    # a number where the annotation says string: a type error, and it runs
    run = tryout(alice, "export default (): string => 'abc'.length;", runtime="typescript").json()
    assert run["status"] == "succeeded" and run["result"] == 3


def test_tryout_input_is_checked(alice):
    assert "runtime" in assert_error(tryout(alice, "x", runtime="ruby"), 422)["message"]
    body = assert_error(tryout(alice, "x = 1", dependencies=["requests; rm -rf /"]), 422, "invalid_request")
    assert "invalid PyPI requirement" in body["message"]
    assert "timeout_seconds" in assert_error(tryout(alice, "x = 1", timeout_seconds=0), 422)["message"]


def test_run_history_is_mine_newest_first_filtered_and_paged(alice, bob):
    script = saved_script(alice)
    ids = [
        alice.http.post(f"/scripts/{script['id']}/runs", params={"wait": 1}, json={"event": i}).json()["id"]
        for i in range(3)
    ]
    failed = tryout(alice, "raise SystemExit(3)").json()
    mine = alice.http.get("/runs").json()
    assert [r["id"] for r in mine[:4]] == [failed["id"], *reversed(ids)]
    assert bob.http.get("/runs").json() == []
    assert [r["id"] for r in alice.http.get("/runs", params={"script_id": script["id"]}).json()] == ids[::-1]
    assert [r["id"] for r in alice.http.get("/runs", params={"status": "failed"}).json()] == [failed["id"]]
    page1 = alice.http.get("/runs", params={"script_id": script["id"], "limit": 2})
    assert [r["id"] for r in page1.json()] == [ids[2], ids[1]]
    next_url = page1.links["next"]["url"]
    page2 = alice.http.get(next_url)
    assert [r["id"] for r in page2.json()] == [ids[0]] and "link" not in page2.headers
    assert_error(alice.http.get("/runs", params={"before": str(uuid.uuid4())}), 422, "invalid_request")
    assert_error(bob.http.get("/runs", params={"before": ids[0]}), 422, "invalid_request")


def test_run_again_runs_the_script_with_the_same_event(alice):
    script = saved_script(alice)
    first = alice.http.post(f"/scripts/{script['id']}/runs", params={"wait": 1}, json={"event": {"n": 7}}).json()
    r = alice.http.post(f"/runs/{first['id']}/rerun", params={"wait": 1})
    assert r.status_code == 201, r.text
    again = r.json()
    assert again["status"] == "succeeded" and again["result"] == first["result"] == {
        "got": {"n": 7},
        "trigger": "manual",
        "version": 1,
    }
    assert again["rerun_of"] == first["id"] and again["id"] != first["id"]
    assert again["event"] == {**first["event"], "run_id": again["id"]}


def test_another_users_run_is_not_found(alice, bob):
    run = tryout(alice, "print('private')").json()
    for method, path in [
        ("GET", ""),
        ("GET", "/logs"),
        ("GET", "/logs?follow=1"),
        ("POST", "/cancel"),
        ("POST", "/rerun"),
    ]:
        assert_error(bob.http.request(method, f"/runs/{run['id']}{path}"), 404, "not_found")
    assert_error(bob.http.get(f"/runs/{uuid.uuid4()}"), 404, "not_found")


def read_events(response: httpx.Response):
    """(arrival time, event name, id, data) for each Server-Sent Event of a streamed response."""
    event, data, seq = "message", [], None
    for raw in response.iter_lines():
        if raw == "":
            if data:
                yield time.monotonic(), event, seq, json.loads("\n".join(data))
            event, data, seq = "message", [], None
        elif raw.startswith("event:"):
            event = raw[6:].strip()
        elif raw.startswith("data:"):
            data.append(raw[5:].strip())
        elif raw.startswith("id:"):
            seq = int(raw[3:].strip())


def test_following_a_log_streams_lines_while_the_run_is_still_going(alice):
    run = tryout(alice, SLOW_PRINTER, wait=False).json()
    seen = []
    with alice.http.stream("GET", f"/runs/{run['id']}/logs", params={"follow": 1}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for arrived, event, seq, data in read_events(response):
            if event == "message" and data["line"] == "first":
                status_then = alice.http.get(f"/runs/{run['id']}").json()["status"]
            seen.append((arrived, event, seq, data))
    ends = [e for e in seen if e[1] == "end"]
    assert len(ends) == 1 and seen[-1][1] == "end" and seen[-1][3] == {"status": "succeeded"}
    lines = {e[3]["line"]: e for e in seen if e[1] == "message"}
    assert status_then == "running"  # the first line came while the run was still going
    assert lines["second"][0] - lines["first"][0] > 1.5
    seqs = [e[2] for e in seen if e[1] == "message"]
    assert seqs == sorted(set(seqs))  # no line twice, in order
    stored = alice.http.get(f"/runs/{run['id']}/logs").json()
    assert [ln["line"] for ln in stored] == [e[3]["line"] for e in seen if e[1] == "message"]


def test_following_an_ended_run_replays_it_and_resumes_after_last_event_id(alice):
    run = tryout(alice, "for i in range(5):\n    print(i)\n").json()
    with alice.http.stream("GET", f"/runs/{run['id']}/logs?follow=1") as response:
        events = list(read_events(response))
    assert [e[3]["line"] for e in events if e[1] == "message"][:5] == ["0", "1", "2", "3", "4"]
    assert events[-1][1:] == ("end", None, {"status": "succeeded"})
    with alice.http.stream("GET", f"/runs/{run['id']}/logs?follow=1", headers={"last-event-id": "3"}) as response:
        resumed = list(read_events(response))
    assert [e[2] for e in resumed if e[1] == "message"][0] == 4


def test_cancel_stops_a_running_run_and_an_ended_run_cannot_be_cancelled(alice):
    run = tryout(
        alice, "import time\ndef handler(e, c):\n    time.sleep(120)\n", wait=False, timeout_seconds=300
    ).json()
    wait_for(alice, run["id"], {"running"})
    r = alice.http.post(f"/runs/{run['id']}/cancel")
    assert r.status_code == 200
    assert wait_for(alice, run["id"], {"cancelled"}, timeout=20)["finished_at"]
    body = assert_error(alice.http.post(f"/runs/{run['id']}/cancel"), 409, "conflict")
    assert "already ended (cancelled)" in body["message"]


def test_a_scripts_build_and_its_log_are_readable_by_its_owner_only(alice, bob):
    script = saved_script(alice, runtime="python", code="x = 1\n")
    run = alice.http.post(f"/scripts/{script['id']}/runs", params={"wait": 1}).json()
    assert run["status"] == "succeeded"
    build = alice.http.get(f"/builds/{script['build']['id']}").json()
    assert build["status"] == "ready" and build["runtime"] == "python" and build["dependencies"] == []
    log = alice.http.get(f"/builds/{build['id']}/logs").json()
    assert any("ready" in ln["line"] for ln in log)
    assert "ready" in alice.http.get(f"/builds/{build['id']}/logs", params={"format": "text"}).text
    assert_error(bob.http.get(f"/builds/{build['id']}"), 404, "not_found")
    assert_error(bob.http.get(f"/builds/{build['id']}/logs"), 404, "not_found")
    assert_error(alice.http.get(f"/builds/{uuid.uuid4()}"), 404, "not_found")
