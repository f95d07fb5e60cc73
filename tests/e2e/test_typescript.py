"""A new TypeScript script in the browser: the New script flow offers TypeScript, the editor is in
TypeScript mode with its starter, a type error gets Monaco's squiggle, and the code still runs. At phone
and desktop widths in both themes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import context_tab, log_in

pytestmark = pytest.mark.usefixtures("worker")

WITH_A_TYPE_ERROR = """enum Colour {
  Red = "red",
}
namespace Shapes {
  export const sides: number = 4;
}
interface Reply {
  colour: Colour;
  sides: number;
}

const wrong: number = "not a number"; // a type error: shown, and the run still works

export default async function handler(event: { body: unknown }, ctx: { run_id: string }): Promise<Reply> {
  return { colour: Colour.Red, sides: Shapes.sides };
}
"""


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("width", [390, 1440])
def test_a_new_typescript_script_shows_type_errors_and_runs(browser, web, account, request, width, dark):
    context, tab = context_tab(browser, web, request, "typescript", width=width, dark=dark)
    try:
        log_in(tab, *account)
        tab.click("#new-script")
        tab.wait_for_url("**/scripts/new")
        tab.click("#script-runtime")
        tab.get_by_role("option", name=re.compile("typescript", re.I)).click()
        tab.wait_for_function("() => window.runpadEditor !== undefined")
        tab.wait_for_function("() => window.runpadEditor.getModel().getLanguageId() === 'typescript'")
        assert "interface Context" in tab.evaluate("() => window.runpadEditor.getValue()")  # the TypeScript starter
        expect(tab.locator('[data-testid="code-editor"] .squiggly-error')).to_have_count(0)
        tab.shots("starter")

        tab.evaluate("code => window.runpadEditor.setValue(code)", WITH_A_TYPE_ERROR)
        squiggle = tab.locator('[data-testid="code-editor"] .squiggly-error')
        expect(squiggle.first).to_be_visible(timeout=30_000)  # the TypeScript worker's diagnostic
        markers = tab.evaluate("() => window.runpadMarkers()")
        assert "12: Type 'string' is not assignable to type 'number'." in markers, markers
        assert not [m for m in markers if "only be used in TypeScript files" in m or "Cannot find" in m], markers
        tab.shots("type-error")

        tab.click("#run-tryout")
        expect(tab.locator("#tryout-status")).to_have_attribute("data-status", "succeeded", timeout=240_000)
        expect(tab.locator("#tryout-result")).to_contain_text('"colour": "red"')
        expect(tab.locator("#tryout-result")).to_contain_text('"sides": 4')
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        tab.shots("ran")
    finally:
        context.close()
