"""The editor's trigger section: manual, HTTP hook or schedule, with what each needs."""

from __future__ import annotations

import reflex as rx

from app.services.schedules import CRON_HINT
from components.layout import error_callout
from state.trigger import TriggerState, timezone_names

MONO = "var(--code-font-family)"
AUTH_MODES = [("none", "No authentication"), ("bearer", "Bearer secret"), ("hmac", "HMAC signature")]


def field_label(text: str, html_for: str = "") -> rx.Component:
    return rx.el.label(rx.text(text, size="1", weight="medium", color=rx.color("gray", 11)), html_for=html_for)


def segmented(value, on_change, options: list[tuple[str, str]], id: str) -> rx.Component:
    return rx.segmented_control.root(
        *[rx.segmented_control.item(label, value=val, id=f"{id}-{val}") for val, label in options],
        value=value,
        on_change=on_change,
        id=id,
        size="1",
        width="100%",
    )


def copy_icon(text, what: str, id: str) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(
            rx.icon("copy", size=14),
            variant="soft",
            color_scheme="gray",
            size="1",
            id=id,
            aria_label=f"Copy {what}",
            on_click=[rx.set_clipboard(text), rx.toast.success(f"{what} copied", duration=2000)],
        ),
        content=f"Copy {what}",
    )


def mono_box(text, id: str) -> rx.Component:
    return rx.box(
        rx.text(text, size="1", font_family=MONO, word_break="break-all", id=id),
        padding="0.4rem 0.6rem",
        border_radius="var(--radius-2)",
        background_color=rx.color("gray", 3),
        border=f"1px solid {rx.color('gray', 5)}",
        flex="1",
        min_width="0",
    )


def rotate_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Rotate",
                variant="soft",
                color_scheme="gray",
                size="1",
                loading=TriggerState.rotating,
                id="rotate-hook",
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Rotate the hook URL?"),
            rx.alert_dialog.description(
                "The current URL stops working at once; callers need the new one. With bearer or HMAC "
                "authentication the secret is replaced too.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Rotate", color_scheme="red", on_click=TriggerState.rotate_hook, id="rotate-hook-confirm")
                ),
                spacing="3",
                justify="end",
                margin_top="1rem",
            ),
            max_width="28rem",
        ),
    )


def secret_once() -> rx.Component:
    return rx.cond(
        TriggerState.hook_secret != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text("Copy the hook secret now: it is shown only this once.", size="2", weight="medium"),
                rx.hstack(
                    mono_box(TriggerState.hook_secret, "hook-secret"),
                    copy_icon(TriggerState.hook_secret, "Hook secret", "copy-hook-secret"),
                    align="center",
                    width="100%",
                    spacing="2",
                ),
                rx.button(
                    "I have copied it",
                    size="1",
                    variant="soft",
                    on_click=TriggerState.dismiss_secret,
                    id="dismiss-hook-secret",
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme="amber",
            size="1",
            width="100%",
        ),
    )


def http_fields() -> rx.Component:
    return rx.vstack(
        field_label("Authentication", "hook-auth"),
        rx.select.root(
            rx.select.trigger(id="hook-auth", width="100%"),
            rx.select.content(*[rx.select.item(label, value=val) for val, label in AUTH_MODES]),
            value=TriggerState.http_auth,
            on_change=TriggerState.set_http_auth,
            size="2",
        ),
        rx.match(
            TriggerState.http_auth,
            ("bearer", rx.text("Callers send Authorization: Bearer <secret>.", size="1", color_scheme="gray")),
            (
                "hmac",
                rx.text(
                    "Standard Webhooks: callers send webhook-id, webhook-timestamp and "
                    'webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> '
                    "with the whsec_ secret.",
                    size="1",
                    color_scheme="gray",
                ),
            ),
            rx.text("Anyone with the URL can call it.", size="1", color_scheme="gray"),
        ),
        field_label("Hook URL"),
        rx.cond(
            TriggerState.hook_url != "",
            rx.vstack(
                rx.hstack(
                    mono_box(TriggerState.hook_url, "hook-url"),
                    copy_icon(TriggerState.hook_url, "Hook URL", "copy-hook-url"),
                    align="center",
                    width="100%",
                    spacing="2",
                ),
                rotate_dialog(),
                spacing="2",
                width="100%",
            ),
            rx.text("The hook URL appears here when you save.", size="2", color_scheme="gray", id="hook-url-pending"),
        ),
        error_callout(TriggerState.rotate_error),
        secret_once(),
        spacing="2",
        width="100%",
    )


def schedule_preview() -> rx.Component:
    return rx.cond(
        TriggerState.schedule_error != "",
        rx.callout(
            TriggerState.schedule_error,
            icon="triangle-alert",
            color_scheme="red",
            size="1",
            width="100%",
            id="schedule-error",
        ),
        rx.vstack(
            rx.text(TriggerState.description, size="2", weight="medium", id="schedule-description"),
            rx.text("Next times (", TriggerState.timezone, ")", size="1", color_scheme="gray"),
            rx.el.ol(
                rx.foreach(
                    TriggerState.next_times,
                    lambda t: rx.el.li(rx.text(t, size="1", font_family=MONO), class_name="next-time"),
                ),
                id="next-times",
                style={"margin": "0", "padding_left": "1.25rem"},
            ),
            spacing="1",
            width="100%",
        ),
    )


def schedule_fields() -> rx.Component:
    return rx.vstack(
        segmented(
            TriggerState.schedule_kind,
            TriggerState.set_schedule_kind,
            [("cron", "Cron"), ("interval", "Interval")],
            "schedule-kind",
        ),
        rx.cond(
            TriggerState.schedule_kind == "cron",
            rx.vstack(
                field_label("Cron expression", "schedule-cron"),
                rx.input(
                    value=TriggerState.cron,
                    on_change=TriggerState.set_cron,
                    id="schedule-cron",
                    placeholder="*/5 * * * *",
                    font_family=MONO,
                    width="100%",
                ),
                rx.text(CRON_HINT, size="1", color_scheme="gray", id="schedule-cron-hint"),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                field_label("Every (seconds)", "schedule-interval"),
                rx.input(
                    value=TriggerState.interval_text,
                    on_change=TriggerState.set_interval_text,
                    id="schedule-interval",
                    type="number",
                    min="1",
                    width="100%",
                ),
                spacing="1",
                width="100%",
            ),
        ),
        field_label("Timezone", "schedule-timezone"),
        rx.input(
            value=TriggerState.timezone,
            on_change=TriggerState.set_timezone,
            id="schedule-timezone",
            list="timezone-names",
            placeholder="UTC",
            width="100%",
            auto_complete="off",
        ),
        rx.el.datalist(*[rx.el.option(value=name) for name in timezone_names()], id="timezone-names"),
        schedule_preview(),
        spacing="2",
        width="100%",
    )


def trigger_panel() -> rx.Component:
    return rx.vstack(
        segmented(
            TriggerState.trigger_type,
            TriggerState.set_trigger_type,
            [("manual", "Manual"), ("http", "HTTP"), ("schedule", "Schedule")],
            "trigger-type",
        ),
        rx.match(
            TriggerState.trigger_type,
            ("http", http_fields()),
            ("schedule", schedule_fields()),
            rx.text("Runs only when you start it, by hand or through the API.", size="2", color_scheme="gray"),
        ),
        rx.hstack(
            rx.switch(checked=TriggerState.enabled, on_change=TriggerState.set_enabled, id="script-enabled"),
            rx.el.label(rx.text("Enabled", size="2"), html_for="script-enabled"),
            rx.cond(
                ~TriggerState.enabled,
                rx.text(
                    rx.cond(TriggerState.trigger_type == "http", "(the hook answers 404)", "(no scheduled runs)"),
                    size="1",
                    color_scheme="gray",
                ),
            ),
            align="center",
            spacing="2",
        ),
        spacing="3",
        width="100%",
    )
