"""The page shell every Runpad page is drawn in: a header with the product name, then the content."""

import reflex as rx


def header() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.icon("square-terminal", size=22),
                    rx.heading("Runpad", size="5", weight="bold"),
                    align="center",
                    spacing="2",
                ),
                href="/",
                underline="none",
                color=rx.color("gray", 12),
            ),
            rx.spacer(),
            align="center",
            max_width="72rem",
            margin_x="auto",
            padding_x="1.5rem",
            height="3.5rem",
        ),
        as_="header",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
    )


def page_shell(*children: rx.Component) -> rx.Component:
    """Wrap a page's content in the common header and a centred, width-limited column."""
    return rx.box(
        header(),
        rx.box(
            *children,
            as_="main",
            max_width="72rem",
            margin_x="auto",
            padding_x="1.5rem",
            padding_y="2.5rem",
        ),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )
