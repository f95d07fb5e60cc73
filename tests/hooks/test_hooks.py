"""Hook URLs (contract §3) through the real app, a real worker, PostgreSQL, Redis and Docker."""

import base64
import json
import uuid

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from app.api.hooks_app import app as hooks_app
from app.core.db import session
from app.models import Run
from app.services import builds, hooks, queue, runs, scripts
from tests.support.actors import acting
from tests.support.scripts import built_script, unbuilt_script
from tests.support.worker_process import WorkerProcess

pytestmark = pytest.mark.usefixtures("docker_ready")
ECHO = "export default async (event) => ({ statusCode: 201, headers: { 'x-echo': 'yes' }, body: event });"


@pytest.fixture(scope="module")
def worker():
    w = WorkerProcess(f"hooks-worker-{uuid.uuid4().hex[:6]}").start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def client(worker):
    with TestClient(hooks_app) as c:
        yield c


def http_script(code=ECHO, runtime="node", auth="none", deps=(), build=True, **kw):
    save = built_script if build else unbuilt_script
    return save(
        acting(), f"hook-{uuid.uuid4()}", runtime, code, list(deps), trigger={"type": "http", "http_auth": auth}, **kw
    )


def run_count(script_id) -> int:
    with session() as s:
        return s.scalar(select(func.count()).select_from(Run).where(Run.script_id == script_id))


def test_json_body_headers_query_method_and_sub_path_reach_the_handler(client):
    saved = http_script()
    r = client.post(
        f"/hooks/{saved.script.hook_token}/orders/42?a=1&b=2", json={"n": [1, 2]}, headers={"X-Custom": "Value"}
    )
    assert r.status_code == 201 and r.headers["x-echo"] == "yes"
    event = r.json()
    assert event["trigger"] == "http" and event["method"] == "POST" and event["path"] == "/orders/42"
    assert event["query"] == {"a": "1", "b": "2"} and event["body"] == {"n": [1, 2]}
    assert event["headers"]["x-custom"] == "Value" and "content-type" in event["headers"]
    assert event["run_id"] == r.headers["x-runpad-run-id"]


@pytest.mark.parametrize(
    "kwargs,expected_body",
    [
        ({"content": "plain text é", "headers": {"content-type": "text/plain; charset=utf-8"}}, "plain text é"),
        ({"data": {"a": "1", "b": "x y"}}, "a=1&b=x+y"),
        ({"content": b"", "headers": {}}, None),
    ],
)
def test_text_form_and_empty_bodies(client, kwargs, expected_body):
    saved = http_script()
    event = client.put(f"/hooks/{saved.script.hook_token}", **kwargs).json()
    assert event["method"] == "PUT" and event["path"] == "/" and event["body"] == expected_body
    assert "body_base64" not in event


def test_binary_body_arrives_as_base64(client):
    saved = http_script()
    raw = bytes(range(256))
    event = client.post(
        f"/hooks/{saved.script.hook_token}", content=raw, headers={"content-type": "application/octet-stream"}
    ).json()
    assert event["body"] is None and base64.b64decode(event["body_base64"]) == raw


@pytest.mark.parametrize(
    "runtime,code,status,body,ctype",
    [
        (
            "node",
            "export default () => ({ statusCode: 418, headers: {'content-type': 'text/plain'}, body: 'teapot' });",
            418,
            b"teapot",
            "text/plain",
        ),
        ("node", "export default () => [1, 'two'];", 200, b'[1, "two"]', "application/json"),
        (
            "python",
            "def handler(e, c):\n    return {'statusCode': 302, 'headers': {'Location': '/x'}}\n",
            302,
            b"",
            None,
        ),
        ("python", "def handler(e, c):\n    return {'statusCode': True, 'body': 1}\n", 200, None, "application/json"),
        ("python", "def handler(e, c):\n    return 'plain'\n", 200, b'"plain"', "application/json"),
    ],
)
def test_response_mapping(client, runtime, code, status, body, ctype):
    saved = http_script(code, runtime)
    r = client.get(f"/hooks/{saved.script.hook_token}", follow_redirects=False)
    assert r.status_code == status
    if body is not None:
        assert r.content == body
    if ctype:
        assert r.headers["content-type"].startswith(ctype)


def test_a_throw_is_500_and_a_timeout_504_with_the_run_id(client):
    saved = http_script("export default () => { throw new Error('nope'); };")
    r = client.post(f"/hooks/{saved.script.hook_token}")
    assert r.status_code == 500 and "nope" in r.json()["error"] and r.json()["run_id"]
    slow = http_script("def handler(e, c):\n    while True:\n        pass\n", "python", timeout_seconds=1)
    r = client.post(f"/hooks/{slow.script.hook_token}")
    assert r.status_code == 504 and r.json()["error"] == "timeout"
    assert runs.get(uuid.UUID(r.json()["run_id"])).status == "timed_out"


def test_headers_that_could_split_a_response_are_dropped(client):
    saved = http_script(
        "export default () => ({ statusCode: 200, headers: {'x-ok': '1',"
        " 'x-bad': 'a\\r\\nx-injected: 1', 'content-length': '99999', 'x-é': 'v'}, body: 'b' });"
    )
    r = client.get(f"/hooks/{saved.script.hook_token}")
    assert r.status_code == 200 and r.headers["x-ok"] == "1" and r.content == b"b"
    assert "x-injected" not in r.headers and "x-bad" not in r.headers


@pytest.mark.parametrize("how", ["query", "prefer"])
def test_async_answers_202_and_the_run_finishes(client, how):
    saved = http_script()
    url = f"/hooks/{saved.script.hook_token}" + ("?async=1" if how == "query" else "")
    headers = {"Prefer": "respond-async"} if how == "prefer" else {}
    r = client.post(url, json={"x": 1}, headers=headers)
    assert r.status_code == 202 and set(r.json()) == {"run_id", "status_url"}
    assert r.json()["status_url"].endswith(f"/api/v1/runs/{r.json()['run_id']}")
    done = runs.wait(uuid.UUID(r.json()["run_id"]), timeout=60)
    assert done.status == "succeeded" and done.result["body"]["body"] == {"x": 1}


def test_bearer_auth(client):
    saved = http_script(auth="bearer")
    url = f"/hooks/{saved.script.hook_token}"
    assert saved.hook_secret
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": saved.hook_secret}):
        assert client.post(url, headers=headers).status_code == 401
    assert run_count(saved.script.id) == 0  # failing auth creates no run
    assert client.post(url, headers={"Authorization": f"Bearer {saved.hook_secret}"}).status_code == 201


def test_rotation_retires_the_old_url_and_secret(client):
    saved = http_script(auth="bearer")
    old_url, old_secret = f"/hooks/{saved.script.hook_token}", saved.hook_secret
    script, new_secret = scripts.rotate_hook_token(acting(), saved.script.id)
    assert client.post(old_url, headers={"Authorization": f"Bearer {old_secret}"}).status_code == 404
    new_url = f"/hooks/{script.hook_token}"
    assert len(script.hook_token) >= 32
    assert client.post(new_url, headers={"Authorization": f"Bearer {old_secret}"}).status_code == 401
    assert client.post(new_url, headers={"Authorization": f"Bearer {new_secret}"}).status_code == 201


def test_unknown_disabled_deleted_and_non_http_scripts_are_404(client):
    assert client.get("/hooks/" + "x" * 43).status_code == 404
    disabled = http_script(enabled=False)
    assert client.get(f"/hooks/{disabled.script.hook_token}").status_code == 404
    deleted = http_script()
    scripts.delete(acting(), deleted.script.id)
    assert client.get(f"/hooks/{deleted.script.hook_token}").status_code == 404
    switched = http_script()
    scripts.update(acting(), switched.script.id, {"trigger": {"type": "manual"}})
    assert client.get(f"/hooks/{switched.script.hook_token}").status_code == 404


def test_not_built_and_failed_build_are_409(client):
    pending = http_script(deps=["dayjs@1.11.10"], build=False)  # a set no other test builds
    assert builds.get(pending.build.id).status == "queued"
    r = client.post(f"/hooks/{pending.script.hook_token}")
    assert r.status_code == 409 and "not built yet" in r.json()["error"]
    broken = http_script("x = 1\n", "python", deps=["runpad-no-such-package-xyz==0.0.1"])
    r = client.post(f"/hooks/{broken.script.hook_token}")
    assert r.status_code == 409 and "build failed" in r.json()["error"]
    assert run_count(broken.script.id) == 0


def test_oversized_body_is_413_and_creates_no_run(client):
    saved = http_script()
    r = client.post(f"/hooks/{saved.script.hook_token}", content=b"x" * (6 * 1024 * 1024 + 1))
    assert r.status_code == 413 and run_count(saved.script.id) == 0


def test_a_body_within_the_limit_whose_event_is_over_it_is_413_not_an_error(client):
    saved = http_script()
    r = client.post(
        f"/hooks/{saved.script.hook_token}", content=b"x" * (6 * 1024 * 1024), headers={"content-type": "text/plain"}
    )
    assert r.status_code == 413 and "the limit is" in r.json()["error"] and run_count(saved.script.id) == 0


def test_invalid_json_is_400(client):
    saved = http_script()
    r = client.post(f"/hooks/{saved.script.hook_token}", content=b"{nope", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"] and run_count(saved.script.id) == 0


def test_a_broker_outage_ends_the_committed_run_as_failed_never_queued():
    saved = http_script()
    req = hooks.HookRequest(saved.script.hook_token, "POST", "/", {}, {}, b"")
    with queue.using(queue.Memory(failing=ConnectionError("Redis is unreachable"))):
        reply = hooks.accept(req)
    assert reply.status == 503
    run = runs.get(reply.run_id)
    assert run.status == "failed" and "could not queue the run: Redis is unreachable" in run.error
    assert json.loads(reply.body)["run_id"] == str(run.id)
