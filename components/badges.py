"""Status badges shared by the scripts list and the editor: runtime, dependency build and run status."""

from __future__ import annotations

import reflex as rx

from app.core import runtimes

BUILD_COLOURS = [("queued", "gray"), ("building", "amber"), ("succeeded", "green"), ("failed", "red")]
RUN_COLOURS = [
    ("queued", "gray"),
    ("building", "amber"),
    ("running", "blue"),
    ("succeeded", "green"),
    ("failed", "red"),
    ("timed_out", "orange"),
    ("cancelled", "gray"),
]


def runtime_badge(runtime) -> rx.Component:
    return rx.match(
        runtime,
        *[
            (name, rx.badge(row.label, color_scheme=row.badge_colour, variant="soft"))
            for name, row in runtimes.RUNTIMES.items()
        ],
        rx.badge(runtime, color_scheme="gray", variant="soft"),
    )


def _coloured(status, colours: list[tuple[str, str]], label, **props) -> rx.Component:
    return rx.match(
        status,
        *[(value, rx.badge(label, color_scheme=colour, variant="soft", **props)) for value, colour in colours],
        rx.badge(label, color_scheme="gray", variant="soft", **props),
    )


def build_badge(status, **props) -> rx.Component:
    """A dependency build's status (queued, building, succeeded, failed); nothing without a build."""
    icon = rx.match(
        status,
        ("building", rx.spinner(size="1")),
        ("queued", rx.icon("clock", size=12)),
        ("failed", rx.icon("circle-x", size=12)),
        rx.icon("package-check", size=12),
    )
    return rx.cond(
        status != "", _coloured(status, BUILD_COLOURS, rx.hstack(icon, status, spacing="1", align="center"), **props)
    )


def run_badge(status) -> rx.Component:
    return _coloured(status, RUN_COLOURS, status.to(str).replace("_", " "))
