"""Assertions shared by the API tests."""

from __future__ import annotations

import httpx


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """The one error shape of contract §4."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"} and body["message"], body
    if code:
        assert body["error"] == code, body
    return body
