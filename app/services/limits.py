"""The bounds of a run's limits, and the one check of a value against them (saves, try-outs and the
defaults on the Settings page all use it)."""

from __future__ import annotations

TIMEOUT_RANGE = (1, 900)  # seconds
MEMORY_RANGE = (64, 4096)  # MB


def problem(label: str, value: object, bounds: tuple[int, int]) -> str | None:
    """What is wrong with `value` for the limit named `label`, or None when it is within bounds."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"{label} must be a whole number from {low} to {high}"
    return None
