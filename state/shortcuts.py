"""Whether the keyboard-shortcut sheet is open in this tab; it shows nothing of anyone's data."""

from __future__ import annotations

import reflex as rx


class ShortcutsState(rx.State):
    open: bool = False

    @rx.event
    def set_open(self, is_open: bool):
        self.open = bool(is_open)
