"""A table of runs (app.views.run_views.RunListRow): a script's run history and the workspace's Runs
page. Times are relative, the exact time in the cell's title; on a phone the version and duration go."""

from __future__ import annotations

import reflex as rx

from components.log_view import MONO, status_badge

TRIGGER_ICONS = {
    "manual": "hand",
    "http": "webhook",
    "schedule": "calendar-clock",
    "tryout": "flask-conical",
    "error": "siren",
}
WIDE_ONLY = ["none", "table-cell"]  # columns a phone does without
WIDE_TEXT = ["none", "inline"]  # words a phone shows as an icon only


def trigger_label(row) -> rx.Component:
    icon = rx.match(
        row.trigger, *[(t, rx.icon(name, size=14)) for t, name in TRIGGER_ICONS.items()], rx.icon("circle", size=14)
    )
    return rx.hstack(
        rx.el.span(icon, title=row.trigger, display="flex"),
        rx.text(row.trigger, size="2", display=WIDE_TEXT),
        rx.cond(row.rerun, rx.el.span(rx.icon("rotate-ccw", size=12), title="run again of an earlier run")),
        align="center",
        spacing="1",
        color=rx.color("gray", 11),
    )


def script_cell(row) -> rx.Component:
    return rx.table.cell(
        rx.cond(
            row.script != "",
            rx.text(
                row.script,
                size="2",
                class_name="run-script",
                title=row.script,
                max_width=rx.breakpoints(initial="7rem", sm="14rem"),
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
            ),
            rx.text("try-out", size="2", color_scheme="gray"),
        ),
    )


def run_row(row, with_script: bool) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(status_badge(row.status, size="1"), href="/runs/" + row.id, underline="none")),
        *([script_cell(row)] if with_script else []),
        # beside the script's name a phone has no room for the trigger: the page's filter has it
        rx.table.cell(trigger_label(row), display=WIDE_ONLY if with_script else None),
        rx.table.cell(rx.text(row.version, size="2", font_family=MONO, color=rx.color("gray", 11)), display=WIDE_ONLY),
        rx.table.cell(rx.text(row.started, size="2", title=row.started_exact, class_name="run-started")),
        rx.table.cell(rx.text(row.duration, size="2", font_family=MONO), display=WIDE_ONLY),
        rx.table.cell(
            rx.link(
                rx.hstack(
                    rx.text("Open", size="2", display=WIDE_TEXT),
                    rx.icon("chevron-right", size=14),
                    spacing="1",
                    align="center",
                ),
                href="/runs/" + row.id,
                aria_label="Open",
            ),
            text_align="right",
        ),
        custom_attrs={"data-run-id": row.id, "data-status": row.status, "data-trigger": row.trigger},
        align="center",
    )


def runs_table(rows, table_id: str, with_script: bool = False) -> rx.Component:
    heads = ["Status", *(["Script"] if with_script else []), "Trigger", "Version", "Started", "Duration"]
    narrow = ("Version", "Duration", *(["Trigger"] if with_script else []))  # the columns a phone leaves out
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[rx.table.column_header_cell(h, display=WIDE_ONLY if h in narrow else None) for h in heads],
                rx.table.column_header_cell(""),
            )
        ),
        rx.table.body(rx.foreach(rows, lambda row: run_row(row, with_script))),
        id=table_id,
        variant="surface",
        size=rx.breakpoints(initial="1", sm="2"),
        width="100%",
    )
