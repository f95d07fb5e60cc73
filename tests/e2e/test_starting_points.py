"""Issue 13's rest, in the browser: New script from an example (seen in the editor, then tried out as it
is), a build that fails naming the package in the package manager's words, and the hook calls a script
turned away on its runs page; at phone and desktop widths in both themes."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from app.services import scripts, users
from tests.e2e.test_ide import every_look
from tests.support.actors import acting
from tests.support.scripts import unbuilt_script

pytestmark = pytest.mark.usefixtures("worker")


def open_examples(page) -> None:
    page.goto("/scripts")
    page.click("#examples-open")
    expect(page.locator("#examples-dialog")).to_be_visible()


def test_new_script_from_an_example_shows_it_in_the_editor_and_it_runs_as_it_is(page):
    page.goto("/scripts")
    expect(page.locator("#examples-open-empty")).to_be_visible()  # no scripts yet: offered there too
    every_look(page, "scripts")
    open_examples(page)
    expect(page.locator("#examples-dialog .example-card")).to_have_count(3)
    every_look(page, "examples")

    page.click("#example-echo-hook")
    page.wait_for_url("**/scripts/new?example=echo-hook")
    expect(page.locator("#script-name")).to_have_value("Echo hook")
    page.wait_for_function("() => window.runpadEditor !== undefined")
    assert "received: event.body" in page.evaluate("() => window.runpadEditor.getValue()")
    expect(page.locator("#hook-url-pending")).to_be_visible()  # an HTTP hook, its URL once saved
    expect(page.locator("#event-json")).to_have_value(re.compile('"hello": "world"'))
    page.keyboard.press("Control+Enter")
    expect(page.locator("#tryout-status")).to_have_attribute("data-status", "succeeded", timeout=120_000)
    expect(page.locator("#tryout-result")).to_contain_text('"received"')
    expect(page.locator("#tryout-result")).to_contain_text('"hello": "world"')
    every_look(page, "echo-hook-tried")

    # the feed example brings its package, its secret (not made yet: flagged) and its schedule
    open_examples(page)
    page.click("#example-feed-to-webhook")
    page.wait_for_url("**/scripts/new?example=feed-to-webhook")
    expect(page.locator("#script-name")).to_have_value("Feed to webhook")
    expect(page.locator("#dep-list .dep-item")).to_have_count(1)
    expect(page.locator("#dep-list")).to_contain_text("rss-parser")
    expect(page.locator('#secret-picker [data-secret="WEBHOOK_URL"]')).to_be_visible()
    expect(page.locator("#schedule-cron")).to_have_value("0 * * * *")
    page.wait_for_function("() => window.runpadEditor !== undefined")
    assert 'import Parser from "rss-parser"' in page.evaluate("() => window.runpadEditor.getValue()")
    page.shots("feed-example")


def test_a_failed_build_names_the_package_in_uv_s_words(page, account):
    missing = f"runpad-missing-{uuid.uuid4().hex[:8]}"
    saved = scripts.create(
        acting(users.authenticate(*account)), "needs a ghost", "python", "x = 1\n", [f"{missing}==1.0"]
    )
    page.goto(f"/scripts/{saved.script.id}")
    expect(page.locator("#build-status")).to_have_attribute("data-status", "failed", timeout=240_000)
    error = page.locator("#build-error")
    expect(error).to_contain_text(f"uv could not install {missing}==1.0")
    expect(error).to_contain_text(f"Because {missing} was not found in the package registry")
    expect(error).not_to_contain_text("docker build")
    every_look(page, "build-error")


def test_the_calls_a_hook_turned_away_are_listed_on_its_runs_page(page, web, account):
    # a dependency set whose build no worker is sent: every call is turned away with 409
    package = f"runpad-never-built-{uuid.uuid4().hex[:8]}@1.0.0"
    owner = acting(users.authenticate(*account))
    hook = unbuilt_script(owner, "waiting hook", "node", "export default () => 1;", [package], trigger={"type": "http"})
    for _ in range(2):
        reply = httpx.post(f"{web.hooks_url}/hooks/{hook.script.hook_token}", json={}, timeout=30)
        assert reply.status_code == 409, reply.text

    page.goto(f"/scripts/{hook.script.id}/runs")
    card = page.locator("#turned-away")
    expect(card).to_be_visible()
    expect(card.locator("tbody tr")).to_have_count(2)
    expect(card.locator('tr[data-status="409"]').first).to_contain_text("not built yet")
    every_look(page, "turned-away")

    quiet = unbuilt_script(owner, "quiet hook", "node", "export default () => 1;", trigger={"type": "http"})
    page.goto(f"/scripts/{quiet.script.id}/runs")
    expect(page.get_by_text("No runs yet")).to_be_visible()
    expect(card).to_have_count(0)  # nothing turned away: no card
