"""A person's day in Runpad, in the browser: log in, add a secret, write a script with a package and the
secret, try it out and watch its lines arrive before it ends, save it as a hook, call the hook from outside
and find the run and its log, then make it a schedule and read its next times. Once per runtime.
Then the runs: a hook call's run with its event, Run again, Run now with an event, the Runs page's filters,
at phone and desktop widths in both themes."""

from __future__ import annotations

import re
import time
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


# ---- the IDE fixes a new user hit (issue 13) ------------------------------------------------------


def every_look(page, name: str) -> None:
    """Shots at desktop and phone widths, light and dark; the page never scrolls sideways."""
    for width in (1440, 390):
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": 900})
            page.emulate_media(color_scheme=scheme)
            page.wait_for_timeout(300)  # the theme's colours and the layout settle
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, width)
            page.shots(f"{name}-{width}-{scheme}")
    page.set_viewport_size({"width": 1440, "height": 960})
    page.emulate_media(color_scheme="light")


def session_cookie(page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies() if c["name"] == "runpad_session"}


def test_the_log_download_is_a_file_from_the_server(page, web, account):
    from app.models import RunStatus
    from app.services import launch, logs, queue, runs

    owner = users.authenticate(*account)
    with queue.using(queue.Memory()):  # no worker runs it: its log is written here
        run = launch.tryout(acting(owner), "python", "print('x')\n", [], [], {})
    sink = logs.LogSink("run", run.id)
    sink.write("stdout", "downloaded line ü")
    sink.flush()
    runs.finish(run.id, RunStatus.succeeded, result={"ok": True})

    page.goto(f"/runs/{run.id}")
    expect(page.locator("#run-log .log-line", has_text="downloaded line")).to_be_visible()
    with page.expect_download() as got:
        page.click("#log-download")
    download = got.value
    assert download.suggested_filename == f"run-{run.id}.log"
    assert "stdout downloaded line ü" in open(download.path(), encoding="utf-8").read()
    expect(page.locator("#run-page")).to_be_visible()  # still on the run, not the app's 404
    every_look(page, "run")

    url = f"{web.url}/ui/runs/{run.id}/log.txt"
    served = httpx.get(url, cookies=session_cookie(page))
    assert served.status_code == 200
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert served.headers["content-disposition"] == f'attachment; filename="run-{run.id}.log"'
    assert "downloaded line ü" in served.text
    assert httpx.get(url).status_code == 401  # no session, no log


def test_an_unknown_address_shows_a_styled_404_with_a_way_back(page):
    page.goto("/no-such-page/here")
    expect(page.locator("#page-not-found")).to_contain_text("Page not found")
    expect(page).to_have_title(re.compile("Page not found"))
    every_look(page, "not-found")
    page.click("#back-to-scripts")
    page.wait_for_url(re.compile(r".*/scripts/?$"))


def test_api_tokens_made_shown_once_and_revoked_in_the_browser(page, web):
    page.goto("/settings")
    page.click("#tokens-link")
    page.wait_for_url("**/settings/tokens")
    name = f"e2e token {uuid.uuid4().hex[:6]}"
    page.fill("#token-name", name)
    page.fill("#token-expiry", "30")
    page.click("#token-create")
    box = page.locator("#new-token")
    expect(box).to_have_value(re.compile(r"^rp_"))
    token = box.input_value()
    row = page.locator(f'#tokens-table [data-token="{name}"]')
    expect(row).to_have_attribute("data-status", "live")
    every_look(page, "tokens-new")
    me = f"{web.url}/api/v1/me"
    assert httpx.get(me, headers={"authorization": f"Bearer {token}"}).status_code == 200

    page.click("#new-token-done")
    expect(page.locator("#new-token-callout")).to_be_hidden()
    page.reload()  # shown once: nothing brings it back
    expect(row).to_be_visible()
    assert token not in page.content()
    row.locator(".token-revoke").click()
    page.shots("tokens-revoke-confirm")
    page.click(".token-revoke-confirm")
    expect(row).to_have_attribute("data-status", "revoked")
    assert httpx.get(me, headers={"authorization": f"Bearer {token}"}).status_code == 401
    every_look(page, "tokens-revoked")
    page.goto("/settings")
    expect(page.locator("#settings-help-link")).to_be_visible()  # Help on a phone, whose top bar has no room
    every_look(page, "settings")


def test_shortcut_sheet_help_secret_labels_and_cron_errors(page, account):
    secrets.put(acting(users.authenticate(*account)), "LABEL_SECRET", "v")
    page.goto("/scripts")
    expect(page.locator("#new-script")).to_be_visible()
    page.keyboard.press("?")
    sheet = page.locator("#shortcut-sheet")
    expect(sheet).to_contain_text("Save the script")
    expect(sheet).to_contain_text("Try out the code")
    every_look(page, "shortcuts")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()

    page.click("#help-link")
    page.wait_for_url("**/help")
    expect(page.locator("#user-guide")).to_contain_text("In the browser")
    expect(page.locator("#shortcut-list")).to_contain_text("Ctrl/Cmd")
    every_look(page, "help")

    page.goto("/scripts/new")
    page.wait_for_function("() => window.runpadEditor !== undefined")
    page.click(".monaco-editor .view-lines")
    page.keyboard.press("End")
    page.keyboard.type("?")  # typing: a character, not the sheet
    expect(sheet).to_be_hidden()
    assert "?" in page.evaluate("() => window.runpadEditor.getValue()")
    page.click("#shortcuts-open")  # the visible way to it
    expect(sheet).to_be_visible()
    page.keyboard.press("Escape")

    tick = page.locator('#secret-picker [data-secret="LABEL_SECRET"]')
    expect(tick).to_have_attribute("aria-checked", "false")
    page.click('#secret-picker [data-secret-label="LABEL_SECRET"]')  # the name, not the box
    expect(tick).to_have_attribute("aria-checked", "true")
    page.click('#secret-picker [data-secret-label="LABEL_SECRET"]')
    expect(tick).to_have_attribute("aria-checked", "false")

    choose_trigger(page, "schedule")
    page.fill("#schedule-cron", "0 25 * * *")
    expect(page.locator("#schedule-error")).to_contain_text("the hour field '25' is out of range 0-23")
    expect(page.locator("#schedule-cron-hint")).to_contain_text("or 6 with seconds first")
    every_look(page, "editor")


ECHO = """def handler(event, ctx):
    print("got", event["body"])
    return {"got": event["body"], "trigger": event["trigger"]}
"""
EXACT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
RUN_URL = re.compile(r".*/runs/[0-9a-f-]{36}$")


def call_hook_when_built(url: str, **kwargs) -> httpx.Response:
    """The hook's answer once its script's image is built (until then it answers 409)."""
    deadline = time.monotonic() + 240
    while True:
        reply = httpx.post(url, timeout=120, **kwargs)
        if reply.status_code != 409 or time.monotonic() > deadline:
            return reply
        time.sleep(1)


def pick(page, filter_id: str, option: str) -> None:
    page.locator(f"#{filter_id}").get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_run_again_run_now_with_an_event_and_the_runs_page(page, web, account):
    from app.models import RunStatus, Trigger
    from app.services import scripts
    from tests.support.runs import add_run

    owner = users.authenticate(*account)
    name = f"e2e rerun {uuid.uuid4().hex[:6]}"
    saved = scripts.create(acting(owner), name, "python", ECHO, trigger={"type": "http"})
    headers = {"authorization": "Bearer e2e-caller-secret", "x-note": "kept"}
    reply = call_hook_when_built(f"{web.hooks_url}/hooks/{saved.script.hook_token}", json={"n": 1}, headers=headers)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"got": {"n": 1}, "trigger": "http"}

    # the hook's run shows its event, without the caller's credentials, and exact times
    page.goto("/runs")
    table = page.locator("#all-runs-table")
    expect(table.locator("[data-run-id]")).to_have_count(1)
    expect(table.locator(".run-started").first).to_have_attribute("title", EXACT)  # the exact time on hover
    table.get_by_role("link", name="Open").click()
    page.wait_for_url(RUN_URL)
    first_url = page.url
    expect(page.locator("#run-event")).to_contain_text('"x-note": "kept"')
    expect(page.locator("#run-event")).to_contain_text('"n": 1')
    expect(page.locator("#run-event")).not_to_contain_text("e2e-caller-secret")
    expect(page.locator("#run-started")).to_have_text(EXACT)
    expect(page.locator("#run-finished")).to_have_text(EXACT)

    # Run again: a new run with the same event (still the hook's, so the handler sees trigger http)
    page.click("#rerun")
    page.wait_for_url(lambda url: RUN_URL.match(url) is not None and url != first_url)
    expect(page.locator("#run-status")).to_have_attribute("data-status", "succeeded", timeout=120_000)
    expect(page.locator("#run-result")).to_contain_text('"trigger": "http"')
    expect(page.locator("#run-trigger")).to_have_text("manual")
    expect(page.locator("#run-rerun-of")).to_have_attribute("href", re.compile(first_url.split(web.url, 1)[1] + "$"))
    page.shots("run-again")

    # Run now asks for the event and says when it is not JSON
    page.goto(f"/scripts/{saved.script.id}/runs")
    page.click("#run-now")
    page.fill("#run-event", '{"n": 2,}')
    expect(page.locator("#run-event-error")).to_contain_text("Line 1")
    expect(page.locator("#run-event-start")).to_be_disabled()
    page.shots("run-now-invalid")
    page.fill("#run-event", '{"n": 2}')
    expect(page.locator("#run-event-error")).to_have_count(0)
    page.click("#run-event-start")
    row = page.locator("#runs-table [data-run-id]").first
    expect(row).to_have_attribute("data-status", "succeeded", timeout=120_000)
    expect(page.locator("#runs-table [data-run-id]")).to_have_count(3)

    # the Runs page filters by trigger, status and script (another script's schedule failed meanwhile)
    other = scripts.create(acting(owner), f"e2e other {uuid.uuid4().hex[:6]}", "python", ECHO)
    add_run(other, RunStatus.failed, Trigger.schedule)
    page.goto("/runs")
    rows = table.locator("[data-run-id]")
    expect(rows).to_have_count(4)
    pick(page, "filter-trigger", "http")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-trigger", "http")
    pick(page, "filter-trigger", "manual")
    expect(rows).to_have_count(2)
    pick(page, "filter-status", "failed")
    expect(rows).to_have_count(0)
    expect(page.get_by_text("No runs here")).to_be_visible()
    page.click("#filters-clear")
    expect(rows).to_have_count(4)
    pick(page, "filter-status", "failed")
    expect(rows).to_have_count(1)
    expect(table.locator(".run-script")).to_have_text([other.script.name])
    page.click("#filters-clear")
    pick(page, "filter-script", name)
    expect(rows).to_have_count(3)
    expect(table.locator(".run-script")).to_have_text([name] * 3)

    every_look(page, "runs")  # filtered by the script: all three rows
    page.goto(first_url.split(web.url, 1)[1])
    expect(page.locator("#run-event")).to_be_visible()
    every_look(page, "run")


def test_a_save_that_does_not_parse_is_kept_as_a_draft_and_a_draft_deployed_by_hand(page, account):
    from app.services import scripts, users

    owner = acting(users.authenticate(*account))
    code = "def handler(event, ctx):\n    return 1\n"
    saved = scripts.create(owner, f"e2e deploy {uuid.uuid4().hex[:6]}", "python", code)
    page.goto(f"/scripts/{saved.script.id}")
    expect(page.locator("#deploy-state")).to_have_text("live: v1", timeout=120_000)  # once its image is built
    page.wait_for_function("() => window.runpadEditor !== undefined")

    page.evaluate("code => window.runpadEditor.setValue(code)", "def handler(event, ctx):\n    return (\n")
    page.click("#save-script")
    expect(page.locator("#editor-error")).to_contain_text("line 2, column 12")
    page.click("#save-draft")
    expect(page.locator("#deploy-state")).to_have_text("live: v1 · editing: v2 (draft)")
    every_look(page, "draft-kept")
    page.click("#deploy-version")  # a draft that does not parse cannot go live either
    expect(page.locator("#editor-error")).to_contain_text("does not parse")

    page.evaluate("code => window.runpadEditor.setValue(code)", "def handler(event, ctx):\n    return 3\n")
    page.click("#save-script")
    expect(page.locator("#deploy-state")).to_have_text("live: v3")  # same packages: live at once

    scripts.update(owner, saved.script.id, {"code": "def handler(event, ctx):\n    return 4\n", "draft": True})
    page.reload()
    expect(page.locator("#deploy-state")).to_have_text("live: v3 · editing: v4 (draft)")
    page.click("#deploy-version")
    expect(page.locator("#deploy-state")).to_have_text("live: v4")
    assert scripts.get(owner, saved.script.id).deployed_version == 4


def test_rolling_back_from_the_versions_page(page, account):
    from app.services import scripts, users

    owner = acting(users.authenticate(*account))
    saved = scripts.create(owner, f"e2e rollback {uuid.uuid4().hex[:6]}", "python", "def handler(e, c):\n  return 1\n")
    deadline = time.monotonic() + 180
    while scripts.get(owner, saved.script.id).deployed_version is None and time.monotonic() < deadline:
        time.sleep(0.5)  # its image is built by the module's worker
    scripts.update(owner, saved.script.id, {"code": "def handler(e, c):\n    return 2\n"})  # same image: live
    page.goto(f"/scripts/{saved.script.id}/versions")
    expect(page.locator('[data-version="2"]')).to_contain_text("live")
    page.locator('[data-version="1"]').click()
    page.click("#deploy-version")
    expect(page.locator('[data-version="1"]')).to_contain_text("live")
    expect(page.locator('[data-version="2"]')).not_to_contain_text("live")
    every_look(page, "rolled-back")
    assert scripts.get(owner, saved.script.id).deployed_version == 1
