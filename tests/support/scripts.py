"""Saved scripts whose images are built in this process, before the test or bench goes on."""

from __future__ import annotations

from app.services import queue, scripts
from workers import engine


def built_script(*args, **kwargs) -> scripts.Saved:
    """scripts.create(*args, **kwargs), its new build done here. The save's build message stays in
    memory: a worker running beside the test must not claim the build this process is about to do."""
    with queue.using(queue.Memory()):
        saved = scripts.create(*args, **kwargs)
    if saved.build_queued:
        engine.execute_build(saved.build.id)
    return saved


def unbuilt_script(*args, **kwargs) -> scripts.Saved:
    """scripts.create(*args, **kwargs) whose build stays queued: no worker is sent it."""
    with queue.using(queue.Memory()):
        return scripts.create(*args, **kwargs)
