"""A small team in the browser, on the production build, with three people in three browser contexts:
the installation admin invites a colleague by link; the colleague sets a password; the admin makes a
workspace, gives it a secret and adds the colleague as developer; the colleague writes a script that
reads the secret and runs it; made an operator, the colleague can run it but not save it, nor read the
audit log the admin reads; a third user outside the workspace sees nothing of it. Then the team pages at
phone and desktop widths, light and dark."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from app.models import Role
from app.services import secrets, users, workspaces
from tests.e2e.conftest import context_tab, log_in
from tests.integration.infisical_server import closed_port_url
from tests.support.actors import acting

pytestmark = pytest.mark.usefixtures("worker")
CODE = """export default async (event) => {
  console.log("team run", event.body.n);
  return { n: event.body?.n ?? 0, token: process.env.TEAM_TOKEN === "TEAM_VALUE" };
};
"""


def switch_to(tab, slug: str) -> None:
    tab.click("#workspace-switcher")
    tab.click(f'[data-workspace="{slug}"]')
    tab.wait_for_url(re.compile(r".*/scripts/?$"))


def test_invite_share_a_workspace_and_roles(browser, web, request):
    admin_email, password = f"admin-{uuid.uuid4().hex[:8]}@runpad.test", "admin-password-1"
    users.create(admin_email, password, is_admin=True)
    outsider_email = f"outsider-{uuid.uuid4().hex[:8]}@runpad.test"
    users.create(outsider_email, password)
    colleague_email = f"colleague-{uuid.uuid4().hex[:8]}@runpad.test"
    slug, value = f"team-{uuid.uuid4().hex[:6]}", "TEAM_VALUE"
    admin_ctx, admin = context_tab(browser, web, request, "admin")
    colleague_ctx, colleague = context_tab(browser, web, request, "colleague")
    outsider_ctx, outsider = context_tab(browser, web, request, "outsider")
    try:
        # the admin invites by link
        log_in(admin, admin_email, password)
        admin.goto("/settings/users")
        admin.fill("#user-email", colleague_email)
        admin.click("#user-create")
        link = admin.locator("#invite-link")
        expect(link).to_contain_text("/invite/")
        admin.shots("invited")
        invite = link.inner_text().strip()

        # the colleague sets a password there and is logged in
        colleague.goto(invite.split(web.url, 1)[-1] if invite.startswith(web.url) else invite)
        expect(colleague.locator("#invite-heading")).to_contain_text(colleague_email)
        colleague.shots("invite-page")
        colleague.fill("#invite-password", "colleague-password-1")
        colleague.click("#invite-submit")
        colleague.wait_for_url(re.compile(r".*/scripts/?$"))

        # the admin makes a workspace, gives it a secret and adds the colleague as developer
        admin.goto("/scripts")
        admin.click("#workspace-switcher")
        admin.click("#new-workspace")
        admin.fill("#workspace-name", "Growth team")
        admin.fill("#workspace-slug", slug)
        admin.click("#workspace-create")
        admin.wait_for_url(re.compile(r".*/members/?$"))
        expect(admin.locator("#workspace-switcher")).to_contain_text("Growth team")
        admin.fill("#member-email", colleague_email)
        admin.click("#member-add")
        expect(admin.locator(f'#members-table [data-member="{colleague_email}"]')).to_contain_text("developer")
        admin.shots("members")
        admin.goto("/workspace")  # the workspace's own Infisical connection: saved, tested, disconnected
        expect(admin.locator("#workspace-infisical")).to_contain_text("Infisical for this workspace")
        dead = closed_port_url()
        for field, text in (("site-url", dead), ("client-id", "team-id"), ("client-secret", "s"), ("project-id", "p")):
            admin.fill(f"#infisical-{field}", text)
        admin.fill("#infisical-environment", "prod")
        admin.click("#infisical-save")
        expect(admin.locator("#infisical-result")).to_contain_text(f"cannot reach Infisical at {dead}")
        expect(admin.locator("#workspace-infisical")).to_contain_text("own connection")
        admin.shots("workspace")
        admin.click("#infisical-disconnect")
        expect(admin.locator("#workspace-infisical")).to_contain_text("not connected")
        admin.goto("/secrets")
        admin.fill("#secret-name", "TEAM_TOKEN")
        admin.fill("#secret-value", value)
        admin.click("#secret-save")
        expect(admin.locator('#secrets-table [data-secret="TEAM_TOKEN"]')).to_be_visible()

        # the colleague writes a script with the workspace's secret and runs it
        colleague.reload()
        switch_to(colleague, slug)
        colleague.click("#new-script")
        colleague.wait_for_url("**/scripts/new")
        colleague.fill("#script-name", "team script")
        colleague.wait_for_function("() => window.runpadEditor !== undefined")
        colleague.evaluate("code => window.runpadEditor.setValue(code)", CODE)
        colleague.locator('#secret-picker [data-secret="TEAM_TOKEN"]').click()
        colleague.click("#save-script")
        colleague.wait_for_url(re.compile(r".*/scripts/[0-9a-f-]{36}$"))
        script_path = colleague.url.split(web.url, 1)[1]
        colleague.goto(f"{script_path}/runs")
        colleague.click("#run-now")
        colleague.click("#run-event-start")  # with the event offered, {}
        row = colleague.locator("#runs-table [data-run-id]").first
        expect(row).to_contain_text("succeeded", timeout=240_000)
        colleague.shots("developer-ran")
        row.get_by_role("link", name="Open").click()
        expect(colleague.locator("#run-result")).to_contain_text('"token": true')  # the workspace's secret
        colleague.goto("/workspace")  # a developer: told why, shown nothing of the settings
        expect(colleague.locator("#workspace-refused")).to_contain_text("you need admin")
        expect(colleague.locator("#workspace-infisical")).to_have_count(0)
        colleague.shots("workspace-refused")

        # made an operator: runs still start, saving is not offered (and the server refuses it)
        member = admin.locator(f'#members-table [data-member="{colleague_email}"]')
        admin.goto("/members")
        member.get_by_role("combobox").click()
        admin.get_by_role("option", name="operator").click()
        expect(member.get_by_role("combobox")).to_contain_text("operator")
        colleague.goto(script_path)
        expect(colleague.locator("#save-script")).to_be_disabled()
        expect(colleague.locator("#delete-script")).to_be_disabled()
        colleague.shots("operator-editor")
        colleague.goto(f"{script_path}/runs")
        colleague.click("#run-now")
        colleague.click("#run-event-start")  # with the event offered, {}
        expect(colleague.locator("#runs-table [data-run-id]")).to_have_count(2, timeout=60_000)

        # the admin's audit log has who did what; the operator is not offered it, and by URL is refused
        admin.goto("/audit")
        events = admin.locator("#audit-table")
        expect(events.locator("[data-event]").first).to_contain_text("member.put")
        expect(events).to_contain_text(colleague_email)
        expect(events).to_contain_text("role: operator")
        expect(events).to_contain_text("TEAM_TOKEN")
        expect(events).to_contain_text("team script")
        admin.shots("audit")
        admin.click("#audit-scope-installation")
        expect(events).to_contain_text("user.invite")
        expect(events).not_to_contain_text("TEAM_TOKEN")
        admin.shots("audit-installation")
        expect(colleague.locator('a[href="/audit"]')).to_have_count(0)
        colleague.goto("/audit")
        expect(colleague.get_by_text("Only workspace admins can see the audit log")).to_be_visible()
        expect(colleague.locator("#audit-table")).to_have_count(0)
        expect(colleague.locator("#audit-scope")).to_have_count(0)
        colleague.shots("operator-audit")

        # someone outside the workspace sees nothing of it
        log_in(outsider, outsider_email, password)
        outsider.click("#workspace-switcher")
        expect(outsider.locator(f'[data-workspace="{slug}"]')).to_have_count(0)
        outsider.keyboard.press("Escape")
        outsider.goto(script_path)
        expect(outsider.get_by_text(re.compile("not found|no such script", re.I)).first).to_be_visible()
        outsider.shots("outsider")
        expect(outsider.locator("body")).not_to_contain_text("team script")
    finally:
        for context in (admin_ctx, colleague_ctx, outsider_ctx):
            context.close()


@pytest.mark.parametrize("width", [390, 1440])
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_team_pages_at_phone_and_desktop_widths(browser, web, request, width, dark):
    email, password = f"shots-{uuid.uuid4().hex[:8]}@runpad.test", "shots-password-1"
    shooter = users.create(email, password, is_admin=True)
    # a long address, as the suite's own users have, must wrap rather than widen the page
    long = users.create(f"a-rather-long-address-{uuid.uuid4().hex}@subdomain.example-company.test", password)
    workspaces.set_member(acting(shooter), long.id, Role.developer)  # in the members list and the audit log
    secrets.put(acting(shooter), "A_RATHER_LONG_SECRET_NAME_FOR_THE_AUDIT_LOG", "value")
    context, tab = context_tab(browser, web, request, "pages", width=width, dark=dark)
    try:
        log_in(tab, email, password)
        for path, ready in (
            ("/members", "#members-table"),
            ("/settings/users", "#users-table"),
            ("/workspace", "#workspace-quotas"),
            ("/audit", "#audit-table"),  # last: the installation scope is shot next
        ):
            tab.goto(path)
            expect(tab.locator(ready)).to_be_visible()
            tab.shots(path.strip("/").replace("/", "-"))
            assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
                path
            )  # no sideways scroll
        tab.click("#audit-scope-installation")
        expect(tab.locator("#audit-table")).to_contain_text("user.create")  # in no workspace's log
        tab.shots("audit-installation")
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        tab.click("#workspace-switcher")
        tab.shots("switcher")
    finally:
        context.close()
