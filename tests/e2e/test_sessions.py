"""The login in the browser, on the production build: the session cookie is invisible to the page's
scripts, pages and scripts carry the security headers and run under the CSP without a violation, and
logging out ends the session in every tab and sends nothing of the user to the next page."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import log_in

MARKER = f"private_{uuid.uuid4().hex}"


def watch(tab) -> tuple[list[str], list[str]]:
    """CSP violations reported in the console, and what arrives over the tab's websockets."""
    violations: list[str] = []
    frames: list[str] = []
    tab.on("console", lambda m: violations.append(m.text)
           if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    tab.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    return violations, frames


def test_httponly_cookie_csp_and_logout_in_every_tab(browser, web, account):
    context = browser.new_context(viewport={"width": 1440, "height": 960}, base_url=web.url)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    violations, frames = watch(tab)
    scripts_seen: list[dict] = []
    tab.on("response", lambda r: scripts_seen.append(r.headers) if r.url.endswith(".js") else None)

    answer = tab.goto("/login")
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["x-frame-options"] == "DENY"
    log_in(tab, *account)
    assert "runpad_session" not in tab.evaluate("document.cookie")
    (cookie,) = [c for c in context.cookies() if c["name"] == "runpad_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert scripts_seen and all("script-src 'self'" in h.get("content-security-policy", "") for h in scripts_seen)

    # the editor under the CSP, with code only this user has
    tab.click("#new-script")
    tab.wait_for_url("**/scripts/new")
    tab.fill("#script-name", f"session {uuid.uuid4().hex[:6]}")
    tab.wait_for_function("() => window.runpadEditor !== undefined")
    tab.evaluate("code => window.runpadEditor.setValue(code)", f"export default async () => '{MARKER}';\n")
    tab.click("#save-script")
    tab.wait_for_url(re.compile(r".*/scripts/[0-9a-f-]{36}$"))

    other = context.new_page()
    other.goto("/scripts")
    expect(other.locator("#new-script")).to_be_visible()

    tab.click("#logout")
    tab.wait_for_url(re.compile(r".*/login/?$"))
    expect(tab.locator("#login-email")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "runpad_session"]
    frames.clear()
    tab.reload()
    expect(tab.locator("#login-email")).to_be_visible()
    tab.wait_for_timeout(1500)  # let the hydrate arrive; what is checked is its content
    assert frames and not any(MARKER in f for f in frames)

    # the other tab's socket still carries the old cookie: its next event finds the session gone
    other.click("#new-script")
    other.wait_for_url(re.compile(r".*/login.*"))
    assert violations == [], violations
    context.close()


def test_a_wrong_password_shows_why_on_the_login_page(browser, web, account):
    context = browser.new_context(base_url=web.url)
    tab = context.new_page()
    tab.goto("/login?next=/secrets")
    tab.fill("#login-email", account[0])
    tab.fill("#login-password", "not the password")
    tab.click("#login-submit")
    tab.wait_for_url(re.compile(r".*/login/?\?error=invalid_credentials.*"))
    expect(tab.locator("#login-error")).to_contain_text("do not match")
    tab.fill("#login-email", account[0])
    tab.fill("#login-password", account[1])
    tab.click("#login-submit")
    tab.wait_for_url(re.compile(r".*/secrets/?$"))
    context.close()
