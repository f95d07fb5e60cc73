"""Reflex state for the landing page: flat under rx.State, loading what the page shows from the database."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx
from sqlalchemy import func
from sqlmodel import select

from app import db
from app.models import Script

log = logging.getLogger(__name__)


def count_scripts() -> int:
    # TODO: call the scripts service's count once app/services has one.
    with db.session() as s:
        return s.exec(select(func.count()).select_from(Script)).one()


class OverviewState(rx.State):
    """What the landing page says about this instance; the page renders even if the database is down."""

    loaded: bool = False
    database_up: bool = False
    script_count: int = 0

    @rx.event
    async def load(self):
        try:
            # The query blocks, and event handlers run on the server's event loop.
            self.script_count = await asyncio.to_thread(count_scripts)
            self.database_up = True
        except Exception as exc:
            log.warning("landing page: cannot count scripts: %s", (str(exc).splitlines() or [""])[0])
            self.database_up = False
        self.loaded = True
