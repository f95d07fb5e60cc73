"""The Dependencies panel shows the packages the code imports without declaring them, with a
"detected" badge and the version they were pinned to; Pin makes one a declared dependency, which
the next save keeps. Shots at phone and desktop widths, light and dark."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from app.core.db import session
from app.core.settings import settings
from app.services import scripts, users
from tests.e2e.conftest import context_tab, log_in
from tests.support.actors import acting
from tests.web.test_package_versions import Registry, packument


@pytest.fixture
def saved_script(account, monkeypatch):
    """A script whose code imports two packages it does not declare, saved in this process against a
    local npm stand-in (the web process then only reads what was pinned)."""
    tag = uuid.uuid4().hex[:6]
    names = (f"chart-kit-{tag}", f"@acme/date-fns-{tag}")
    with Registry() as npm:
        monkeypatch.setattr(settings, "npm_registry", npm.url + "/")
        npm.docs[f"/chart-kit-{tag}"] = packument({"3.2.1": {}}, latest="3.2.1")
        npm.docs[f"/@acme%2Fdate-fns-{tag}"] = packument({"1.0.0": {}, "1.4.0": {}}, latest="1.4.0")
        code = (
            f'import chart from "{names[0]}";\nimport {{ format }} from "{names[1]}/locale";\n'
            'import fs from "node:fs";\n\n'
            "export default async function handler(event) {\n  return chart(format(event.body));\n}\n"
        )
        saved = scripts.create(acting(users.authenticate(*account)), f"detected-{tag}", "node", code, ["dayjs@^1.11"])
    return saved, names


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [390, 1440])
def test_detected_packages_show_and_pin(browser, web, account, request, saved_script, width, dark):
    saved, (chart, dates) = saved_script
    context, tab = context_tab(browser, web, request, "detected", width=width, dark=dark)
    try:
        log_in(tab, *account)
        tab.goto(f"/scripts/{saved.script.id}")
        panel = tab.locator("#section-dependencies")
        detected = panel.locator(".dep-detected")
        expect(detected).to_have_count(2)
        expect(panel.locator(f'.dep-detected[data-dep="{chart}@3.2.1"]')).to_contain_text("detected")
        expect(panel.locator(f'.dep-detected[data-dep="{dates}@1.4.0"]')).to_contain_text("1.4.0")
        expect(panel.locator('[data-dep="dayjs@^1.11"]')).not_to_contain_text("detected")  # declared
        panel.scroll_into_view_if_needed()
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        tab.shots("detected")

        panel.get_by_role("button", name=f"Pin {chart}").click()
        expect(detected).to_have_count(1)  # now a declared dependency, listed with the others
        expect(panel.locator(f'.dep-item:not(.dep-detected)[data-dep="{chart}@3.2.1"]')).to_be_visible()
        tab.shots("pinned")
        tab.click("#save-script")
        expect(tab.get_by_text("Saved as version 2")).to_be_visible()
        after = scripts.get(acting(users.authenticate(*account)), saved.script.id)
        assert after.current_version == 2
        with session() as s:
            version = scripts.current_version(s, after)
        assert version.dependencies == sorted(["dayjs@^1.11", f"{chart}@3.2.1"])
        assert version.detected_dependencies == [f"{dates}@1.4.0"]  # kept at its pin: no registry asked
        tab.shots("saved")
    finally:
        context.close()
