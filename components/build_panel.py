"""The editor's build panel: the dependency build of the saved version, its status and its log as
it streams in."""

from __future__ import annotations

import reflex as rx

from components.badges import build_badge
from state.build import BuildState

MONO = "var(--code-font-family)"


def log_line(line) -> rx.Component:
    return rx.text(
        line["line"],
        as_="div",
        size="1",
        font_family=MONO,
        white_space="pre-wrap",
        word_break="break-all",
        color=rx.match(
            line["stream"], ("stderr", rx.color("red", 11)), ("system", rx.color("accent", 11)), rx.color("gray", 12)
        ),
        class_name="build-log-line",
    )


def headline() -> rx.Component:
    return rx.hstack(
        rx.icon("package", size=16, color=rx.color("gray", 10)),
        rx.text("Dependency build", size="2", weight="medium"),
        build_badge(BuildState.status, id="build-status", custom_attrs={"data-status": BuildState.status}),
        rx.spacer(),
        rx.cond(BuildState.following, rx.text("following live", size="1", color_scheme="gray")),
        align="center",
        width="100%",
        spacing="2",
    )


def failure() -> rx.Component:
    return rx.cond(
        BuildState.status == "failed",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-x")),
            rx.vstack(
                rx.text(
                    rx.cond(
                        BuildState.error != "",
                        "The dependency build failed: " + BuildState.error,
                        "The dependency build failed.",
                    ),
                    size="2",
                    weight="medium",
                ),
                rx.text(
                    "Runs cannot start until it succeeds. Check the package names and versions in the log "
                    "below, then save to build again.",
                    size="2",
                ),
                spacing="1",
            ),
            color_scheme="red",
            size="1",
            width="100%",
            id="build-error",
        ),
    )


def build_panel() -> rx.Component:
    """Shown while a build is followed, after it, or when it failed; hidden for a settled build."""
    return rx.cond(
        BuildState.following | (BuildState.status == "failed") | (BuildState.lines.length() > 0),
        rx.card(
            rx.vstack(
                headline(),
                failure(),
                rx.auto_scroll(
                    rx.cond(
                        BuildState.lines.length() > 0,
                        rx.foreach(BuildState.lines, log_line),
                        rx.text("Waiting for the build to start…", size="1", color_scheme="gray"),
                    ),
                    id="build-log",
                    height="12rem",
                    width="100%",
                    padding="0.5rem 0.75rem",
                    background_color=rx.color("gray", 2),
                    border=f"1px solid {rx.color('gray', 5)}",
                    border_radius="var(--radius-2)",
                ),
                spacing="2",
                width="100%",
            ),
            id="build-panel",
            width="100%",
            size="1",
        ),
    )
