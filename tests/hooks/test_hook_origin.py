"""Hooks are other people's pages (contract §3): their own origin, a sandbox policy on every response,
no cookies or CSP from handlers, and no caller credentials in the event or on the run."""

import json
import uuid

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from app.api.main import api as ide_api
from app.core.db import session
from app.core.settings import Settings, hooks_url_for, settings
from app.models import Run
from app.services import hooks, runs
from app.views.overview import hook_url
from tests.hooks.test_hooks import ECHO, http_script, run_count
from tests.support.api_process import HOOKS_APP, ApiProcess

pytestmark = pytest.mark.usefixtures("docker_ready")
CSP = "sandbox allow-scripts allow-forms allow-popups"
HOSTILE = """export default () => ({ statusCode: 200, body: '<script>document.title = 1</script>', headers: {
  'content-type': 'text/html', 'set-cookie': 'sid=stolen; Path=/', 'Set-Cookie2': 'a=b',
  'content-security-policy': "default-src *", 'Content-Security-Policy-Report-Only': "default-src *",
  'x-content-type-options': 'sniff', 'connection': 'close', 'keep-alive': 'timeout=99', 'upgrade': 'h2c',
  'proxy-authenticate': 'Basic', 'trailer': 'x-t', 'x-kept': 'yes' } });"""


def assert_sandboxed(response: httpx.Response) -> None:
    assert response.headers.get_list("content-security-policy") == [CSP]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert "set-cookie" not in response.headers


def test_a_hostile_handler_cannot_set_cookies_csp_or_hop_by_hop_headers(hooks_client):
    saved = http_script(HOSTILE)
    r = hooks_client.get(f"/hooks/{saved.script.hook_token}")
    assert r.status_code == 200 and r.text.startswith("<script>") and r.headers["x-kept"] == "yes"
    assert_sandboxed(r)
    for name in (
        "set-cookie2",
        "content-security-policy-report-only",
        "keep-alive",
        "upgrade",
        "proxy-authenticate",
        "trailer",
    ):
        assert name not in r.headers, name
    assert r.headers.get("connection") != "close"


def test_error_answers_carry_the_sandbox_policy_too(hooks_client):
    bearer = http_script(auth="bearer")
    thrower = http_script("export default () => { throw new Error('no'); };")
    unbuilt = http_script(deps=["dayjs@1.11.9"], build=False)  # a set no other test builds
    calls = [
        (hooks_client.get("/hooks/" + "x" * 43), 404),
        (hooks_client.get("/api/v1/scripts"), 404),  # the hooks origin serves nothing else
        (hooks_client.post(f"/hooks/{bearer.script.hook_token}"), 401),
        (hooks_client.post(f"/hooks/{thrower.script.hook_token}"), 500),
        (hooks_client.post(f"/hooks/{unbuilt.script.hook_token}"), 409),
        (hooks_client.post(f"/hooks/{thrower.script.hook_token}", content=b"x" * (6 * 1024 * 1024 + 1)), 413),
        (hooks_client.request("TRACE", f"/hooks/{thrower.script.hook_token}"), 405),
        (
            hooks_client.post(
                f"/hooks/{thrower.script.hook_token}", content=b"{", headers={"content-type": "application/json"}
            ),
            400,
        ),
    ]
    for response, status in calls:
        assert response.status_code == status, (status, response.text)
        assert_sandboxed(response)


def test_the_ide_app_does_not_serve_hooks():
    saved = http_script(ECHO)
    with TestClient(ide_api) as ide:
        assert ide.post(f"/hooks/{saved.script.hook_token}", json={}).status_code == 404
    assert run_count(saved.script.id) == 0


def test_hook_urls_use_the_hooks_origin():
    saved = http_script(ECHO, build=False)
    assert hook_url(saved.script) == f"{settings.hooks_url}/hooks/{saved.script.hook_token}"
    assert settings.hooks_url != settings.public_url.rstrip("/")
    assert hooks_url_for("https://ide.example.com:3000/") == "https://ide.example.com:3001"
    assert hooks_url_for("http://[::1]:3000") == "http://[::1]:3001"


def test_the_hooks_listener_answers_health_and_hooks_but_not_the_api(hooks_worker):
    saved = http_script(ECHO)
    server = ApiProcess(f"hooks-origin-{uuid.uuid4().hex[:6]}", app=HOOKS_APP).start()
    try:
        assert_sandboxed(httpx.get(f"{server.url}/healthz"))
        r = httpx.post(f"{server.url}/hooks/{saved.script.hook_token}", json={"a": 1}, timeout=90)
        assert r.status_code == 201 and r.json()["body"] == {"a": 1}
        assert_sandboxed(r)
        assert httpx.get(f"{server.url}/api/v1/openapi.json").status_code == 404
    finally:
        server.stop()


def stored_event(run_id: str) -> dict:
    return runs.get(uuid.UUID(run_id)).event


@pytest.mark.parametrize("auth", ["none", "bearer"])
def test_the_event_and_the_run_keep_no_cookie_nor_checked_credentials(hooks_client, auth):
    saved = http_script(auth=auth)
    credential = f"Bearer {saved.hook_secret}" if auth == "bearer" else "Bearer the-callers-own"
    r = hooks_client.post(
        f"/hooks/{saved.script.hook_token}",
        json={"x": 1},
        headers={"cookie": "sid=ide-session", "authorization": credential, "x-other": "kept"},
    )
    assert r.status_code == 201
    for headers in (r.json()["headers"], stored_event(r.headers["x-runpad-run-id"])["headers"]):
        assert "cookie" not in headers and headers["x-other"] == "kept"
        # a hook that does not check auth passes the header on: it is the handler's to use
        assert ("authorization" in headers) == (auth == "none")


def test_no_secret_material_is_stored_on_runs(hooks_client):
    saved = http_script(auth="bearer")
    r = hooks_client.post(f"/hooks/{saved.script.hook_token}", headers={"authorization": f"Bearer {saved.hook_secret}"})
    assert r.status_code == 201
    with session() as s:
        row = s.scalars(select(Run).where(Run.script_id == saved.script.id)).one()
        stored = json.dumps(row.model_dump(mode="json"))
    assert saved.hook_secret not in stored


def test_the_reply_itself_drops_cookies_and_policies_before_any_middleware():
    reply = hooks.result_reply(
        {
            "statusCode": 200,
            "headers": {
                "Set-Cookie": "a=b",
                "content-security-policy": "default-src *",
                "Proxy-Authenticate": "Basic",
                "content-security-policy-report-only": "x",
                "x-fine": "1",
            },
        },
        uuid.uuid4(),
    )
    assert reply.headers == {"x-fine": "1"}


def test_settings_refuse_hooks_on_the_ides_origin():
    with pytest.raises(ValueError, match="another origin"):
        Settings(public_url="https://runpad.example.com", hooks_url="https://RUNPAD.example.com/")
    assert Settings(public_url="https://runpad.example.com").hooks_url == "https://runpad.example.com:3001"
