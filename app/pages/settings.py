"""The Settings page: one card per section (Infisical, CloudWatch, registries, default limits, log
retention), each saved on its own. Non-admins see the same cards read-only."""

from __future__ import annotations

from functools import partial

import reflex as rx

from app.pages import Page
from app.services.limits import MEMORY_RANGE, TIMEOUT_RANGE
from app.services.log_retention import MAX_DAYS
from components import settings_card as card
from components.layout import app_shell, error_callout, page_header
from components.settings_card import MONO, field, grid, section, status_badge
from state.auth import AuthState
from state.settings import SettingsState

READ_ONLY = ~SettingsState.admin
text_input = partial(card.text_input, disabled=READ_ONLY)
secret_input = partial(card.secret_input, disabled=READ_ONLY)
message = partial(card.message, SettingsState)
actions = partial(card.actions, SettingsState.admin)


def infisical_card() -> rx.Component:
    return section(
        "Infisical",
        "A second source of secrets: runs get names the built-in store lacks from this project. It is the "
        "default: a workspace's admins may connect the workspace's own project instead.",
        *card.infisical_form(SettingsState, SettingsState.admin, SettingsState.infisical_configured),
        badge=status_badge(SettingsState.infisical_configured, "configured", "not configured"),
    )


def cloudwatch_card() -> rx.Component:
    v = SettingsState.cloudwatch
    return section(
        "CloudWatch Logs",
        "Ship every run's and build's log lines to a CloudWatch log group (one stream per run). "
        "Without an access key, the workers' default AWS credentials are used.",
        rx.form(
            rx.vstack(
                grid(
                    field("Region", text_input("region", "cloudwatch-region", v["region"], "eu-west-1", True)),
                    field(
                        "Log group",
                        text_input("log_group", "cloudwatch-log-group", v["log_group"], "/runpad/runs", True),
                    ),
                    field(
                        "Access key id",
                        text_input("access_key_id", "cloudwatch-access-key-id", v["access_key_id"], "optional", True),
                    ),
                    field(
                        "Secret access key",
                        secret_input("secret_access_key", "cloudwatch-secret-key", SettingsState.cloudwatch_secret_set),
                        "Write-only.",
                    ),
                ),
                actions(
                    rx.button("Save", type="submit", id="cloudwatch-save"),
                    rx.button(
                        "Turn off",
                        type="button",
                        variant="soft",
                        color_scheme="red",
                        id="cloudwatch-off",
                        on_click=SettingsState.disable_cloudwatch,
                        disabled=v["region"] == "",
                    ),
                ),
                message("cloudwatch", "cloudwatch-message"),
                spacing="4",
                width="100%",
            ),
            on_submit=SettingsState.save_cloudwatch,
            key=SettingsState.revision.to_string() + "-cloudwatch",
        ),
        badge=status_badge(v["region"] != "", "shipping", "off"),
    )


def env_row(label: str, value, variable: str) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="10rem"),
        rx.data_list.value(
            rx.vstack(
                rx.code(
                    rx.cond(value != "", value, "not set"), variant="ghost", font_family=MONO, overflow_wrap="anywhere"
                ),
                rx.text("from ", rx.code(variable, size="1"), size="1", color_scheme="gray"),
                spacing="1",
            )
        ),
    )


def registry_card() -> rx.Component:
    return section(
        "Registries",
        "Where dependency images are kept and where packages come from. These come from the "
        "environment: set them in .env and restart the web process and the workers to change them.",
        rx.data_list.root(
            env_row("Image registry", SettingsState.registry, "RUNPAD_REGISTRY"),
            env_row("npm registry", SettingsState.npm_registry, "RUNPAD_NPM_REGISTRY"),
            env_row("PyPI JSON API", SettingsState.pypi_json_url, "RUNPAD_PYPI_JSON_URL"),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            width="100%",
        ),
        card.check_row(
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Check image registry",
                type="button",
                variant="surface",
                id="registry-check",
                on_click=SettingsState.check_registry,
                disabled=SettingsState.registry == "",
            ),
            SettingsState.registry_result,
            "registry-result",
            rx.cond(SettingsState.registry_ok, "green", rx.cond(SettingsState.registry == "", "gray", "amber")),
        ),
    )


def limits_card() -> rx.Component:
    return section(
        "Default limits",
        "What a new script or a try-out starts with; each script can change its own.",
        rx.form(
            rx.vstack(
                grid(
                    field(
                        "Timeout (seconds)",
                        rx.input(
                            name="timeout_seconds",
                            id="default-timeout",
                            type="number",
                            default_value=SettingsState.timeout_seconds.to_string(),
                            min=TIMEOUT_RANGE[0],
                            max=TIMEOUT_RANGE[1],
                            disabled=READ_ONLY,
                            width="100%",
                            max_width="12rem",
                        ),
                        f"{TIMEOUT_RANGE[0]} to {TIMEOUT_RANGE[1]}",
                    ),
                    field(
                        "Memory (MB)",
                        rx.input(
                            name="memory_mb",
                            id="default-memory",
                            type="number",
                            default_value=SettingsState.memory_mb.to_string(),
                            min=MEMORY_RANGE[0],
                            max=MEMORY_RANGE[1],
                            disabled=READ_ONLY,
                            width="100%",
                            max_width="12rem",
                        ),
                        f"{MEMORY_RANGE[0]} to {MEMORY_RANGE[1]}",
                    ),
                ),
                rx.text(
                    rx.hstack(
                        rx.switch(
                            name="network",
                            id="default-network",
                            default_checked=SettingsState.network,
                            disabled=READ_ONLY,
                        ),
                        "Network access (outbound internet) for runs",
                        spacing="2",
                        align="center",
                    ),
                    as_="label",
                    size="2",
                ),
                actions(rx.button("Save", type="submit", id="limits-save")),
                message("limits", "limits-message"),
                spacing="4",
                width="100%",
            ),
            on_submit=SettingsState.save_limits,
            key=SettingsState.revision.to_string() + "-limits",
        ),
    )


def retention_card() -> rx.Component:
    return section(
        "Log retention",
        "Log lines of runs and builds that finished longer ago than this are deleted.",
        rx.form(
            rx.vstack(
                field(
                    "Keep logs for (days)",
                    rx.input(
                        name="retention_days",
                        id="log-retention-days",
                        type="number",
                        min=1,
                        max=MAX_DAYS,
                        default_value=SettingsState.retention_days.to_string(),
                        disabled=READ_ONLY,
                        width="100%",
                        max_width="12rem",
                    ),
                    f"1 to {MAX_DAYS}",
                ),
                actions(rx.button("Save", type="submit", id="retention-save")),
                message("retention", "retention-message"),
                spacing="4",
                width="100%",
            ),
            on_submit=SettingsState.save_retention,
            key=SettingsState.revision.to_string() + "-retention",
        ),
    )


def page_link(icon: str, label: str, href: str, id: str) -> rx.Component:
    return rx.link(rx.button(rx.icon(icon, size=14), label, variant="soft"), href=href, id=id)


def more_pages() -> rx.Component:
    """The pages under Settings, and Help, which has no room in a phone's top bar."""
    return rx.flex(
        page_link("key-round", "API tokens", "/settings/tokens", "tokens-link"),
        rx.cond(AuthState.is_admin, page_link("users", "Users", "/settings/users", "users-link")),
        page_link("circle-help", "Help", "/help", "settings-help-link"),
        wrap="wrap",
        spacing="2",
        margin_bottom="1.25rem",
    )


def settings_page() -> rx.Component:
    return app_shell(
        page_header("Settings", subtitle="How this Runpad installation runs scripts and where it gets secrets."),
        more_pages(),
        rx.cond(
            SettingsState.loaded,
            rx.vstack(
                error_callout(SettingsState.load_error),
                rx.cond(
                    READ_ONLY,
                    rx.callout(
                        "Only an admin can change these settings; you can read them.",
                        icon="lock",
                        color_scheme="gray",
                        size="1",
                        width="100%",
                        id="settings-readonly",
                    ),
                ),
                infisical_card(),
                cloudwatch_card(),
                limits_card(),
                retention_card(),
                registry_card(),
                spacing="5",
                width="100%",
                max_width="56rem",
            ),
            rx.center(rx.spinner(size="3"), padding_y="4rem"),
        ),
    )


PAGES = [Page("/settings", settings_page, "Settings", [AuthState.require_login, SettingsState.load])]
