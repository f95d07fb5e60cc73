"""Celery tasks: thin, they take ids and call workers.engine."""

from __future__ import annotations

import uuid

from workers import engine
from workers.celery_app import celery


@celery.task(name="runpad.run", acks_late=True)
def run(run_id: str) -> None:
    engine.execute_run(uuid.UUID(run_id))


@celery.task(name="runpad.build", acks_late=True)
def build(build_id: str) -> None:
    engine.execute_build(uuid.UUID(build_id))
