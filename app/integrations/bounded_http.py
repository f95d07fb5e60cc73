"""HTTP with a hard time limit, for client libraries that set no timeouts of their own (infisicalsdk):
an adapter bounding each request by connect and read timeouts under one deadline, and a watchdog for
what socket timeouts cannot bound (a stalled DNS lookup)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response

from app.core import errors


class NetworkError(errors.Unavailable):
    """A request that failed or ran out of time. Deliberately not an OSError or ConnectionError, so a
    library's retry-on-network-error loop lets it through at once."""


class BoundedAdapter(HTTPAdapter):
    """Mount on a requests.Session. `label` names the far end in messages ("Infisical at https://...").
    The body is read inside send, so a stall while reading it is bounded and reported too."""

    def __init__(self, label: str, deadline: float, connect_timeout: float, read_timeout: float):
        super().__init__(max_retries=0)
        self.label, self.deadline = label, deadline
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """HTTPAdapter.send within the deadline; `timeout` gives way to the adapter's own bounds."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise NetworkError(f"timeout: no answer from {self.label} in time")
        connect, read = min(self.connect_timeout, remaining), min(self.read_timeout, remaining)
        try:
            response = super().send(
                request, stream=stream, timeout=(connect, read), verify=verify, cert=cert, proxies=proxies
            )
            _ = response.content
        except requests.exceptions.ConnectTimeout:
            raise NetworkError(f"timeout: could not connect to {self.label} within {connect:g} s") from None
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as exc:
            if isinstance(exc, requests.exceptions.ReadTimeout) or "timed out" in str(exc):
                raise NetworkError(f"timeout: {self.label} did not answer within {read:g} s") from None
            raise NetworkError(f"unreachable: cannot reach {self.label} ({_reason(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"cannot talk to {self.label}: {exc}") from None
        return response


def run_within(seconds: float, operation: Callable[[], Any], label: str) -> Any:
    """operation's result or exception, or NetworkError once `seconds` have passed; the operation then
    finishes on its own daemon thread, bounded by its sockets' timeouts."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = operation()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread as is
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="bounded-http", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise NetworkError(f"timeout: no answer from {label} within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _reason(exc: Exception) -> str:
    """'Connection refused', 'Name or service not known', ... out of urllib3's long wrapped message."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS failed: {text[-200:]}"
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    return found.group(1).strip() if found else text[:200]
