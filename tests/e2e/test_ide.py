"""A person's day in Runpad, in the browser: log in, add a secret, write a script with a package and the
secret, try it out and watch its lines arrive before it ends, save it as a hook, call the hook from outside
and find the run and its log, then make it a schedule and read its next times. Once per runtime."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from app.services import secrets, users
from tests.e2e.conftest import context_tab, log_in
from tests.support.actors import acting

pytestmark = pytest.mark.usefixtures("worker")

NODE = """import dayjs from "dayjs";
export default async function handler(event, ctx) {
  console.log("first line", dayjs("2020-01-02").year());
  await new Promise((resolve) => setTimeout(resolve, 4000));
  console.log("token is", process.env.E2E_TOKEN);
  return { got: event.body, tokenMatches: process.env.E2E_TOKEN === "TOKEN_VALUE" };
}
"""
PYTHON = """import os
import time

import six


def handler(event, ctx):
    print("first line", six.text_type.__name__)
    time.sleep(4)
    print("token is", os.environ["E2E_TOKEN"])
    return {"got": event["body"], "tokenMatches": os.environ["E2E_TOKEN"] == "TOKEN_VALUE"}
"""
CASES = {  # node: a range typed by hand; python: a version picked from PyPI's suggestions
    "node": {"code": NODE, "package": "dayjs", "version": "^1.11", "first": "first line 2020"},
    "python": {"code": PYTHON, "package": "six", "version": None, "first": "first line str"},
}


def add_secret(page, name: str, value: str) -> None:
    page.goto("/secrets")
    page.fill("#secret-name", name)
    page.fill("#secret-value", value)
    page.click("#secret-save")
    expect(page.locator(f'#secrets-table [data-secret="{name}"]')).to_be_visible()
    expect(page.locator("#secret-value")).to_have_value("")  # not kept in the form
    page.shots("secret-added")


@pytest.mark.parametrize("runtime", ["node", "python"])
def test_write_try_save_hook_and_schedule(page, web, runtime):
    case = CASES[runtime]
    secret = f"tok-{uuid.uuid4().hex}"
    name = f"e2e {runtime} {uuid.uuid4().hex[:6]}"
    add_secret(page, "E2E_TOKEN", secret)

    page.goto("/scripts")
    page.click("#new-script")
    page.wait_for_url("**/scripts/new")
    page.fill("#script-name", name)
    pick_runtime(page, runtime)
    page.wait_for_function("() => window.runpadEditor !== undefined")
    page.evaluate("code => window.runpadEditor.setValue(code)", case["code"].replace("TOKEN_VALUE", secret))

    page.fill("#dep-name", case["package"])
    if case["version"]:
        page.fill("#dep-version", case["version"])
    else:
        page.click("#dep-version-pick")
        page.get_by_role("option").first.click()
    page.click("#dep-add")
    expect(page.locator("#dep-list .dep-item")).to_have_count(1)
    page.locator('#secret-picker [data-secret="E2E_TOKEN"]').click()
    page.shots("editor")

    # Try it out: the first line is on screen while the run is still going.
    page.fill("#event-json", '{"hello": "world"}')
    page.keyboard.press("Control+Enter")
    first = page.locator("#tryout-output .log-line", has_text=case["first"])
    expect(first).to_be_visible(timeout=240_000)
    expect(page.locator("#tryout-status")).to_have_attribute("data-status", "running")
    page.shots("tryout-streaming")
    expect(page.locator("#tryout-status")).to_have_attribute("data-status", "succeeded", timeout=60_000)
    expect(page.locator("#tryout-result")).to_contain_text('"tokenMatches": true')
    expect(page.locator("#tryout-result")).to_contain_text('"hello": "world"')  # typed just before Ctrl+Enter
    expect(page.locator("#tryout-output")).not_to_contain_text(secret)  # redacted in the log
    page.shots("tryout-done")

    # Save as a hook (Ctrl+S) and call it from outside the browser.
    choose_trigger(page, "http")
    page.keyboard.press("Control+s")
    page.wait_for_url(re.compile(r".*/scripts/[0-9a-f-]{36}$"))
    hook_url = page.locator("#hook-url")
    expect(hook_url).to_contain_text("/hooks/")
    expect(page.locator("#script-build-status")).to_have_attribute("data-status", "succeeded", timeout=240_000)
    page.shots("saved-hook")
    url = hook_url.inner_text().strip()
    assert url.startswith(web.hooks_url + "/hooks/")  # the hooks origin, not the IDE's
    reply = httpx.post(url, json={"from": "outside"}, timeout=120)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"got": {"from": "outside"}, "tokenMatches": True}

    script_path = page.url.split(web.url, 1)[1]
    page.goto(f"{script_path}/runs")
    row = page.locator("#runs-table [data-run-id]").first
    expect(row).to_contain_text("http")
    row.get_by_role("link", name="Open").click()
    page.wait_for_url("**/runs/*")
    expect(page.locator("#run-status")).to_have_attribute("data-status", "succeeded")
    expect(page.locator("#run-log .log-line", has_text=case["first"])).to_be_visible()
    page.shots("hook-run")

    # Make it a schedule: words and the next five times as you type; a bad expression is flagged.
    page.goto(script_path)
    choose_trigger(page, "schedule")
    page.fill("#schedule-cron", "61 * * * *")
    expect(page.locator("#schedule-error")).to_be_visible()
    page.fill("#schedule-cron", "*/5 * * * *")
    expect(page.locator("#schedule-description")).to_contain_text(re.compile("every 5 minutes", re.I))
    expect(page.locator("#next-times .next-time")).to_have_count(5)
    page.shots("schedule")
    page.click("#save-script")
    page.goto("/scripts")
    expect(page.locator(f'[data-script-name="{name}"]')).to_contain_text(re.compile("every 5 minutes", re.I))
    page.shots("scripts-list")


def pick_runtime(page, runtime: str) -> None:
    if runtime == "node":
        return  # the default
    page.click("#script-runtime")
    page.get_by_role("option", name=re.compile("python", re.I)).click()


def choose_trigger(page, trigger: str) -> None:
    page.click(f"#trigger-type-{trigger}")


def test_versions_diff_restore_and_settings_in_the_dark_theme(page, account):
    from app.services import scripts, users

    owner = users.authenticate(*account)
    saved = scripts.create(
        acting(owner), f"e2e versions {uuid.uuid4().hex[:6]}", "python", "def handler(event, ctx):\n    return 1\n"
    )
    scripts.update(acting(owner), saved.script.id, {"code": "def handler(event, ctx):\n    return 2\n"})

    page.click('[aria-label="Switch light or dark theme"]')
    page.goto(f"/scripts/{saved.script.id}/versions")
    expect(page.locator("#versions-list [data-version]")).to_have_count(2)
    expect(page.locator(".monaco-diff-editor")).to_be_visible()
    expect(page.locator(".monaco-diff-editor")).to_contain_text("return 2")
    page.shots("versions-dark")
    page.click("#restore-version")
    page.click("#restore-confirm")
    page.wait_for_url(f"**/scripts/{saved.script.id}")
    assert scripts.list_versions(acting(owner), saved.script.id)[0].number == 3  # restore saves a new version
    page.wait_for_function("() => window.runpadEditor !== undefined")
    assert "return 1" in page.evaluate("() => window.runpadEditor.getValue()")
    page.shots("restored-dark")

    page.goto("/settings")
    expect(page.locator("#infisical-test")).to_be_visible()
    page.shots("settings-dark")
    page.goto("/secrets")
    expect(page.locator("#secret-save")).to_be_visible()
    page.shots("secrets-dark")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [390, 1440])
def test_the_editor_at_phone_and_desktop_widths(browser, web, account, request, width, dark):
    """The editor, its panels and the try-out stack on a phone; nothing scrolls sideways; code that
    reads a secret it does not tick is flagged under the editor."""
    context, tab = context_tab(browser, web, request, "editor", width=width, dark=dark)
    try:
        secrets.put(acting(users.authenticate(*account)), "E2E_UNTICKED", "a value")
        log_in(tab, *account)
        tab.goto("/scripts/new")
        tab.wait_for_function("() => window.runpadEditor !== undefined")
        tab.evaluate("code => window.runpadEditor.setValue(code)", "export default () => process.env.E2E_UNTICKED;\n")
        expect(tab.locator("#unticked-secrets")).to_contain_text("E2E_UNTICKED")
        editor = tab.locator('[data-testid="code-editor"]').bounding_box()
        panel = tab.locator("#editor-side-panel").bounding_box()
        assert editor["height"] >= 300
        if width < 1024:  # the whole width, the panels below it rather than over it
            assert editor["width"] >= width * 0.8 and panel["y"] >= editor["y"] + editor["height"]
        else:  # side by side
            assert panel["x"] >= editor["x"] + editor["width"] and editor["width"] >= width / 2
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        tab.shots("editor")
        tab.locator('#secret-picker [data-secret="E2E_UNTICKED"]').click()
        expect(tab.locator("#unticked-secrets")).to_have_count(0)
    finally:
        context.close()


def test_leaving_the_editor_with_unsaved_edits_asks_first(page):
    page.goto("/scripts/new")
    page.wait_for_function("() => window.runpadEditor !== undefined")
    page.fill("#script-name", "not saved yet")
    page.evaluate("code => window.runpadEditor.setValue(code)", "export default () => 'draft';\n")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator('a[href="/secrets"]').first.click()
    expect(page.locator("#script-name")).to_have_value("not saved yet")  # stayed, the draft intact
    assert asked and "unsaved changes" in asked[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('a[href="/secrets"]').first.click()
    page.wait_for_url(re.compile(r".*/secrets/?$"))

    page.goto("/scripts/new")  # nothing typed: leaving does not ask
    page.wait_for_function("() => window.runpadEditor !== undefined")
    page.once("dialog", lambda dialog: pytest.fail(f"asked without edits: {dialog.message}"))
    page.locator('a[href="/secrets"]').first.click()
    page.wait_for_url(re.compile(r".*/secrets/?$"))
