"""The secret picker for the editor's side panel: a checkbox per secret name, with where it comes from;
names the draft uses that exist nowhere are flagged. Values are never shown or sent."""

from __future__ import annotations

import reflex as rx

from state.draft import DraftState
from state.secret_picker import SecretPickerState

MONO = "var(--code-font-family)"


def source_badges(sources) -> rx.Component:
    return rx.hstack(
        rx.cond(sources.contains("store"), rx.badge("store", variant="soft", color_scheme="gray", size="1")),
        rx.cond(sources.contains("infisical"), rx.badge("Infisical", variant="soft", color_scheme="violet", size="1")),
        spacing="1",
    )


def status_badge(status) -> rx.Component:
    return rx.cond(
        status == "missing",
        rx.tooltip(
            rx.badge(rx.icon("triangle-alert", size=12), "missing", color_scheme="red", size="1"),
            content="No secret has this name any more: runs will fail until it is added or unticked",
        ),
        rx.tooltip(
            rx.badge("unchecked", color_scheme="amber", size="1"),
            content="Not in the built-in store; Infisical is not answering, so it can't be checked",
        ),
    )


def secret_row(row: dict) -> rx.Component:
    # The row is the checkbox's <label>: a click on the name ticks it too, as on any form.
    return rx.el.label(
        rx.hstack(
            rx.checkbox(
                checked=row["selected"] == "yes",
                on_change=lambda on: SecretPickerState.toggle(row["name"], on),
                data_secret=row["name"],
                aria_label="Use secret " + row["name"],
            ),
            rx.text(
                row["name"],
                size="2",
                font_family=MONO,
                flex="1",
                min_width="0",
                overflow_wrap="anywhere",
                data_secret_label=row["name"],
            ),
            rx.cond(row["status"] == "", source_badges(row["sources"]), status_badge(row["status"])),
            align="center",
            spacing="2",
            width="100%",
        ),
        display="block",
        width="100%",
        cursor="pointer",
        padding_x="0.5rem",
        padding_y="0.35rem",
        border_radius="var(--radius-2)",
        _hover={"background_color": rx.color("gray", 3)},
    )


def secret_list() -> rx.Component:
    return rx.cond(
        ~SecretPickerState.loaded,
        rx.hstack(
            rx.spinner(size="1"),
            rx.text("Loading secret names…", size="1", color_scheme="gray"),
            spacing="2",
            padding="0.5rem",
            align="center",
        ),
        rx.cond(
            SecretPickerState.rows.length() > 0,
            rx.vstack(rx.foreach(SecretPickerState.rows, secret_row), spacing="0", width="100%"),
            rx.text(
                "No secrets yet. Add one on the Secrets page, then tick it here.",
                size="1",
                color_scheme="gray",
                padding="0.5rem",
            ),
        ),
    )


def secret_picker() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Secrets", size="2", weight="bold"),
            rx.badge(DraftState.secret_names.length(), variant="surface", color_scheme="gray", size="1"),
            rx.spacer(),
            rx.link(
                rx.hstack(
                    rx.text("Manage secrets", size="1"), rx.icon("arrow-up-right", size=12), spacing="1", align="center"
                ),
                href="/secrets",
                id="manage-secrets",
            ),
            align="center",
            width="100%",
        ),
        rx.text("Ticked names are environment variables in the handler.", size="1", color_scheme="gray"),
        rx.cond(
            SecretPickerState.load_error != "",
            rx.callout(SecretPickerState.load_error, icon="triangle-alert", color_scheme="red", size="1", width="100%"),
        ),
        rx.cond(
            SecretPickerState.infisical_error != "",
            rx.tooltip(
                rx.callout(
                    "Infisical isn't answering: only the built-in store's names are listed.",
                    icon="cloud-off",
                    color_scheme="amber",
                    size="1",
                    width="100%",
                    id="secret-picker-infisical-down",
                ),
                content=SecretPickerState.infisical_error,
            ),
        ),
        rx.box(
            secret_list(),
            id="secret-picker",
            width="100%",
            max_height="18rem",
            overflow_y="auto",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="var(--radius-3)",
            padding="0.25rem",
            background_color=rx.color("gray", 1),
        ),
        spacing="2",
        width="100%",
        on_mount=SecretPickerState.load,
    )
