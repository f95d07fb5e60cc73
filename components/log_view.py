"""The pieces that show a run, shared by the try-out console and the run pages: the log viewer
(lines with times, stderr tinted, search matches marked, following the bottom) and the status badge."""

from __future__ import annotations

import reflex as rx

MONO = "var(--code-font-family)"
STATUS_COLOURS = {
    "queued": "gray",
    "building": "amber",
    "running": "blue",
    "succeeded": "green",
    "failed": "red",
    "timed_out": "orange",
    "cancelled": "gray",
}
STATUS_LABELS = {"timed_out": "timed out"}
STATUS_ICONS = {
    "queued": "clock",
    "building": "package",
    "running": "loader",
    "succeeded": "circle-check",
    "failed": "circle-x",
    "timed_out": "timer-off",
    "cancelled": "ban",
}


def download_button(href, id: str) -> rx.Component:
    """A button that downloads what the server sends at href (a log). The browser must fetch it itself
    (reload_document): otherwise React Router takes a same-origin link as one of the app's pages, has
    none there, and shows "404: Page not found"."""
    return rx.button(
        rx.el.a(rx.icon("download", size=14), "Download", href=href, download="", reload_document=True, id=id),
        as_child=True,
        variant="soft",
        color_scheme="gray",
        size="2",
    )


def status_badge(status, id: str | None = None, size: str = "2") -> rx.Component:
    """The run status as a coloured badge; `status` is a Var holding one of RunStatus."""
    colour = rx.match(status, *STATUS_COLOURS.items(), "gray")
    label = rx.match(status, *STATUS_LABELS.items(), status)
    icon = rx.match(
        status, *[(s, rx.icon(name, size=12)) for s, name in STATUS_ICONS.items()], rx.icon("circle", size=12)
    )
    return rx.badge(
        icon,
        label,
        color_scheme=colour,
        variant="soft",
        size=size,
        id=id,
        custom_attrs={"data-status": status},
        radius="full",
    )


def _part(part) -> rx.Component:
    return rx.cond(
        part.hit,
        rx.el.mark(part.text, background_color=rx.color("amber", 6), color=rx.color("gray", 12), border_radius="2px"),
        rx.el.span(part.text),
    )


def _line(row) -> rx.Component:
    return rx.el.div(
        rx.el.span(
            row.time,
            title=row.stamp,
            color=rx.color("gray", 9),
            user_select="none",
            flex_shrink="0",
            padding_right="0.75rem",
        ),
        rx.el.span(rx.foreach(row.parts, _part), white_space="pre-wrap", word_break="break-word", min_width="0"),
        class_name="log-line",
        custom_attrs={"data-stream": row.stream, "data-seq": row.seq},
        display="flex",
        padding_x="0.75rem",
        color=rx.match(
            row.stream, ("stderr", rx.color("red", 11)), ("system", rx.color("gray", 10)), rx.color("gray", 12)
        ),
        background_color=rx.cond(row.stream == "stderr", rx.color("red", 3), "transparent"),
        font_style=rx.cond(row.stream == "system", "italic", "normal"),
        _hover={"background_color": rx.color("gray", 4)},
    )


def log_view(rows, container_id: str, empty: rx.Component, height: str = "18rem", **props) -> rx.Component:
    """A scrolling log: each row a `.log-line` with `data-stream`; `empty` shows while there are none.
    It keeps to the bottom as lines arrive unless the reader has scrolled up."""
    return rx.auto_scroll(
        rx.cond(rows.length() > 0, rx.foreach(rows, _line), empty),
        id=container_id,
        font_family=MONO,
        font_size="12.5px",
        line_height="1.6",
        height=height,
        padding_y="0.5rem",
        background_color=rx.color("gray", 1),
        border=f"1px solid {rx.color('gray', 6)}",
        border_radius="var(--radius-3)",
        width="100%",
        **props,
    )


def log_placeholder(text) -> rx.Component:
    return rx.text(
        text, size="2", color=rx.color("gray", 10), padding_x="0.75rem", padding_y="0.25rem", font_family=MONO
    )


def error_and_result(error, status, result, id_prefix: str, result_height: str) -> list[rx.Component]:
    """A finished run's error (grey when it was cancelled) and its result, shown once they are there:
    `{id_prefix}-error` and `{id_prefix}-result` (the run page and the try-out console)."""
    return [
        rx.cond(
            error != "",
            rx.callout(
                error,
                icon="triangle-alert",
                size="1",
                width="100%",
                id=f"{id_prefix}-error",
                color_scheme=rx.cond(status == "cancelled", "gray", "red"),
                white_space="pre-wrap",
            ),
        ),
        rx.cond(
            result != "",
            rx.vstack(
                rx.text("Result", size="2", weight="medium"),
                rx.el.pre(
                    result,
                    id=f"{id_prefix}-result",
                    font_family=MONO,
                    font_size="12.5px",
                    margin="0",
                    padding="0.75rem",
                    max_height=result_height,
                    overflow="auto",
                    width="100%",
                    background_color=rx.color("gray", 1),
                    border=f"1px solid {rx.color('gray', 6)}",
                    border_radius="var(--radius-3)",
                ),
                spacing="1",
                width="100%",
            ),
        ),
    ]
