"""Default limits for new scripts and try-outs: set on the Settings page (app setting "limits"),
else RUNPAD_DEFAULT_TIMEOUT_SECONDS / RUNPAD_DEFAULT_MEMORY_MB, with network on."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.core import errors
from app.core.settings import settings
from app.services import app_settings
from app.services.limits import MEMORY_RANGE, TIMEOUT_RANGE, problem

KEY = "limits"


class LimitsError(errors.InvalidInput):
    """A limit out of range; nothing was stored."""


@dataclass(frozen=True)
class Limits:
    timeout_seconds: int
    memory_mb: int
    network: bool


def limits() -> Limits:
    stored, _ = app_settings.get(KEY)
    return Limits(
        int(stored.get("timeout_seconds", settings.default_timeout_seconds)),
        int(stored.get("memory_mb", settings.default_memory_mb)),
        bool(stored.get("network", True)),
    )


def set_limits(timeout_seconds: int, memory_mb: int, network: bool) -> Limits:
    for label, value, bounds in (
        ("the default timeout", timeout_seconds, TIMEOUT_RANGE),
        ("the default memory", memory_mb, MEMORY_RANGE),
    ):
        if message := problem(label, value, bounds):
            raise LimitsError(message)
    chosen = Limits(timeout_seconds, memory_mb, bool(network))
    app_settings.put(KEY, asdict(chosen))
    return chosen
