"""Placeholder until its branch lands (being written now): tryout_console() takes no arguments and works on
state.draft.DraftState."""

import reflex as rx


def tryout_console() -> rx.Component:
    return rx.text("tryout_console: not built yet", color_scheme="gray", size="2")
