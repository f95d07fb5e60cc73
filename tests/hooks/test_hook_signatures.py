"""Signed hooks (`http_auth: "hmac"`) follow Standard Webhooks (contract §3); the `standardwebhooks`
package is the sender, so our verification is checked against an independent implementation."""

import base64
import socket
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks import Webhook

from app.services import runs, scripts, webhook_signatures
from tests.hooks.test_hooks import http_script, run_count
from tests.support.actors import acting
from tests.support.api_process import HOOKS_APP, ApiProcess

pytestmark = pytest.mark.usefixtures("docker_ready")
BODY = '{"amount": 100}'


def signed(secret: str, body: str = BODY, msg_id: str | None = None, at: datetime | None = None) -> dict:
    """The headers a Standard Webhooks sender puts on a delivery."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def test_the_secret_is_a_whsec_key_shown_once():
    saved = http_script(auth="hmac", build=False)
    assert saved.hook_secret.startswith("whsec_")
    assert len(base64.b64decode(saved.hook_secret.removeprefix("whsec_"))) == 32
    _, rotated = scripts.rotate_hook_token(acting(), saved.script.id)
    assert rotated.startswith("whsec_") and rotated != saved.hook_secret


def test_switching_between_bearer_and_hmac_makes_a_secret_of_the_right_form():
    saved = http_script(auth="bearer", build=False)
    to_hmac = scripts.update(acting(), saved.script.id, {"trigger": {"http_auth": "hmac"}})
    assert to_hmac.hook_secret and to_hmac.hook_secret.startswith("whsec_")
    to_bearer = scripts.update(acting(), saved.script.id, {"trigger": {"http_auth": "bearer"}})
    assert to_bearer.hook_secret and not to_bearer.hook_secret.startswith("whsec_")


def test_a_signed_call_passes_once_and_its_replay_is_refused(hooks_client):
    saved = http_script(auth="hmac")
    url, headers = f"/hooks/{saved.script.hook_token}", signed(saved.hook_secret)
    r = hooks_client.post(url, content=BODY, headers={**headers, "authorization": "Bearer x"})
    assert r.status_code == 201 and r.json()["body"] == {"amount": 100}
    seen = r.json()["headers"]
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature", "authorization"):
        assert name not in seen  # the handler and the run keep no proof of the call
    event = runs.get(uuid.UUID(r.headers["x-runpad-run-id"])).event
    assert not {"webhook-signature", "webhook-id"} & set(event["headers"])
    assert hooks_client.post(url, content=BODY, headers=headers).status_code == 401
    assert run_count(saved.script.id) == 1


def test_bad_signatures_and_timestamps_are_401_and_create_no_run(hooks_client):
    saved = http_script(auth="hmac")
    url, secret, now = f"/hooks/{saved.script.hook_token}", saved.hook_secret, datetime.now(UTC)
    tampered = signed(secret)
    bad = {
        "stale": signed(secret, at=now - timedelta(minutes=6)),
        "future": signed(secret, at=now + timedelta(minutes=6)),
        "wrong secret": signed(webhook_signatures.new_secret()),
        "no headers": {"content-type": "application/json"},
        "unknown version only": {
            **signed(secret),
            "webhook-signature": signed(secret)["webhook-signature"].replace("v1,", "v2,"),
        },
        "id not signed": {**signed(secret), "webhook-id": "msg_other"},
    }
    for name, headers in bad.items():
        assert hooks_client.post(url, content=BODY, headers=headers).status_code == 401, name
    assert hooks_client.post(url, content='{"amount": 999}', headers=tampered).status_code == 401
    assert run_count(saved.script.id) == 0


def test_one_matching_signature_in_a_list_is_enough_and_ids_are_per_script(hooks_client):
    first, second = http_script(auth="hmac"), http_script(auth="hmac")
    headers = signed(first.hook_secret, msg_id="msg_shared")
    rotated_sender = {**headers, "webhook-signature": "v1,bm90IGl0 " + headers["webhook-signature"]}
    r = hooks_client.post(f"/hooks/{first.script.hook_token}", content=BODY, headers=rotated_sender)
    assert r.status_code == 201
    again = signed(second.hook_secret, msg_id="msg_shared")  # the same id at another hook is not a replay
    assert hooks_client.post(f"/hooks/{second.script.hook_token}", content=BODY, headers=again).status_code == 201


def test_a_signed_call_is_refused_with_503_when_replays_cannot_be_checked(hooks_worker):
    """Redis unreachable: accepting could run a captured call twice, so the hook fails closed."""
    saved = http_script(auth="hmac")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # nothing listens there once the socket closes
    server = ApiProcess(
        f"hooks-noredis-{uuid.uuid4().hex[:6]}",
        app=HOOKS_APP,
        env={"RUNPAD_REDIS_URL": f"redis://127.0.0.1:{dead_port}/0"},
    ).start()
    try:
        r = httpx.post(
            f"{server.url}/hooks/{saved.script.hook_token}", content=BODY, headers=signed(saved.hook_secret), timeout=30
        )
    finally:
        server.stop()
    assert r.status_code == 503 and "replays" in r.json()["error"] and r.headers["retry-after"] == "5"
    assert run_count(saved.script.id) == 0
