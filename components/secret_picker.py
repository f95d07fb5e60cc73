"""Placeholder until its branch lands (being written now): secret_picker() takes no arguments and works on
state.draft.DraftState."""

import reflex as rx


def secret_picker() -> rx.Component:
    return rx.text("secret_picker: not built yet", color_scheme="gray", size="2")
