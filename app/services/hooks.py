"""HTTP hooks (contract §3): a request to a script's URL becomes an event and a run; the run's end
becomes the HTTP response. Request bodies and handler results are hostile input."""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import uuid
import weakref
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
import redis
from anyio.to_thread import run_sync

from app.core.db import session
from app.core.redis import redis_client
from app.core.settings import settings
from app.models import Run, RunStatus, Script, Trigger
from app.services import deploys, failures, follow, hook_limits, queue, runs, scripts, webhook_signatures

MAX_BODY_BYTES = 6 * 1024 * 1024
WAIT_MARGIN_SECONDS = 30  # queueing and container start on top of the script's own timeout
HOP_BY_HOP = {
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "trailers",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
}
# A handler is someone else's page on our hooks origin: it may not set cookies there nor loosen the
# sandbox policy the hooks app stamps on every response.
HANDLER_FORBIDDEN = HOP_BY_HOP | {
    "set-cookie",
    "set-cookie2",
    "content-security-policy",
    "content-security-policy-report-only",
}
# Never handed to the handler nor kept on the run: the caller's cookies (for any hook) and, when the
# hook checks them, the credentials that proved the call.
ALWAYS_STRIPPED = {"cookie"}
AUTH_STRIPPED = {"bearer": {"authorization"}, "hmac": {"authorization", *webhook_signatures.SIGNED_HEADERS}}
# The hook path's own share of worker threads (the API keeps anyio's default 40): a burst of hook
# calls queues behind these 16, not in front of API requests. Per event loop, as limiters are.
HOOK_THREADS = 16
_thread_limiters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    run_id: uuid.UUID | None = None
    lease: hook_limits.Lease | None = None  # a synchronous call's waiting slot, released when it is answered
    wait_seconds: float = 0.0  # how long a synchronous call waits for its run before answering 504


def json_reply(status: int, doc: Any, run_id: uuid.UUID | None = None) -> Reply:
    return Reply(status, json.dumps(doc).encode(), run_id=run_id)


@dataclass
class HookRequest:
    token: str
    method: str
    path: str  # the sub-path after the token, "/" when there is none
    headers: dict[str, str]  # lower-cased names
    query: dict[str, str]
    body: bytes
    wants_async: bool = False


def status_url(run_id: uuid.UUID) -> str:
    return f"{settings.public_url.rstrip('/')}/api/v1/runs/{run_id}"


def _is_json(content_type: str) -> bool:
    mime = content_type.split(";")[0].strip().lower()
    return mime == "application/json" or mime.endswith("+json")


def build_event(req: HookRequest) -> dict:
    """The event of contract §2; raises ValueError for a JSON content type with a body that is not JSON."""
    event: dict[str, Any] = {
        "trigger": "http",
        "method": req.method,
        "path": req.path,
        "headers": req.headers,
        "query": req.query,
        "body": None,
    }
    if not req.body:
        return event
    try:
        text = req.body.decode("utf-8")
    except UnicodeDecodeError:
        event["body_base64"] = base64.b64encode(req.body).decode()
        return event
    if _is_json(req.headers.get("content-type", "")):
        try:
            event["body"] = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the body is not valid JSON: {exc}") from None
    else:
        event["body"] = text
    return event


def authorised(script: Script, req: HookRequest) -> bool:
    """Bearer secret or Standard Webhooks signature and timestamp; replays are `claim_delivery`'s job."""
    if script.http_auth == "none":
        return True
    secret = scripts.hook_secret_of(script) or ""
    if script.http_auth == "bearer":
        given = req.headers.get("authorization", "")
        return bool(secret) and hmac.compare_digest(given.encode(), f"Bearer {secret}".encode())
    return webhook_signatures.verify(secret, req.headers, req.body) is not None


def claim_delivery(script: Script, req: HookRequest) -> Reply | None:
    """For a signed hook, remembers the message id; a 401 for a replay. Fails closed (503) when Redis
    cannot say whether the id was seen, since accepting could run a captured call twice."""
    if script.http_auth != "hmac":
        return None
    try:
        first = webhook_signatures.claim(redis_client(), script.id, req.headers["webhook-id"])
    except redis.RedisError:
        reply = json_reply(503, {"error": "Runpad cannot check signed calls for replays right now; try again shortly"})
        reply.headers["retry-after"] = "5"
        return reply
    return None if first else json_reply(401, {"error": "unauthorized"})


def visible_headers(headers: dict[str, str], http_auth: str) -> dict[str, str]:
    """The request headers the handler sees and the run keeps."""
    hidden = ALWAYS_STRIPPED | AUTH_STRIPPED.get(http_auth, set())
    return {name: value for name, value in headers.items() if name not in hidden}


def accept(req: HookRequest) -> Reply:
    """Checks the request and, when it may run, creates the run (committed) and queues it. The
    limits come right after auth, so a call turned away for them costs one indexed read and Redis."""
    script = scripts.by_hook_token(req.token)
    if script is None or not script.enabled or script.trigger_type != "http":
        return json_reply(404, {"error": "no such hook"})
    if len(req.body) > MAX_BODY_BYTES:
        return json_reply(413, {"error": f"the body is larger than {MAX_BODY_BYTES} bytes"})
    if not authorised(script, req):
        return json_reply(401, {"error": "unauthorized"})
    admitted = _admit(script, req)
    if isinstance(admitted, Reply):
        return admitted
    try:
        reply = _start_run(script, req)
    except BaseException:
        _give_back(admitted)
        raise
    if reply.status != 202:
        _give_back(admitted)
        return reply
    reply.lease, reply.wait_seconds = admitted, _wait_seconds(script)
    return reply


def _give_back(lease: hook_limits.Lease | None) -> None:
    if lease is not None:
        lease.release()


def _start_run(script: Script, req: HookRequest) -> Reply:
    with session() as s:
        version = deploys.live_version(s, script)
        problem = "" if version else deploys.not_live_reason(s, script)
    if version is None:
        failures.turned_away(script, 409, problem, queue.send_run)
        return json_reply(409, {"error": problem})
    try:
        event = build_event(replace(req, headers=visible_headers(req.headers, script.http_auth)))
    except ValueError as exc:
        return json_reply(400, {"error": str(exc)})
    # Last check before the run exists, so a 409 or 400 does not use up the sender's message id.
    turned_away = claim_delivery(script, req)
    if turned_away:
        return turned_away
    with session() as s:
        run = runs.create(s, version, Trigger.http, script=script, event=event, may_retry=req.wants_async)
        s.commit()
    try:
        queue.send_run(run.id, Trigger.http)
    except queue.QueueUnavailable as exc:
        failures.turned_away(script, 503, str(exc), queue.send_run)
        return json_reply(
            503, {"error": "the run could not be queued; it was recorded as failed", "run_id": str(run.id)}, run.id
        )
    return json_reply(202, {"run_id": str(run.id), "status_url": status_url(run.id)}, run.id)


def _wait_seconds(script: Script) -> float:
    return script.timeout_seconds + WAIT_MARGIN_SECONDS


def _admit(script: Script, req: HookRequest) -> Reply | hook_limits.Lease | None:
    """Applies the script's limits before any run exists: a 429 Reply, or the waiting slot a
    synchronous call holds (None for an asynchronous one, or when Redis cannot count). A refused
    call does not count against the rate."""
    lease = None
    if not req.wants_async:
        slot = hook_limits.take_waiting_slot(script.id, _wait_seconds(script))
        if isinstance(slot, hook_limits.Refusal):
            return _too_many(slot)
        lease = slot
    refusal = hook_limits.take_call(script.id)
    if refusal is not None:
        if lease is not None:
            lease.release()
        return _too_many(refusal)
    return lease


def _too_many(refusal: hook_limits.Refusal) -> Reply:
    reply = json_reply(429, {"error": f"{refusal.reason}; try again in {refusal.retry_after} s"})
    reply.headers["retry-after"] = str(refusal.retry_after)
    return reply


async def call(req: HookRequest) -> Reply:
    """A hook call from request to response: checks and queueing in a worker thread (brief database
    work), then for a synchronous call an asynchronous wait for the run's end, holding no thread and
    no database connection while it waits, and its waiting slot until it is answered."""
    threads = _thread_limiter()
    reply = await run_sync(accept, req, limiter=threads)
    try:
        if reply.status == 202 and reply.run_id is not None and not req.wants_async:
            return await respond(reply.run_id, reply.wait_seconds)
        return reply
    finally:
        if reply.lease is not None:
            with anyio.CancelScope(shield=True):  # a caller that hung up still gives its slot back
                await run_sync(reply.lease.release, limiter=threads)


def _thread_limiter() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    if loop not in _thread_limiters:
        _thread_limiters[loop] = anyio.CapacityLimiter(HOOK_THREADS)
    return _thread_limiters[loop]


async def respond(run_id: uuid.UUID, wait_seconds: float) -> Reply:
    """Waits for the run and maps its end to the HTTP response of contract §3."""
    done = await follow.wait_for_end(run_id, wait_seconds)
    if done is None:  # its script was deleted while the call waited
        return json_reply(404, {"error": "no such hook"})
    return response_for(done)


def response_for(run: Run) -> Reply:
    rid = str(run.id)
    if run.status == RunStatus.succeeded:
        return result_reply(run.result, run.id)
    if run.status in (RunStatus.timed_out, RunStatus.queued, RunStatus.building, RunStatus.running):
        return json_reply(504, {"error": "timeout", "run_id": rid}, run.id)
    return json_reply(500, {"error": run.error or run.status, "run_id": rid}, run.id)


def result_reply(result: Any, run_id: uuid.UUID) -> Reply:
    code = result.get("statusCode") if isinstance(result, dict) else None
    if not (isinstance(code, int) and not isinstance(code, bool)):
        return Reply(200, json.dumps(result).encode(), run_id=run_id)
    if not 200 <= code <= 599:
        return json_reply(
            500, {"error": f"the handler returned an invalid statusCode {code}", "run_id": str(run_id)}, run_id
        )
    headers = _safe_headers(result.get("headers"))
    body = result.get("body")
    if isinstance(body, str):
        payload = body.encode()
    elif body is None:
        payload = b""
    else:
        payload = json.dumps(body).encode()
        headers.setdefault("content-type", "application/json")
    return Reply(code, payload, headers, run_id)


def _safe_headers(raw: Any) -> dict[str, str]:
    """The handler's headers, minus hop-by-hop ones, cookies, CSP and anything that could split a response."""
    headers: dict[str, str] = {}
    if not isinstance(raw, dict):
        return headers
    for name, value in raw.items():
        name, value = str(name).strip().lower(), str(value)
        if not name or name in HANDLER_FORBIDDEN or any(c in name + value for c in "\r\n\x00"):
            continue
        if not name.isascii() or not value.isascii() or any(c in name for c in ' :()<>@,;\\"/[]?={}\t'):
            continue
        headers[name] = value
    return headers
