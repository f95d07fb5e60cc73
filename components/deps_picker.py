"""Placeholder until its branch lands (being written now): dependency_picker() takes no arguments and works on
state.draft.DraftState."""

import reflex as rx


def dependency_picker() -> rx.Component:
    return rx.text("dependency_picker: not built yet", color_scheme="gray", size="2")
