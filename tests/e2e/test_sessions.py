"""The login in the browser, on the production build: the session cookie is invisible to the page's
scripts, pages and scripts carry the security headers and run under the CSP without a violation,
logging out ends the session in every tab and sends nothing of the user to the next page, and a
hostile hook opened in the same browser can neither read nor replace the session nor use it."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import expect

from app.services import users
from tests.e2e.conftest import log_in
from tests.support.actors import acting
from tests.support.scripts import built_script

MARKER = f"private_{uuid.uuid4().hex}"


def watch(tab) -> tuple[list[str], list[str]]:
    """CSP violations reported in the console, and what arrives over the tab's websockets."""
    violations: list[str] = []
    frames: list[str] = []
    tab.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None,
    )
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


# What a stranger's hook serves to whoever opens its URL: a page whose script tries to read the
# session cookie, plant another one, read a cookie-authenticated IDE page and log the visitor out;
# the response also tries to set the cookie and lift the sandbox through its own headers.
HOSTILE = """export default async () => ({
  statusCode: 200,
  headers: { "content-type": "text/html", "set-cookie": "runpad_session=planted-by-header; Path=/",
             "content-security-policy": "default-src *" },
  body: `<!doctype html><pre id="out">running</pre><script>
(async () => {
  const ide = IDE_URL, seen = {};
  try { seen.cookie = document.cookie; } catch (e) { seen.cookie = "blocked: " + e.name; }
  try { document.cookie = "runpad_session=planted-by-script; path=/"; seen.plant = "no error"; }
  catch (e) { seen.plant = "blocked: " + e.name; }
  try {
    const r = await fetch(ide + "/api/docs", { credentials: "include" });
    seen.docs = r.status + " " + (await r.text()).slice(0, 200);
  } catch (e) { seen.docs = "blocked: " + e.name; }
  try {
    await fetch(ide + "/auth/logout", { method: "POST", mode: "no-cors", credentials: "include" });
    seen.logout = "sent";
  } catch (e) { seen.logout = "blocked: " + e.name; }
  seen.origin = String(self.origin);
  document.getElementById("out").textContent = JSON.stringify(seen);
})();
</script>`,
});
"""


def test_a_hostile_hook_opened_by_an_admin_cannot_touch_the_session(browser, web, worker):
    email, password = f"e2e-admin-{uuid.uuid4().hex[:8]}@runpad.test", "e2e-password-123"
    admin = users.create(email, password, is_admin=True)
    saved = built_script(
        acting(admin),
        f"hostile {uuid.uuid4().hex[:6]}",
        "node",
        HOSTILE.replace("IDE_URL", json.dumps(web.url)),
        trigger={"type": "http"},
    )
    hook_url = f"{web.hooks_url}/hooks/{saved.script.hook_token}"

    context = browser.new_context(viewport={"width": 1440, "height": 960}, base_url=web.url)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    log_in(tab, email, password)
    (before,) = [c["value"] for c in context.cookies() if c["name"] == "runpad_session"]

    hostile = context.new_page()
    answer = hostile.goto(hook_url)
    assert answer.status == 200
    assert answer.headers["content-security-policy"] == "sandbox allow-scripts allow-forms allow-popups"
    assert answer.headers["x-content-type-options"] == "nosniff" and "set-cookie" not in answer.headers
    expect(hostile.locator("#out")).not_to_have_text("running")
    seen = json.loads(hostile.text_content("#out"))
    hostile.screenshot(path=str(shot_dir("hostile-hook") / "01-hostile-page.png"), full_page=True)

    assert before not in seen["cookie"] and "runpad_session" not in seen["cookie"], seen
    assert seen["origin"] == "null", seen  # the sandbox gives the page an opaque origin
    assert seen["docs"].startswith("blocked"), seen  # no credentialed read of the IDE
    cookies = [c for c in context.cookies() if c["name"] == "runpad_session"]
    assert [c["value"] for c in cookies] == [before], cookies  # nothing planted, by header or script

    tab.goto("/scripts")  # the logout the page sent did not end the session
    expect(tab.locator("#new-script")).to_be_visible()
    assert tab.url.rstrip("/").endswith("/scripts")
    tab.screenshot(path=str(shot_dir("hostile-hook") / "02-still-logged-in.png"), full_page=True)
    context.close()


def shot_dir(name: str):
    from tests.e2e.conftest import SHOTS

    path = SHOTS / name
    path.mkdir(parents=True, exist_ok=True)
    return path
