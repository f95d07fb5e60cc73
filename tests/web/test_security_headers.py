"""Security headers on the IDE's responses (the real app.api.main.api, which Reflex wraps around its own
pages and socket): a CSP, no framing, no sniffing, a same-origin Referer; hook responses keep their own."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.api import security_headers
from app.api.main import api

IDE_PATHS = [
    ("GET", "/healthz"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/scripts"),
    ("GET", "/ui/runs/00000000-0000-0000-0000-000000000000/log.txt"),
    ("POST", "/auth/login"),
    ("GET", "/no/such/page"),
]


@pytest.fixture(scope="module")
def http():
    with TestClient(api, base_url="http://runpad.test:3000") as client:
        yield client


@pytest.mark.parametrize("method,path", IDE_PATHS)
def test_every_ide_answer_carries_the_headers(http, method, path):
    r = http.request(method, path, follow_redirects=False)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "connect-src 'self' ws://runpad.test:3000 wss://runpad.test:3000" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert len(r.headers.get_list("content-security-policy")) == 1


def test_the_ide_serves_no_hooks_and_its_404_carries_the_ide_headers(http):
    r = http.post("/hooks/" + "x" * 40, content=b"{}")
    assert r.status_code == 404 and "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_inline_scripts_of_the_build_are_allowed_by_hash_only(tmp_path, monkeypatch):
    page = tmp_path / "build" / "client" / "login.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '<html><script>window.a = 1;</script><script type="module" src="/assets/x.js"></script>'
        '<script id="_R_">b()</script></html>'
    )
    from reflex.utils import prerequisites

    monkeypatch.setattr(prerequisites, "get_web_dir", lambda: tmp_path)
    monkeypatch.setattr(security_headers, "_found", ())
    monkeypatch.setattr(security_headers, "_scanned_at", float("-inf"))
    hashes = security_headers.built_inline_script_hashes()
    # sha256 of "window.a = 1;" and "b()", as CSP wants them (base64)
    assert set(hashes) == {
        "ShPZs6SyOIfeOg7tsGkUC0BIIQiM/4HlSLumBwNEK6k=",
        "cf242PFc/kb7xD0Qzhsmd9vvRkc+cWFmbi+k+YvtdKc=",
    }
    assert all(f"'sha256-{h}'" in security_headers.policy("h", hashes) for h in hashes)


def test_a_hostile_host_header_is_not_echoed_into_the_policy(http):
    r = http.get("/healthz", headers={"host": "evil; script-src *"})
    csp = r.headers["content-security-policy"]
    assert "evil" not in csp and "script-src *" not in csp
