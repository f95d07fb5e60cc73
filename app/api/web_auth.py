"""`POST /auth/login`, `POST /auth/logout` and `POST /auth/invite` on the IDE's origin: the server sets
and clears the HttpOnly session cookie. A form post is answered with a redirect, JSON with JSON; thin,
the logic is in app.services.sessions, login_guard and users."""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.core import errors
from app.models import User
from app.services import sessions, users

router = APIRouter(prefix="/auth", include_in_schema=False)
MAX_BODY_BYTES = 16 * 1024  # an email, a password (at most 1024 are checked) and a path
MAX_PASSWORD = 1024  # what login checks: a longer password set here could never log in
MAX_INVITE_TOKEN = 256  # real ones have 43 characters; a longer one is refused anyway, and redirects stay small


def _wants_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


async def _fields(request: Request) -> dict[str, Any] | None:
    """The posted fields (JSON or a urlencoded form), read up to MAX_BODY_BYTES; None past that."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    try:
        data = json.loads(body) if _wants_json(request) else dict(parse_qsl(body.decode()))
    except ValueError:  # unparsable input is the same as no input
        return {}
    return data if isinstance(data, dict) else {}


def _refused(
    request: Request, status: int, code: str, message: str, retry_after: int | None = None, next_path: str = ""
) -> Response:
    headers = {"retry-after": str(retry_after)} if retry_after else None
    if _wants_json(request):
        return JSONResponse({"error": code, "message": message}, status, headers=headers)
    if status in (429, 503):  # the contract's status, with a page a person can read
        back = html.escape(f"/login?{urlencode({'error': code})}")
        return HTMLResponse(
            f"<!doctype html><title>Runpad</title><p>{html.escape(message)}</p>"
            f'<p><a href="{back}">Back to the login</a></p>',
            status,
            headers=headers,
        )
    query = {"error": code, **({"next": next_path} if next_path and next_path != sessions.HOME else {})}
    return RedirectResponse(f"/login?{urlencode(query)}", 303)


def _cross_site(request: Request) -> bool:
    return not sessions.same_origin(request.headers.get("origin"), request.headers.get("sec-fetch-site"))


def _next_of_login_page(request: Request) -> str:
    """`next` of the same-origin /login page the form was posted from (Referrer-Policy: same-origin)."""
    page = urlsplit(request.headers.get("referer", ""))
    if page.path.rstrip("/") != "/login" or page.netloc != request.headers.get("host", ""):
        return ""
    return dict(parse_qsl(page.query)).get("next", "")


@router.post("/login")
async def login(request: Request) -> Response:
    if _cross_site(request):
        return _refused(request, 403, "cross_site", "Log in from Runpad's own login page.")
    fields = await _fields(request)
    if fields is None:
        return _refused(request, 413, "payload_too_large", "That is more than a login form sends.")
    email, password = str(fields.get("email") or ""), str(fields.get("password") or "")
    # A form posted before its page finished loading has no `next` yet: the login page's own URL has it.
    target = sessions.safe_next(str(fields.get("next") or "") or _next_of_login_page(request))
    client_ip = request.client.host if request.client else ""
    try:
        user, token = await run_in_threadpool(sessions.login, email[:320], password[:1024], client_ip)
    except errors.RunpadError as exc:  # a wrong password, too many failures, or busy
        return _refused(request, exc.status, exc.code, str(exc), exc.retry_after, next_path=target)
    response: Response = (
        JSONResponse({"email": user.email, "next": target}) if _wants_json(request) else RedirectResponse(target, 303)
    )
    response.set_cookie(value=token, **sessions.cookie_options())
    response.headers["cache-control"] = "no-store"
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    if _cross_site(request):
        return _refused(request, 403, "cross_site", "Log out from Runpad's own pages.")
    token = sessions.token_in(request.headers.get("cookie", ""))
    await run_in_threadpool(sessions.logout, token)
    response: Response = JSONResponse({"logged_out": True}) if _wants_json(request) else RedirectResponse("/login", 303)
    options = sessions.cookie_options()
    response.delete_cookie(
        options["key"], path=options["path"], secure=options["secure"], httponly=True, samesite="lax"
    )
    return response


def _back_to_invitation(request: Request, token: str, status: int, code: str, message: str) -> Response:
    """A refused invitation post: JSON for JSON, else back to the invitation page with ?error=<code>
    (the token URL-encoded, so it can only ever be the path's last segment)."""
    if _wants_json(request):
        return JSONResponse({"error": code, "message": message}, status)
    return RedirectResponse(f"/invite/{quote(token, safe='')}?{urlencode({'error': code})}", 303)


def _accept(token: str, password: str) -> User:
    # users.accept hashes the password before it looks the link up: checking the link first means a
    # post with a made-up token costs a query, not an argon2 hash (64 MiB and a core).
    users.invited(token)
    return users.accept(token, password)


@router.post("/invite")
async def accept_invitation(request: Request) -> Response:
    """Sets the invited user's password with the one-use link's token and logs them in (the session
    cookie, then /scripts). Refused: another site's post (cross_site), a link that is unknown, used or
    expired (invalid_invitation, nothing changes), a password under 8 characters (weak_password, the
    link still works). Neither the token nor the password is logged."""
    fields = await _fields(request)
    if fields is None:  # no token to go back to: a page of its own, like login's 413 has
        message = "That is more than an invitation form sends. Go back to the invitation link and try again."
        if _wants_json(request):
            return JSONResponse({"error": "payload_too_large", "message": message}, 413)
        return HTMLResponse(f"<!doctype html><title>Runpad</title><p>{html.escape(message)}</p>", 413)
    token = str(fields.get("token") or "")[:MAX_INVITE_TOKEN]
    if _cross_site(request):  # login CSRF: a site holding an invitation could log this browser in to that account
        return _back_to_invitation(request, token, 403, "cross_site", "Set your password on Runpad's own page.")
    password = str(fields.get("password") or "")[:MAX_PASSWORD]
    try:
        user = await run_in_threadpool(_accept, token, password)
    except users.InvitationError as exc:
        return _back_to_invitation(request, token, exc.status, "invalid_invitation", str(exc))
    except users.UserError as exc:
        return _back_to_invitation(request, token, exc.status, "weak_password", str(exc))
    session_token = await run_in_threadpool(sessions.start, user.id)
    response: Response = (
        JSONResponse({"email": user.email, "next": sessions.HOME})
        if _wants_json(request)
        else RedirectResponse(sessions.HOME, 303)
    )
    response.set_cookie(value=session_token, **sessions.cookie_options())
    response.headers["cache-control"] = "no-store"
    return response
