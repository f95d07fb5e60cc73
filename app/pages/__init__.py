"""Every page of the app: each page module lists its routes in PAGES, and app/app.py adds them all."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx


@dataclass(frozen=True)
class Page:
    route: str
    component: Callable[[], rx.Component]
    title: str
    on_load: list[Any] = field(default_factory=list)


# Modules whose PAGES are added, in this order.
MODULES = [
    "index",
    "login",
    "invite",
    "scripts",
    "editor",
    "runs",
    "all_runs",
    "run",
    "versions",
    "secrets",
    "settings",
    "members",
    "audit",
    "workspace",
    "users",
    "tokens",
    "help",
    "not_found",
]

PAGES: list[Page] = [p for name in MODULES for p in importlib.import_module(f"app.pages.{name}").PAGES]
