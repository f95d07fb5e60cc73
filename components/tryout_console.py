"""The try-out console under the editor: an event as JSON, Run (Ctrl/Cmd+Enter) and Cancel, the
output as it is printed, then the status, duration, result and error. It works on DraftState."""

import reflex as rx

from components.log_view import MONO, error_and_result, log_placeholder, log_view, status_badge
from state.auth import AuthState
from state.tryout import TryoutState


def event_input() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Event body", size="2", weight="medium"),
            rx.text("JSON, passed to the handler as event.body", size="1", color_scheme="gray"),
            align="baseline",
            spacing="2",
        ),
        rx.text_area(
            value=TryoutState.event_text,
            on_change=TryoutState.set_event_text,
            id="event-json",
            font_family=MONO,
            font_size="12.5px",
            rows="7",
            resize="vertical",
            spell_check=False,
            width="100%",
            color_scheme=rx.cond(TryoutState.event_error != "", "red", "gray"),
            aria_label="Event body as JSON",
        ),
        # the line is always there, so a message appearing does not push the page down
        rx.text(
            TryoutState.event_error,
            id="event-error",
            size="1",
            color_scheme="red",
            min_height="1.25rem",
            font_family=MONO,
        ),
        spacing="2",
        width="100%",
        max_width=["100%", "100%", "22rem"],
        flex_shrink="0",
    )


def actions() -> rx.Component:
    return rx.hstack(
        rx.tooltip(
            rx.button(
                rx.icon("play", size=14),
                "Run",
                id="run-tryout",
                on_click=TryoutState.run,
                # an operator may read and run saved scripts, not try code out (the server refuses it too)
                disabled=(TryoutState.event_error != "") | ~AuthState.can_write,
                loading=TryoutState.starting,
            ),
            content="Run the code in the editor, saved or not (Ctrl/Cmd+Enter)",
        ),
        rx.cond(
            TryoutState.busy & (TryoutState.tryout_run != ""),
            rx.button(
                rx.icon("square", size=14),
                "Cancel",
                id="cancel-tryout",
                on_click=TryoutState.cancel,
                loading=TryoutState.cancelling,
                variant="soft",
                color_scheme="red",
            ),
        ),
        rx.spacer(),
        rx.cond(TryoutState.status != "", status_badge(TryoutState.status, id="tryout-status")),
        rx.text(TryoutState.duration, id="tryout-duration", size="2", color_scheme="gray", font_family=MONO),
        rx.cond(
            TryoutState.tryout_run != "",
            rx.link(
                rx.icon("external-link", size=14),
                href="/runs/" + TryoutState.tryout_run,
                id="tryout-run-link",
                color_scheme="gray",
                title="Open this run's page",
            ),
        ),
        align="center",
        spacing="3",
        width="100%",
        min_height="2.25rem",
    )


def waiting_text() -> rx.Component:
    return log_placeholder(
        rx.cond(
            TryoutState.installing,
            "Installing dependencies… (the first run with a new set takes a while)",
            rx.match(
                TryoutState.status,
                ("queued", "Queued: waiting for a worker…"),
                ("building", "Preparing the container…"),
                ("running", "Running: nothing printed yet."),
                ("", "Press Run to try the code with this event. Output shows here as it is printed."),
                "The run printed nothing.",
            ),
        )
    )


def outcome() -> rx.Component:
    return rx.vstack(
        rx.cond(
            TryoutState.installing & (TryoutState.rows.length() > 0),
            rx.callout("Installing dependencies…", icon="package", color_scheme="amber", size="1", width="100%"),
        ),
        *error_and_result(TryoutState.error, TryoutState.status, TryoutState.result, "tryout", "16rem"),
        spacing="2",
        width="100%",
    )


def output() -> rx.Component:
    return rx.vstack(
        actions(),
        rx.cond(
            TryoutState.hidden_lines > 0,
            rx.text(
                TryoutState.hidden_lines,
                " earlier lines are not shown here; the run page has them all.",
                size="1",
                color_scheme="gray",
            ),
        ),
        log_view(TryoutState.rows, "tryout-output", waiting_text(), height="16rem"),
        outcome(),
        spacing="2",
        width="100%",
        min_width="0",
    )


def tryout_console() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("flask-conical", size=16),
                rx.heading("Try it out", size="3"),
                rx.text("runs the unsaved code in a fresh container", size="1", color_scheme="gray"),
                align="center",
                spacing="2",
            ),
            rx.flex(
                event_input(),
                output(),
                direction=rx.breakpoints(initial="column", md="row"),
                style={"gap": "1rem"},
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        size="2",
        id="tryout-console",
        on_mount=TryoutState.resume,
        on_unmount=TryoutState.stop_following,
    )
