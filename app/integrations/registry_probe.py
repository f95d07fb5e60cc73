"""Whether the image registry in RUNPAD_REGISTRY answers the Docker registry API (GET /v2/), for the
Settings page: a quick, bounded check, trying HTTPS first as Docker does, then plain HTTP."""

from __future__ import annotations

import functools
import time

import requests

from app.integrations.bounded_http import BoundedAdapter, NetworkError, run_within

CONNECT_TIMEOUT, READ_TIMEOUT, DEADLINE = 2.0, 3.0, 4.0


def check(registry: str) -> tuple[bool, str]:
    """(answers, what was found) for a registry host[:port]."""
    if not registry:
        return False, "not set: each worker builds dependency images for itself"
    failure = ""
    for scheme in ("https", "http"):
        url = f"{scheme}://{registry}/v2/"
        try:
            status = run_within(DEADLINE + 0.5, functools.partial(_get_status, url), url)
        except NetworkError as exc:
            failure = str(exc)
            continue
        if status in (200, 401):  # 401: it answers and wants credentials, which Docker has
            return True, f"answers at {url} (HTTP {status})"
        return False, f"{url} answered HTTP {status}: is RUNPAD_REGISTRY a Docker registry?"
    return False, f"no answer: {failure}"


def _get_status(url: str) -> int:
    with requests.Session() as http:
        adapter = BoundedAdapter(url, time.monotonic() + DEADLINE, CONNECT_TIMEOUT, READ_TIMEOUT)
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        return http.get(url, allow_redirects=False).status_code
