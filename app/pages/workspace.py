"""The Workspace page: the tab's workspace's own settings, for its admins. Today one card: the
workspace's Infisical connection, or which default its runs use. Members who are not admins see why
they cannot; the services refuse them anyway."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from components.layout import app_shell, error_callout, page_header
from components.settings_card import infisical_form, section
from state.auth import AuthState
from state.workspace_settings import WorkspaceSettingsState as State

USES_BADGES = (
    ("own", rx.badge("own connection", color_scheme="green")),
    ("default", rx.badge("installation default", color_scheme="blue")),
)


def infisical_card() -> rx.Component:
    return rx.box(
        section(
            "Infisical for this workspace",
            "Runs, the Secrets page and the secret picker of this workspace get the names the built-in store "
            "lacks from Infisical. Connect the workspace's own project with its own machine identity; "
            "without one, the installation's default applies.",
            rx.callout(
                State.uses_text, icon="info", color_scheme="gray", size="1", width="100%", id="workspace-infisical-uses"
            ),
            *infisical_form(State, State.admin, State.uses != "none"),
            badge=rx.match(State.uses, *USES_BADGES, rx.badge("not connected", color_scheme="gray")),
        ),
        id="workspace-infisical",
        width="100%",
    )


def workspace_page() -> rx.Component:
    return app_shell(
        page_header(
            "Workspace",
            subtitle=rx.text("Settings of ", rx.text.strong(AuthState.workspace_label), ", for its admins."),
        ),
        rx.cond(
            State.loaded,
            rx.vstack(
                error_callout(State.load_error),
                rx.cond(
                    State.refused != "",
                    rx.callout(State.refused, icon="lock", color_scheme="gray", size="1", id="workspace-refused"),
                ),
                rx.cond(State.admin, infisical_card()),
                spacing="5",
                width="100%",
                max_width="56rem",
            ),
            rx.center(rx.spinner(size="3"), padding_y="4rem"),
        ),
    )


PAGES = [Page("/workspace", workspace_page, "Workspace", [AuthState.require_login, State.load])]
