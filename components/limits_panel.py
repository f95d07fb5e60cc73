"""The editor's limits section: how long a run may take, how much memory it may use, and whether
it may reach the network."""

from __future__ import annotations

import reflex as rx

from app.services.limits import MEMORY_RANGE, TIMEOUT_RANGE
from app.services.scripts import BACKOFF_RANGE, RETRY_RANGE
from state.draft import DraftState
from state.limits import LimitsState


def number_field(label: str, id: str, value, on_change, bounds: tuple[int, int], unit: str, error) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="1", weight="medium", color=rx.color("gray", 11)), html_for=id),
        rx.input(
            rx.input.slot(rx.text(unit, size="1", color_scheme="gray"), side="right"),
            value=value,
            on_change=on_change,
            id=id,
            type="number",
            min=str(bounds[0]),
            max=str(bounds[1]),
            width="100%",
            color_scheme=rx.cond(error != "", "red", "gray"),
        ),
        rx.text(
            rx.cond(error != "", error, f"{bounds[0]} to {bounds[1]}"),
            size="1",
            color_scheme=rx.cond(error != "", "red", "gray"),
        ),
        spacing="1",
        width="100%",
    )


def limits_panel() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            number_field(
                "Timeout",
                "limit-timeout",
                LimitsState.timeout_text,
                LimitsState.set_timeout,
                TIMEOUT_RANGE,
                "s",
                LimitsState.timeout_error,
            ),
            number_field(
                "Memory",
                "limit-memory",
                LimitsState.memory_text,
                LimitsState.set_memory,
                MEMORY_RANGE,
                "MB",
                LimitsState.memory_error,
            ),
            spacing="3",
            width="100%",
            align="start",
        ),
        rx.hstack(
            number_field(
                "Retries",
                "limit-retries",
                LimitsState.retries_text,
                LimitsState.set_retries,
                RETRY_RANGE,
                "×",
                LimitsState.retries_error,
            ),
            number_field(
                "Backoff",
                "limit-backoff",
                LimitsState.backoff_text,
                LimitsState.set_backoff,
                BACKOFF_RANGE,
                "s",
                LimitsState.backoff_error,
            ),
            spacing="3",
            width="100%",
            align="start",
        ),
        rx.text(
            "Schedule runs and asynchronous hook runs that fail are run again, after the backoff, doubled "
            "each time; then the workspace's error handler hears of it.",
            size="1",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.switch(checked=DraftState.network, on_change=LimitsState.set_network, id="limit-network"),
            rx.el.label(rx.text("Network access", size="2"), html_for="limit-network"),
            rx.cond(~DraftState.network, rx.text("(no network at all)", size="1", color_scheme="gray")),
            align="center",
            spacing="2",
        ),
        spacing="3",
        width="100%",
    )
