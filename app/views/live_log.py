"""A run's log as it is printed, in batches a page can show: lines are gathered for a moment so a
chatty run sends the browser a few updates a second, not one per line."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing, suppress
from dataclasses import dataclass

from app.services import follow, runs
from app.views.run_views import LogRow, RunSummary, log_row, summary_of

BATCH_SECONDS = 0.1
IDLE_SECONDS = 1.0


@dataclass
class Batch:
    rows: list[LogRow]
    status: str | None = None  # set on the last batch: how the run ended


async def batches(
    run_id: uuid.UUID, after_seq: int = 0, interval: float = BATCH_SECONDS, idle: float = IDLE_SECONDS
) -> AsyncGenerator[Batch, None]:
    """The run's lines after after_seq, at most every `interval` seconds, ending with a batch that
    carries the run's final status. While nothing is printed an empty batch comes every `idle`
    seconds, so the caller can look at the run and decide whether it still wants the lines.
    Close it (contextlib.aclosing) to stop following early."""
    queue: asyncio.Queue = asyncio.Queue()

    async def pump() -> None:
        try:
            async for item in follow.follow_run_log(run_id, after_seq):
                if not isinstance(item, follow.Keepalive):
                    queue.put_nowait(item)
        except Exception as exc:  # noqa: BLE001 - handed to the reader, which raises it
            queue.put_nowait(exc)

    pumping = asyncio.create_task(pump())
    getter: asyncio.Future | None = None
    try:
        while True:
            # one pending get() survives idle timeouts, so no item is lost to a cancelled get
            getter = getter or asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter}, timeout=idle)
            if not done:
                yield Batch([])
                continue
            items, getter = [getter.result()], None
            await asyncio.sleep(interval)  # let the lines printed meanwhile join this batch
            while not queue.empty():
                items.append(queue.get_nowait())
            batch = _batch_of(items)
            yield batch
            if batch.status is not None:
                return
    finally:
        for task in (getter, pumping):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task


def _batch_of(items: list) -> Batch:
    batch = Batch([])
    for item in items:
        if isinstance(item, Exception):
            raise item
        if isinstance(item, follow.End):
            batch.status = item.status
            break
        batch.rows.append(log_row(item.seq, item.ts, item.stream, item.line))
    return batch


async def with_summaries(
    run_id: uuid.UUID, after_seq: int = 0, every: float = 1.0
) -> AsyncGenerator[tuple[Batch, RunSummary | None], None]:
    """batches(), each paired with the run's summary when the run ended or `every` seconds have passed
    since the last look (else None): a page shows the lines and keeps the status current."""
    checked = 0.0
    async with aclosing(batches(run_id, after_seq)) as stream:
        async for batch in stream:
            summary = None
            if batch.status is not None or time.monotonic() - checked >= every:
                checked = time.monotonic()
                run = await asyncio.to_thread(runs.get, run_id)
                summary = await asyncio.to_thread(summary_of, run) if run else None
            yield batch, summary
