"""The Workspace page: the tab's workspace's own settings, for its admins. Today one card: the
workspace's Infisical connection, or which default its runs use. Members who are not admins see why
they cannot; the services refuse them anyway."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from components.layout import app_shell, error_callout, page_header
from components.settings_card import MONO, field, grid, infisical_form, section
from state.auth import AuthState
from state.error_handler_card import NONE, ErrorHandlerState as Handler
from state.workspace_quotas import WorkspaceQuotasState as Quotas
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


def outcome(message, failed, id_: str) -> rx.Component:
    """What a card's last change did, in red when it did not happen."""
    return rx.cond(
        message != "",
        rx.text(message, size="2", color_scheme=rx.cond(failed, "red", "green"), id=id_),
    )


def quota_row(row) -> rx.Component:
    return rx.hstack(
        rx.text(row["label"], size="2", weight="medium", min_width="10rem"),
        rx.hstack(
            rx.text(row["value"], size="2", font_family=MONO, id="quota-" + row["field"]),
            rx.badge(row["source"], color_scheme=rx.cond(row["source"] == "default", "gray", "blue"), size="1"),
            spacing="2",
            align="center",
        ),
        rx.text(row["in_use"], size="2", color_scheme="gray"),
        wrap="wrap",
        spacing="3",
        align="center",
        width="100%",
    )


def quota_input(row) -> rx.Component:
    return field(
        row["label"],
        rx.input(
            name=row["field"],
            type="number",
            min=1,
            default_value=row["own"],
            placeholder="default",
            width="100%",
            max_width="12rem",
        ),
    )


def quotas_card() -> rx.Component:
    return rx.box(
        section(
            "Quotas",
            "How much of the installation this workspace may use. Over the runs-at-once quota a run waits "
            "in the queue for a slot; a save over the others is refused. Installation admins set them.",
            rx.vstack(rx.foreach(Quotas.rows, quota_row), spacing="2", width="100%"),
            rx.cond(
                AuthState.is_admin,
                rx.form(
                    rx.vstack(
                        grid(rx.foreach(Quotas.rows, quota_input)),
                        rx.text("Blank: the installation's default.", size="1", color_scheme="gray"),
                        rx.button("Save quotas", type="submit", id="quotas-save"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=Quotas.save,
                    width="100%",
                ),
            ),
            outcome(Quotas.message, Quotas.failed, "quotas-message"),
        ),
        id="workspace-quotas",
        width="100%",
    )


def error_handler_card() -> rx.Component:
    return rx.box(
        section(
            "Error handler",
            "A script of this workspace that runs when another of its runs fails or times out (after its "
            'retries), or when a hook call cannot start a run. Its event has trigger "error" and the '
            "failure in its body; its own failures do not start it again.",
            rx.select.root(
                rx.select.trigger(placeholder="No error handler", width="100%", max_width="24rem"),
                rx.select.content(
                    rx.select.item("No error handler", value=NONE),
                    rx.foreach(Handler.choices, lambda c: rx.select.item(c["name"], value=c["id"])),
                ),
                value=Handler.chosen,
                on_change=Handler.choose,
                id="error-handler-select",
            ),
            outcome(Handler.message, Handler.failed, "error-handler-message"),
        ),
        id="workspace-error-handler",
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
                rx.cond(State.admin, error_handler_card()),
                rx.cond(State.admin, quotas_card()),
                spacing="5",
                width="100%",
                max_width="56rem",
            ),
            rx.center(rx.spinner(size="3"), padding_y="4rem"),
        ),
    )


PAGES = [
    Page("/workspace", workspace_page, "Workspace", [AuthState.require_login, State.load, Handler.load, Quotas.load])
]
