"""The Secrets page: every secret name and its source; add, replace or delete the built-in store's."""

from __future__ import annotations

import reflex as rx

from app.pages import Page
from components.layout import app_shell, empty_state, error_callout, page_header
from state.auth import AuthState
from state.secrets import SecretsState

MONO = "var(--code-font-family)"


def source_badges(sources) -> rx.Component:
    return rx.hstack(
        rx.cond(sources.contains("store"), rx.badge("built-in store", variant="soft", color_scheme="gray")),
        rx.cond(sources.contains("infisical"), rx.badge("Infisical", variant="soft", color_scheme="violet")),
        spacing="1",
    )


def secret_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Add or replace a secret", size="3"),
                rx.text(
                    "Saving a name that exists replaces its value. Values are stored encrypted and are never "
                    "shown again, here or in the API.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.text("Name", size="2", weight="medium"),
                rx.input(
                    name="name",
                    id="secret-name",
                    placeholder="API_KEY",
                    width="100%",
                    auto_complete="off",
                    spell_check=False,
                    max_length=128,
                ),
                rx.text("Letters, digits and _, not starting with a digit.", size="1", color_scheme="gray"),
                rx.text("Value", size="2", weight="medium"),
                rx.input(
                    name="value",
                    id="secret-value",
                    type="password",
                    width="100%",
                    auto_complete="new-password",
                    placeholder="The value the handler reads",
                ),
                rx.box(error_callout(SecretsState.form_error), width="100%"),
                rx.button(
                    rx.icon("lock", size=14),
                    "Save secret",
                    type="submit",
                    id="secret-save",
                    loading=SecretsState.saving,
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=SecretsState.save,
            reset_on_submit=False,
        ),
        width="100%",
        size="2",
    )


def row_actions(row: dict) -> rx.Component:
    return rx.cond(
        row["in_store"] == "yes",
        rx.hstack(
            rx.tooltip(
                rx.icon_button(
                    rx.icon("pencil", size=14),
                    variant="ghost",
                    color_scheme="gray",
                    size="1",
                    aria_label="Replace " + row["name"],
                    on_click=[rx.set_value("secret-name", row["name"]), rx.set_focus("secret-value")],
                ),
                content="Replace the value",
            ),
            rx.tooltip(
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    aria_label="Delete " + row["name"],
                    class_name="secret-delete",
                    on_click=SecretsState.ask_delete(row["name"]),
                ),
                content="Delete from the built-in store",
            ),
            spacing="3",
            justify="end",
        ),
        rx.text("read-only", size="1", color_scheme="gray"),
    )


def secret_row(row: dict) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["name"], font_family=MONO, size="2", weight="medium")),
        rx.table.cell(source_badges(row["sources"])),
        rx.table.cell(rx.text(rx.cond(row["updated"] != "", row["updated"], "—"), size="2", color_scheme="gray")),
        rx.table.cell(row_actions(row), text_align="right"),
        data_secret=row["name"],
        align="center",
    )


def secrets_table() -> rx.Component:
    return rx.cond(
        SecretsState.rows.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("Source"),
                    rx.table.column_header_cell("Updated"),
                    rx.table.column_header_cell(""),
                )
            ),
            rx.table.body(rx.foreach(SecretsState.rows, secret_row)),
            id="secrets-table",
            variant="surface",
            width="100%",
        ),
        empty_state(
            "key-round",
            "No secrets yet",
            "Add a name and a value on the right. Scripts pick the secrets they need in the editor and "
            "read them as environment variables.",
        ),
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete secret ", rx.code(SecretsState.confirm_name), "?"),
            rx.alert_dialog.description(
                "Its value is removed from the built-in store for good. Scripts that use it will fail to start "
                "until a secret with this name exists again (in the store or in Infisical).",
                size="2",
            ),
            rx.box(error_callout(SecretsState.delete_error), margin_top="0.75rem"),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Cancel",
                        variant="soft",
                        color_scheme="gray",
                        on_click=SecretsState.cancel_delete,
                        id="secret-delete-cancel",
                    )
                ),
                rx.button("Delete", color_scheme="red", on_click=SecretsState.delete, id="secret-delete-confirm"),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="28rem",
        ),
        open=SecretsState.confirm_name != "",
        on_open_change=SecretsState.dialog_open_change,
    )


def secrets_page() -> rx.Component:
    return app_shell(
        page_header("Secrets", subtitle="Values a script's handler reads as environment variables."),
        rx.vstack(
            error_callout(SecretsState.load_error),
            rx.cond(
                SecretsState.infisical_error != "",
                rx.callout(
                    SecretsState.infisical_error,
                    icon="cloud-off",
                    color_scheme="amber",
                    size="1",
                    width="100%",
                    id="secrets-infisical-error",
                ),
            ),
            rx.cond(
                SecretsState.notice != "",
                rx.callout(
                    SecretsState.notice,
                    icon="circle-check",
                    color_scheme="green",
                    size="1",
                    width="100%",
                    id="secrets-notice",
                ),
            ),
            width="100%",
            spacing="2",
            margin_bottom="1rem",
        ),
        rx.flex(
            rx.box(
                rx.cond(
                    SecretsState.loaded,
                    secrets_table(),
                    rx.center(rx.spinner(size="3"), padding_y="4rem", width="100%"),
                ),
                rx.cond(
                    SecretsState.infisical == "ok",
                    rx.text(
                        "Names from Infisical are managed in Infisical. Where both have a name, runs get "
                        "the built-in store's value.",
                        size="1",
                        color_scheme="gray",
                        margin_top="0.5rem",
                    ),
                ),
                flex="1",
                min_width="0",
            ),
            rx.cond(AuthState.can_write, rx.box(secret_form(), width=["100%", "100%", "22rem"], flex_shrink="0")),
            direction=rx.breakpoints(initial="column", md="row"),
            spacing="5",
            width="100%",
            align="start",
        ),
        delete_dialog(),
    )


PAGES = [Page("/secrets", secrets_page, "Secrets", [AuthState.require_login, SecretsState.load])]
