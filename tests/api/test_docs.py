"""/api/docs: Swagger UI with its files served by Runpad itself (offline), and it, its files and the
app's OpenAPI document only for a logged-in browser session; the v1 document stays public."""

import re
from urllib.parse import urljoin

import httpx
import pytest

from app.services import sessions

PROTECTED = [
    "/api/docs",
    "/api/openapi.json",
    "/api/docs/assets/swagger-ui-bundle.js",
    "/api/docs/assets/swagger-ui.css",
    "/api/docs/assets/favicon.png",
]


@pytest.fixture
def browser(base_url, alice):
    """A browser logged in to the web app: its session cookie, not an API token."""
    from tests.api.conftest import PASSWORD

    _, token = sessions.login(alice.email, PASSWORD)
    with httpx.Client(base_url=base_url, cookies={"runpad_session": token}, timeout=30) as http:
        yield http


@pytest.fixture
def stranger(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http


def test_the_docs_page_references_only_our_server_and_its_files_load_from_it(browser, base_url):
    page = browser.get("/api/docs", headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"(https?:)?//", page.text), "the page must not load anything from elsewhere"
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"""["']?url["']?: ?["']([^"']+)""", page.text)
    assert {"/api/openapi.json", "/api/v1/openapi.json"} <= set(refs) and len(refs) >= 5
    kinds = set()
    for ref in refs:
        r = browser.get(urljoin(base_url + "/api/docs", ref))
        assert r.status_code == 200 and r.content, ref
        kinds.add(r.headers["content-type"].split(";")[0])
    assert {"text/javascript", "text/css", "image/png", "application/json"} <= kinds
    assert "SwaggerUIBundle" in browser.get("/api/docs/assets/swagger-ui-bundle.js").text
    assert "/readyz" in browser.get("/api/openapi.json").json()["paths"]


@pytest.mark.parametrize("path", PROTECTED)
def test_without_a_session_a_page_goes_to_the_login_and_the_rest_gets_401(stranger, path):
    page = stranger.get(path, headers={"accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/api/docs"
    for cookie in ({}, {"cookie": "runpad_session=not-a-session"}):
        r = stranger.get(path, headers={"accept": "application/json", **cookie})
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_an_api_token_or_a_logged_out_session_does_not_open_the_docs(alice, browser, stranger):
    assert stranger.get("/api/docs", headers={"authorization": f"Bearer {alice.token}"}).status_code == 401
    sessions.logout(browser.cookies["runpad_session"])
    assert browser.get("/api/openapi.json").status_code == 401


def test_only_known_files_are_served(browser):
    for name in ("../docs.py", "..%2F..%2Fsettings.py", "redoc.standalone.js", "LICENSE"):
        assert browser.get(f"/api/docs/assets/{name}").status_code == 404


def test_the_v1_document_stays_public_and_its_cdn_page_leads_to_ours(stranger):
    r = stranger.get("/api/v1/openapi.json")
    assert r.status_code == 200 and "/scripts" in str(r.json()["paths"])
    r = stranger.get("/api/v1/docs")
    assert r.status_code == 307 and r.headers["location"] == "/api/docs"
