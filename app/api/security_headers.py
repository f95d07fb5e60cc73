"""Security headers on every IDE response (pages, scripts, API, downloads): a Content-Security-Policy,
no framing, no MIME sniffing, no cross-site Referer. Hooks answer on an origin of their own
(app.api.hooks_app), which stamps its own sandbox policy."""

from __future__ import annotations

import base64
import hashlib
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Monaco and every script come from this origin (bundled by Vite), its workers too. 'unsafe-eval':
# Reflex runs what an event handler sends back (rx.toast, ...) with eval, and Monaco's workers may too;
# inline scripts are allowed by hash only. Radix and Monaco style elements at run time, hence inline
# styles. The websocket is same-origin (connect-src 'self' covers it in current browsers; named for others).
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'{inline}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'{sockets}; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
FIXED = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def policy(host: str, inline_script_hashes: tuple[str, ...] = ()) -> str:
    inline = "".join(f" 'sha256-{h}'" for h in inline_script_hashes)
    sockets = f" ws://{host} wss://{host}" if host else ""
    return POLICY.format(inline=inline, sockets=sockets)


class SecurityHeaders:
    """ASGI middleware (not BaseHTTPMiddleware, which would buffer streamed logs); `inline_hashes`
    names the build's inline scripts, which script-src allows by hash rather than 'unsafe-inline'."""

    def __init__(self, app: ASGIApp, inline_hashes=lambda: ()):
        self.app, self.inline_hashes = app, inline_hashes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        csp = policy(host if _plain_host(host) else "", tuple(self.inline_hashes()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-security-policy", *(name for name, _ in FIXED))
                ]
                message = {**message, "headers": [*headers, (b"content-security-policy", csp.encode()), *FIXED]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _plain_host(host: str) -> bool:
    """A Host header safe to echo into the policy (letters, digits, dots, dashes, a port, IPv6 brackets)."""
    return bool(host) and len(host) <= 255 and all(c.isalnum() or c in ".-:[]" for c in host)


_found: tuple[str, ...] = ()
_scanned_at = float("-inf")
RESCAN_SECONDS = 10.0  # with no build yet, look again at most this often, not on every request


def built_inline_script_hashes() -> tuple[str, ...]:
    """SHA-256 of every inline <script> in the built front end's pages (the theme switch, React
    Router's hydration data): static per build, so allowed one by one. Read once there is a build."""
    global _found, _scanned_at
    if not _found and time.monotonic() - _scanned_at >= RESCAN_SECONDS:
        _found, _scanned_at = _scan_build(), time.monotonic()
    return _found


def _scan_build() -> tuple[str, ...]:
    from reflex.utils import prerequisites
    from reflex_base import constants

    pages = (prerequisites.get_web_dir() / constants.Dirs.STATIC).glob("**/*.html")
    found = set()
    for page in pages:
        for script in INLINE_SCRIPT.finditer(page.read_text(errors="replace")):
            found.add(base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode())
    return tuple(sorted(found))
